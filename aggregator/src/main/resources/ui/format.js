// Number and time formats shared by the list, the chart and the session page.

/** A number from a JSON value; an object such as token_count or cost gives its total. */
export function num(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return num(value.total ?? value.count ?? value.value);
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function fmtInt(value) {
  const n = num(value);
  return n === null ? '–' : n.toLocaleString('en-US');
}

export function fmtCost(value) {
  const n = num(value);
  if (n === null) return '–';
  if (n === 0) return '$0';
  if (n < 0.000001) return '<$0.000001';
  if (n < 0.01) return '$' + n.toPrecision(2);
  return '$' + n.toFixed(n < 100 ? 4 : 2);
}

export function fmtMs(value) {
  const n = num(value);
  if (n === null) return '–';
  if (n < 1000) return Math.round(n) + ' ms';
  if (n < 60000) return (n / 1000).toFixed(2) + ' s';
  if (n < 3600000) return (n / 60000).toFixed(1) + ' min';
  return (n / 3600000).toFixed(1) + ' h';
}

/** ISO-8601 UTC as "YYYY-MM-DD HH:MM:SS". */
export function fmtTime(iso) {
  if (!iso) return '–';
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return match ? match[1] + ' ' + match[2] : iso;
}

/** Epoch milliseconds as "YYYY-MM-DD HH:MM" UTC, the form the custom range inputs take. */
export function fmtMinute(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
