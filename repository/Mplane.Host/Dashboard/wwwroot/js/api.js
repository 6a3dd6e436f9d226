// The dashboard's one way to read the server's JSON: a refusal (400 with {error, parameter}) or a
// failure becomes an Error with the server's own message, for the page's problem line.

/** GETs `path` with the query `params` (null and undefined values left out) and returns the parsed JSON. */
export async function getJson(path, params = {}, signal = undefined) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') {
      query.set(name, String(value));
    }
  }

  const url = query.size > 0 ? `${path}?${query}` : path;
  const response = await fetch(url, { headers: { Accept: 'application/json' }, signal });
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's page, a crash): the status line says enough.
  }

  if (!response.ok) {
    const message = body?.error ?? `${response.status} ${response.statusText}`;
    throw new Error(`${path}: ${message}`);
  }

  return body;
}
