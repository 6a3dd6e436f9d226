// The plots' time range lives in the address (?from=...&to=..., ISO 8601, UTC), so that a view can be
// bookmarked and shared, and the browser's back button undoes a zoom. No range in the address means
// "the newest data": the server then picks the last day of it.

/** The range in the address: `{from, to}`, each a Date or null. */
export function fromAddress(location = window.location) {
  const query = new URLSearchParams(location.search);
  const at = name => {
    const text = query.get(name);
    const date = text ? new Date(text) : null;
    return date && !Number.isNaN(date.getTime()) ? date : null;
  };
  return { from: at('from'), to: at('to') };
}

/** The page's address for `range`. */
export function address(range) {
  const query = new URLSearchParams(window.location.search);
  for (const name of ['from', 'to']) {
    if (range[name]) {
      query.set(name, range[name].toISOString().replace('.000Z', 'Z'));
    } else {
      query.delete(name);
    }
  }

  return `${window.location.pathname}${query.size > 0 ? `?${query}` : ''}`;
}

/** A Date as a datetime-local input's value, read as UTC: 2015-02-27T22:30. */
export function toInput(date) {
  return date ? date.toISOString().slice(0, 16) : '';
}

/** A datetime-local input's value, taken as UTC; null when empty or invalid. */
export function fromInput(text) {
  if (!text) {
    return null;
  }

  const date = new Date(`${text.length === 16 ? `${text}:00` : text}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** `range` widened `factor` times around its middle. */
export function widened(range, factor) {
  const middle = (range.from.getTime() + range.to.getTime()) / 2;
  const half = ((range.to.getTime() - range.from.getTime()) * factor) / 2;
  return { from: new Date(middle - half), to: new Date(middle + half) };
}
