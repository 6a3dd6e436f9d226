// How numbers, sizes and times read on the pages. Times are UTC throughout: windows, partitions and
// alarm bins are UTC in the warehouse, and an operator compares them with file names (UTC).

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** A count: 1,234,567. */
export function count(value) {
  return value === null || value === undefined ? '–' : integer.format(value);
}

/** A measurement with up to two decimals. */
export function number(value) {
  return value === null || value === undefined ? '–' : decimal.format(value);
}

/** A short form for axes and legends: 1.2k, 3.4M, 5.6G. */
export function si(value) {
  if (value === null || value === undefined) {
    return '–';
  }

  const magnitude = Math.abs(value);
  for (const [factor, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
    if (magnitude >= factor) {
      return `${decimal.format(value / factor)}${suffix}`;
    }
  }

  return decimal.format(value);
}

/** A size in bytes: 12.3 MB (powers of 1000, as disks and traffic are counted). */
export function bytes(value) {
  return value === null || value === undefined ? '–' : `${si(value)}B`;
}

/** An instant as UTC: 2015-02-27 22:30:00 (seconds only when not zero). */
export function utc(value) {
  if (value === null || value === undefined) {
    return '–';
  }

  const text = new Date(value).toISOString();
  const seconds = text.slice(17, 19);
  return `${text.slice(0, 10)} ${text.slice(11, seconds === '00' ? 16 : 19)}`;
}

/** A duration in seconds as the largest two units: 3 d 4 h, 5 min 6 s, 0.2 s. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) {
    return '–';
  }

  if (Math.abs(seconds) < 10) {
    return `${decimal.format(seconds)} s`;
  }

  const units = [['y', 365 * 86400], ['d', 86400], ['h', 3600], ['min', 60], ['s', 1]];
  let rest = Math.round(Math.abs(seconds));
  const parts = [];
  for (const [name, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    } else if (parts.length > 0) {
      break;
    }
  }

  return (seconds < 0 ? '−' : '') + parts.join(' ');
}

/** How long ago `value` was, from `now` (both instants): "5 min ago". */
export function ago(value, now = Date.now()) {
  if (value === null || value === undefined) {
    return '–';
  }

  const seconds = (now - new Date(value).getTime()) / 1000;
  return seconds >= 0 ? `${duration(seconds)} ago` : `in ${duration(-seconds)}`;
}
