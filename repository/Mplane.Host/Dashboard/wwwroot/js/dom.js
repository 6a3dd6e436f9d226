// Building the pages' elements. Text from the server (paths, error messages, keys) only ever goes in
// as text nodes, never as HTML, so nothing the warehouse holds can inject markup or script.

/** An element with attributes (`class`, `title`, `data-*`, ...) and children (nodes or text). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }

  node.append(...children.flat().filter(c => c !== null && c !== undefined).map(c => (c instanceof Node ? c : String(c))));
  return node;
}

/** A coloured state label. `tone`: ok, warn, bad or idle. */
export function badge(text, tone) {
  return el('span', { class: `badge ${tone}` }, text);
}

/**
 * Replaces `container`'s content with a table of `rows`. Each column: `title`, `value(row)` (text or
 * a node), optional `numeric` (right-aligned), `wrap` (long text) and `title(row)` for a tooltip.
 * `key(row)` sets each row's `data-key`, by which tests and links find it. Without rows, `empty`.
 */
export function table(container, columns, rows, { empty = 'none', key = null } = {}) {
  if (rows.length === 0) {
    container.replaceChildren(el('p', { class: 'empty' }, empty));
    return;
  }

  const head = el('tr', {}, columns.map(c => el('th', { class: c.numeric ? 'num' : null }, c.title)));
  const body = rows.map(row => el(
    'tr',
    { 'data-key': key ? key(row) : null },
    columns.map(c => el('td', { class: c.numeric ? 'num' : c.wrap ? 'wrap' : null, title: c.hint ? c.hint(row) : null }, c.value(row)))));
  container.replaceChildren(el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, head), el('tbody', {}, body))));
}

/** Shows `error`'s message in the page's problem line, or hides the line (null). */
export function problem(error) {
  const line = document.getElementById('problem');
  line.hidden = !error;
  line.textContent = error ? error.message : '';
}
