// The Sessionizer web UI: a sessions list (time range, filters, sorting, search, a stats chart) and a chat-style
// transcript, over the REST API of DESIGN.md. Plain DOM building with textContent only: session data never goes
// through innerHTML, search snippets included (snippet.js). Annotations are written from the transcript (thumbs and a
// note per turn) and the session page (a label, score and note), and shown as a column of the list (annotations.js).

import {
  annotationCell, annotationSummaryView, labelsInRows, NAME_PATTERN, namesInRows, sessionAnnotationForm, shows,
  thumbsBody, uiThumbs,
} from './annotations.js';
import { contextChart, statsChart } from './chart.js';
import { el } from './dom.js';
import { fmtInt, fmtMinute, fmtMs, fmtTime, num } from './format.js';
import { highlighted } from './snippet.js';
import { costView, duration, ioText, tokenParts, turnView } from './turn.js';

const PAGE_SIZE = 50;
const TURN_PAGE_SIZE = 20;
const POLL_MS = 3000;

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The time ranges offered, each with the stats bucket that gives a readable number of bars. */
const RANGES = [
  { id: '1h', label: 'Last 1 hour', ms: HOUR, interval: '1m' },
  { id: '24h', label: 'Last 24 hours', ms: DAY, interval: '1h' },
  { id: '7d', label: 'Last 7 days', ms: 7 * DAY, interval: '1h' },
  { id: '30d', label: 'Last 30 days', ms: 30 * DAY, interval: '1d' },
  { id: 'custom', label: 'Custom range…', ms: null, interval: null },
];
const DEFAULT_RANGE = '24h';
/** The stats intervals of the API; a custom range takes the finest that keeps the chart readable. */
const INTERVALS = [['1m', MINUTE], ['5m', 5 * MINUTE], ['1h', HOUR], ['1d', DAY]];
const INTERVAL_MS = Object.fromEntries(INTERVALS);
const MAX_CHART_BUCKETS = 200;

/**
 * The filters a chip holds (DESIGN.md, "Filters"). `many`: the parameter may repeat (OR, and AND for tags); else a
 * new value replaces the old. `metadata` stands for every `metadata.<key>`.
 */
const FILTERS = {
  project: { label: 'Project', many: true },
  user_id: { label: 'User', many: true },
  model: { label: 'Model', many: true },
  status: { label: 'Status', many: true, choices: [['active', 'active'], ['idle', 'idle']] },
  has_error: { label: 'Errors', many: false, choices: [['true', 'with errors'], ['false', 'without errors']] },
  tag: { label: 'Tag', many: true },
  metadata: { label: 'Metadata', many: false },
};
const METADATA_PREFIX = 'metadata.';
const SORTS = new Set(['end_time', 'start_time', 'cost', 'tokens', 'turns', 'duration', 'errors', 'relevance']);
/** `annotation.<name>.label` (repeatable: OR), `.min_score` and `.max_score` (one value each). */
const ANNOTATION_FILTER = /^annotation\.([A-Za-z0-9_-]{1,64})\.(label|min_score|max_score)$/;
const ANNOTATION_SORT = /^annotation\.([A-Za-z0-9_-]{1,64})\.score$/;
/** A write is folded into the session by the stream within a second or two: the page looks again after these. */
const ANNOTATION_RECHECK_MS = [1500, 3000, 6000, 12000];

const view = document.getElementById('view');
const live = document.getElementById('live');

/** The list's address when last shown, so that a session page leads back to the same view. */
let lastListHash = '#/';

let stopView = () => {};

// ---------- helpers ----------

const KEY_STORAGE = 'sessionizer.api-key';

/**
 * GET a JSON resource, or POST `body` as JSON when given; never throws: {ok, status, data, detail, field}, `field`
 * the body field a problem+json 400 names. A 401 asks for an API key instead; so does a 403 to a GET (the key lacks the
 * read scope), while a 403 to a POST says that the key lacks the annotate scope.
 */
async function api(path, body) {
  try {
    const headers = { Accept: 'application/json' };
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) headers.Authorization = 'Bearer ' + key;
    const init = { headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.method = 'POST';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    let detail = data && typeof data.detail === 'string' ? data.detail : (response.ok ? '' : response.statusText);
    if (!response.ok && !detail) detail = 'HTTP ' + response.status;
    const field = data && typeof data.field === 'string' ? data.field : null;
    if (response.status === 401) askForKey(key ? 'That API key is not valid here.' : detail);
    if (response.status === 403 && body === undefined) {
      askForKey('That API key lacks the read scope, so it cannot show sessions.');
    }
    if (response.status === 403 && body !== undefined) {
      detail = 'this API key lacks the annotate scope, which writing annotations needs';
    }
    return { ok: response.ok, status: response.status, data, detail, field };
  } catch (error) {
    return { ok: false, status: 0, data: null, detail: 'The server cannot be reached (' + error.message + ')',
      field: null };
  }
}

/**
 * The API wants a key with the read scope (each key sees its tenant's sessions). The key is kept in this tab's
 * sessionStorage only, and sent as a bearer token.
 */
function askForKey(message) {
  if (document.getElementById('api-key-form')) return;
  stopView();
  stopView = () => {};
  const input = el('input', { type: 'password', id: 'api-key', name: 'api-key', autocomplete: 'off',
    placeholder: 'API key', 'aria-label': 'API key with the read scope', required: true });
  const form = el('form', { id: 'api-key-form', class: 'key-form', onsubmit: (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, input.value.trim());
    route();
  } }, input, el('button', { type: 'submit' }, 'Open'));
  view.replaceChildren(el('h1', {}, 'API key needed'), notice('warn', message),
    el('p', { class: 'key-hint' }, 'Enter an API key with the read scope (and the annotate scope to annotate).'
      + ' It is kept in this browser tab only.'), form);
  input.focus();
}

/** 404 and 501 on a collection mean this server does not offer the endpoint (yet). */
function missingEndpoint(result) {
  return result.status === 404 || result.status === 501 || result.status === 405;
}

/** A query string from [name, value] pairs (a name may repeat) or an object; empty values are left out. */
function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Array.isArray(params) ? params : Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.append(key, value);
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

/** Epoch milliseconds as ISO-8601 UTC to the second, as the API takes from and to. */
function isoTime(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * A time typed in the custom range: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or ISO-8601, in UTC unless it names its
 * offset. Epoch milliseconds, or null when it is no such time.
 */
function parseTime(text) {
  const match = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?))?\s*(Z|[+-]\d\d:?\d\d)?$/i
    .exec(String(text).trim());
  if (!match) return null;
  const offset = !match[3] || match[3].toUpperCase() === 'Z' ? 'Z' : match[3].slice(0, 3) + ':' + match[3].slice(-2);
  const ms = Date.parse(match[1] + 'T' + (match[2] || '00:00') + offset);
  return Number.isNaN(ms) ? null : ms;
}

function ago(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

function oneLine(io, max = 120) {
  const text = ioText(io).replace(/\s+/g, ' ').trim();
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/**
 * A session id as the API's query form takes any id: base64url of its UTF-8. A path segment cannot carry '..' or '/',
 * and no URL carries a NUL or another control character; this carries them all.
 */
function base64url(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Where a session's annotations (or, with a trace id, a turn's) are written: the path form of DESIGN.md for an id a
 * path segment carries as it is, else the query form that takes any id as base64url.
 */
function annotationsPath(id, traceId) {
  if (/^[A-Za-z0-9._~:@!$&'()*+,;=-]+$/.test(id) && id !== '.' && id !== '..') {
    return '/api/v1/sessions/' + encodeURIComponent(id)
      + (traceId ? '/turns/' + encodeURIComponent(traceId) : '') + '/annotations';
  }
  return '/api/v1/session/annotations' + query({ session_id_base64: base64url(id), trace_id: traceId });
}

/** The page of a session; with a trace id, the page scrolls to that turn. */
function sessionHref(id, traceId) {
  return '#/sessions/' + encodeURIComponent(id) + (traceId ? '?turn=' + encodeURIComponent(traceId) : '');
}

function notice(kind, text) {
  return el('div', { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
}

function markLive(ok) {
  const time = new Date().toLocaleTimeString();
  live.textContent = ok ? 'live · updated ' + time : 'offline · retrying';
  live.className = 'live ' + (ok ? 'ok' : 'down');
}

/** Runs fn every POLL_MS while the page is visible; returns a stop function. */
function poll(fn) {
  let stopped = false;
  let timer = null;
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) await fn();
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  timer = setTimeout(tick, POLL_MS);
  return () => { stopped = true; clearTimeout(timer); };
}

// ---------- the list's view, kept in the URL hash ----------

function defaultListState() {
  return { q: '', range: DEFAULT_RANGE, from: '', to: '', filters: [], sort: '', order: '', annotation: '' };
}

function filterSpec(key) {
  if (key.startsWith(METADATA_PREFIX)) return key.length > METADATA_PREFIX.length ? FILTERS.metadata : null;
  const annotation = ANNOTATION_FILTER.exec(key);
  if (annotation) return { label: annotation[1], many: annotation[2] === 'label' };
  return key !== 'metadata' && Object.hasOwn(FILTERS, key) ? FILTERS[key] : null;
}

/** The filters with [key, value] added: once only, and in place of the old value where the key takes one. */
function withFilter(filters, key, value) {
  if (filters.some(([k, v]) => k === key && v === value)) return filters;
  const kept = filterSpec(key).many ? filters : filters.filter(([k]) => k !== key);
  return [...kept, [key, value]];
}

function withoutFilter(filters, key, value) {
  return filters.filter(([k, v]) => !(k === key && v === value));
}

/** The list's view from an address such as "#/?range=7d&model=gpt-4o&sort=cost&order=asc". */
function parseListState(hash) {
  const state = defaultListState();
  const at = hash.indexOf('?');
  if (at < 0) return state;
  for (const [key, value] of new URLSearchParams(hash.slice(at + 1))) {
    if (key === 'q') state.q = value;
    else if (key === 'range' && RANGES.some((r) => r.id === value)) state.range = value;
    else if (key === 'from' || key === 'to') state[key] = value;
    else if (key === 'sort' && (SORTS.has(value) || ANNOTATION_SORT.test(value))) state.sort = value;
    else if (key === 'order' && (value === 'asc' || value === 'desc')) state.order = value;
    else if (key === 'annotation' && NAME_PATTERN.test(value)) state.annotation = value;
    else if (value !== '' && filterSpec(key)) state.filters = withFilter(state.filters, key, value);
  }
  // A sort by an annotation's score shows that annotation's column.
  const sorted = ANNOTATION_SORT.exec(state.sort);
  if (sorted && !state.annotation) state.annotation = sorted[1];
  return state;
}

function listHash(state) {
  const pairs = [['q', state.q]];
  if (state.range !== DEFAULT_RANGE) pairs.push(['range', state.range]);
  if (state.range === 'custom') pairs.push(['from', state.from], ['to', state.to]);
  pairs.push(...state.filters, ['annotation', state.annotation], ['sort', state.sort], ['order', state.order]);
  return '#/' + query(pairs);
}

/**
 * The [from, to) of the view at `now`, epoch ms, null where open. A last-N range starts at the start of its first
 * bucket, so that the stats buckets (which start at `from`) stay put as the clock moves, and the list and the chart
 * cover the same time.
 */
function rangeBounds(state, now) {
  const preset = RANGES.find((r) => r.id === state.range);
  if (preset && preset.ms) {
    const step = INTERVAL_MS[preset.interval];
    return { from: Math.floor((now - preset.ms) / step) * step, to: null };
  }
  if (state.range === 'custom') return { from: parseTime(state.from), to: parseTime(state.to) };
  return { from: null, to: null };
}

/** The stats interval for the view: the preset's, else the finest that gives at most MAX_CHART_BUCKETS bars. */
function statsInterval(state, bounds, now) {
  const preset = RANGES.find((r) => r.id === state.range);
  if (preset && preset.interval) return preset.interval;
  if (bounds.from === null) return null;
  const span = (bounds.to ?? now) - bounds.from;
  const fit = INTERVALS.find(([, ms]) => span / ms <= MAX_CHART_BUCKETS);
  return fit ? fit[0] : null;
}

/** The API parameters of the view: search, filters (but `except`'s), time range, and the sort when asked. */
function listParams(state, now, { sort = true, except = null } = {}) {
  const pairs = [['q', state.q]];
  for (const [key, value] of state.filters) if (key !== except) pairs.push([key, value]);
  const { from, to } = rangeBounds(state, now);
  if (from !== null) pairs.push(['from', isoTime(from)]);
  if (to !== null) pairs.push(['to', isoTime(to)]);
  // Relevance needs a search: an address that keeps it without one sorts by the default.
  if (sort && (state.q || state.sort !== 'relevance')) pairs.push(['sort', state.sort], ['order', state.order]);
  return pairs;
}

function effectiveSort(state) {
  return state.sort && (state.q || state.sort !== 'relevance') ? state.sort : (state.q ? 'relevance' : 'end_time');
}

function effectiveOrder(state) {
  return state.order || 'desc';
}

function chipText(key, value) {
  if (key.startsWith(METADATA_PREFIX)) return 'Metadata: ' + key.slice(METADATA_PREFIX.length) + ' = ' + value;
  const annotation = ANNOTATION_FILTER.exec(key);
  if (annotation) {
    if (annotation[2] === 'label') return annotation[1] + ': ' + value;
    return annotation[1] + ' score ' + (annotation[2] === 'min_score' ? '≥ ' : '≤ ') + value;
  }
  const spec = FILTERS[key];
  const choice = spec.choices && spec.choices.find(([v]) => v === value);
  return spec.label + ': ' + (choice ? choice[1] : value);
}

// ---------- totals and chart ----------

const STAT_FIELDS = [
  ['Sessions', ['sessions', 'session_count', 'total_sessions'], fmtInt],
  ['Active', ['active_sessions', 'active', 'active_session_count'], fmtInt],
  ['Traces', ['traces', 'trace_count', 'total_traces'], fmtInt],
  ['Failed traces', ['traces_with_error'], fmtInt],
  ['Tokens', ['tokens', 'token_count', 'total_tokens'], fmtInt],
  ['Cost', ['cost', 'total_cost', 'cost_usd'], costView],
];

function renderStats(container, result) {
  container.replaceChildren();
  if (!result.ok) {
    container.append(notice('muted', missingEndpoint(result)
      ? 'Totals are not available from this server yet.'
      : 'Totals unavailable: ' + result.detail));
    return;
  }
  const source = result.data && typeof result.data.totals === 'object' ? result.data.totals : result.data || {};
  for (const [label, names, format] of STAT_FIELDS) {
    const name = names.find((n) => source[n] !== undefined);
    if (name === undefined) continue;
    container.append(el('div', { class: 'stat', 'data-stat': name },
      el('div', { class: 'stat-value' }, format(source[name])),
      el('div', { class: 'stat-label' }, label)));
  }
}

// ---------- sessions list ----------

/** The table's columns; `sort` is the API's sort key of a sortable one. */
const COLUMNS = [
  { label: 'Session' }, { label: 'First input' }, { label: 'Last output' }, { label: 'User' }, { label: 'Models' },
  { label: 'Start (UTC)', sort: 'start_time' }, { label: 'End (UTC)', sort: 'end_time' },
  { label: 'Duration', sort: 'duration' }, { label: 'p50 / p99' }, { label: 'Tokens', sort: 'tokens' },
  { label: 'Cost', sort: 'cost' }, { label: 'Turns', sort: 'turns' }, { label: 'Errors', sort: 'errors' },
];

/** The columns of the view: with an annotation name chosen, a last one with its mean score and top label. */
function columns(state) {
  if (!state.annotation) return COLUMNS;
  return [...COLUMNS, { label: state.annotation, sort: 'annotation.' + state.annotation + '.score',
    annotation: state.annotation }];
}

/** A time in the table as its date and its clock time, each kept on one line (the cell wraps between them). */
function timeParts(iso) {
  const [date, clock] = fmtTime(iso).split(' ');
  return clock === undefined ? date : [el('span', { class: 'nowrap' }, date), ' ', el('span', { class: 'nowrap' }, clock)];
}

/** A value in the table that filters the list by itself when clicked. */
function filterLink(key, value, addFilter, cls) {
  const what = FILTERS[key].label.toLowerCase() + ' ' + value;
  return el('button', { type: 'button', class: 'filter-link ' + cls, 'data-filter-key': key, 'data-filter-value': value,
    title: 'Show only sessions with ' + what, 'aria-label': 'Filter by ' + what,
    onclick: () => addFilter(key, value) }, value);
}

/**
 * The row of a session, and with a search the row of its matching turns below it; `annotation`, the name of the
 * annotation column shown, or ''.
 */
function sessionRows(s, addFilter, annotation) {
  const errors = num(s.traces_with_error) || 0;
  const latency = s.latency_ms || {};
  const matches = Array.isArray(s.matches) ? s.matches.slice(0, 3) : [];
  const tags = Array.isArray(s.tags) ? s.tags : [];
  const row = el('tr', { class: 'session-row' + (errors > 0 ? ' has-errors' : '') + (matches.length ? ' has-matches' : ''),
    'data-session-id': s.session_id },
  el('td', { class: 'id' },
    el('a', { class: 'session-link', href: sessionHref(s.session_id) }, s.session_id),
    s.status === 'active' ? el('span', { class: 'badge active', title: 'receiving traces' }, 'active') : null,
    (s.projects || []).length ? el('div', { class: 'projects' }, s.projects.join(', ')) : null,
    tags.length ? el('div', { class: 'tags' }, tags.map((t) => filterLink('tag', t, addFilter, 'tag'))) : null),
  el('td', { class: 'io first-input', title: ioText(s.first_input) },
    el('div', { class: 'clamp' }, oneLine(s.first_input))),
  el('td', { class: 'io last-output', title: ioText(s.last_output) },
    el('div', { class: 'clamp' }, oneLine(s.last_output))),
  el('td', { class: 'user' }, s.user_id ? filterLink('user_id', s.user_id, addFilter, 'user') : '–'),
  el('td', { class: 'models' }, (s.models || []).map((m) => filterLink('model', m, addFilter, 'model'))),
  el('td', { class: 'time', title: s.start_time || '' }, timeParts(s.start_time)),
  el('td', { class: 'time', title: s.end_time || '' }, timeParts(s.end_time), el('div', { class: 'ago' }, ago(s.end_time))),
  el('td', { class: 'num duration' }, fmtMs(duration(s.start_time, s.end_time))),
  el('td', { class: 'num' }, fmtMs(latency.p50) + ' / ' + fmtMs(latency.p99)),
  el('td', { class: 'num tokens', title: tokenParts(s.token_count) || null }, fmtInt(s.token_count)),
  el('td', { class: 'num cost' }, costView(s.cost)),
  el('td', { class: 'num turns' }, fmtInt(s.trace_count)),
  el('td', { class: 'num errors' }, errors > 0 ? el('span', { class: 'badge error' }, String(errors)) : '0'),
  annotation ? annotationCell(s, annotation, (label) => addFilter('annotation.' + annotation + '.label', label)) : null);
  if (!matches.length) return [row];
  return [row, el('tr', { class: 'match-row', 'data-session-id': s.session_id },
    el('td', { colspan: COLUMNS.length + (annotation ? 1 : 0) },
      el('ul', { class: 'matches', 'aria-label': 'Turns that match the search' }, matches.map((m) =>
        el('li', { class: 'match', 'data-trace-id': m.trace_id || '' },
          el('a', { class: 'match-link', href: sessionHref(s.session_id, m.trace_id) },
            (m.field || 'turn') + ' · ' + fmtTime(m.start_time)),
          el('span', { class: 'snippet' }, highlighted(m.snippet)))))))];
}

function openByIdForm() {
  const input = el('input', { type: 'text', name: 'session_id', placeholder: 'session id', 'aria-label': 'Session id' });
  return el('form', {
    class: 'open-by-id',
    onsubmit: (event) => {
      event.preventDefault();
      if (input.value.trim()) location.hash = sessionHref(input.value.trim());
    },
  }, input, el('button', { type: 'submit' }, 'Open session'));
}

function renderList(initial) {
  let state = initial;
  lastListHash = listHash(state);

  // Time range
  const range = el('select', { id: 'range', 'aria-label': 'Time range' },
    RANGES.map((r) => el('option', { value: r.id }, r.label)));
  const from = el('input', { type: 'text', id: 'range-from', placeholder: 'YYYY-MM-DD HH:MM', autocomplete: 'off',
    required: true });
  const to = el('input', { type: 'text', id: 'range-to', placeholder: 'YYYY-MM-DD HH:MM (open)', autocomplete: 'off' });
  const rangeError = el('span', { id: 'range-error', class: 'field-error', role: 'alert' });
  const custom = el('form', { id: 'custom-range', class: 'custom-range', 'aria-label': 'Custom time range' },
    el('label', { for: 'range-from' }, 'From (UTC)'), from,
    el('label', { for: 'range-to' }, 'To (UTC)'), to,
    el('button', { type: 'submit', id: 'apply-range' }, 'Apply'), rangeError);

  // Totals and chart
  const stats = el('section', { class: 'stats', id: 'stats', 'aria-label': 'Totals' });
  const chart = el('figure', { class: 'chart', id: 'chart', 'aria-label': 'Activity over time' });

  // Search and filters
  const search = el('input', { type: 'search', id: 'search', placeholder: 'Search inputs and outputs…',
    'aria-label': 'Search' });
  const field = el('select', { id: 'filter-field', 'aria-label': 'Filter by' },
    Object.entries(FILTERS).map(([key, spec]) => el('option', { value: key }, spec.label)));
  const value = el('input', { type: 'text', id: 'filter-value', 'aria-label': 'Filter value', list: 'filter-values',
    autocomplete: 'off' });
  const choice = el('select', { id: 'filter-choice', 'aria-label': 'Filter value' });
  const suggestions = el('datalist', { id: 'filter-values' });
  const filterError = el('span', { id: 'filter-error', class: 'field-error', role: 'alert' });
  const adder = el('form', { id: 'add-filter', class: 'add-filter', 'aria-label': 'Add a filter' },
    field, value, choice, suggestions, el('button', { type: 'submit', id: 'add-filter-button' }, 'Add filter'),
    filterError);
  const chips = el('ul', { id: 'chips', class: 'chips', 'aria-label': 'Active filters' });

  // An annotation's column, and its label and score filters
  const annotationName = el('input', { type: 'text', id: 'annotation-name', list: 'annotation-names',
    autocomplete: 'off', placeholder: 'annotation name', 'aria-label': 'Annotation column', maxlength: 64 });
  const annotationNames = el('datalist', { id: 'annotation-names' });
  const annotationLabel = el('select', { id: 'annotation-label', 'aria-label': 'Annotation label' });
  const minScore = el('input', { type: 'number', step: 'any', id: 'annotation-min-score', placeholder: 'min score',
    'aria-label': 'Minimum mean score' });
  const maxScore = el('input', { type: 'number', step: 'any', id: 'annotation-max-score', placeholder: 'max score',
    'aria-label': 'Maximum mean score' });
  const annotationError = el('span', { id: 'annotation-error', class: 'field-error', role: 'alert' });
  const annotationBar = el('form', { id: 'annotation-bar', class: 'annotation-bar',
    'aria-label': 'Annotation column and filters' },
  el('label', { for: 'annotation-name', class: 'range-label' }, 'Annotation'), annotationName, annotationNames,
  annotationLabel, minScore, el('span', { class: 'muted' }, 'to'), maxScore,
  el('button', { type: 'submit', id: 'annotation-apply' }, 'Apply'), annotationError);

  // Table
  const message = el('div', { id: 'list-message' });
  const sortNote = el('div', { id: 'sort-note', class: 'sort-note' });
  const head = el('tr');
  const body = el('tbody', { id: 'sessions-body' });
  const table = el('table', { class: 'sessions', id: 'sessions' }, el('thead', {}, head), body);
  const more = el('button', { type: 'button', id: 'load-more', class: 'more', hidden: true }, 'Load more');

  view.replaceChildren(
    el('section', { class: 'range-bar', 'aria-label': 'Time range' },
      el('label', { for: 'range', class: 'range-label' }, 'Time range'), range, custom),
    stats,
    chart,
    el('section', { class: 'toolbar' }, search, adder, openByIdForm()),
    annotationBar,
    chips,
    message,
    sortNote,
    el('div', { class: 'table-wrap' }, table),
    more);

  let rows = [];
  let nextCursor = null;
  let generation = 0;
  let rendered = '';
  let chartKey = '';
  let suggestionsFor = '';

  /** Shows the view's state in the controls (after a change, or a chart click that sets a custom range). */
  const syncControls = () => {
    range.value = state.range;
    custom.hidden = state.range !== 'custom';
    if (state.range === 'custom') {
      from.value = state.from;
      to.value = state.to;
    }
    if (document.activeElement !== search) search.value = state.q;
    chips.replaceChildren(...state.filters.map(([key, v]) => {
      const text = chipText(key, v);
      return el('li', { class: 'chip', 'data-filter-key': key, 'data-filter-value': v },
        el('span', { class: 'chip-label' }, text),
        el('button', { type: 'button', class: 'chip-remove', title: 'Remove this filter',
          'aria-label': 'Remove filter ' + text,
          onclick: () => update({ filters: withoutFilter(state.filters, key, v) }) }, '×'));
    }));
    if (state.filters.length > 1) {
      chips.append(el('li', {}, el('button', { type: 'button', id: 'clear-filters', class: 'link',
        onclick: () => update({ filters: [] }) }, 'Clear all filters')));
    }
    chips.hidden = state.filters.length === 0;
    syncAnnotationControls();
    const sort = effectiveSort(state);
    const order = effectiveOrder(state);
    head.replaceChildren(...columns(state).map((column) => {
      if (!column.sort) return el('th', { scope: 'col' }, column.label);
      const active = column.sort === sort;
      const next = active && order === 'desc' ? 'ascending' : 'descending';
      return el('th', { scope: 'col', class: 'sortable' + (active ? ' sorted' : '')
          + (column.annotation ? ' annotation-column' : ''), 'data-sort': column.sort,
      'aria-sort': active ? (order === 'asc' ? 'ascending' : 'descending') : 'none' },
      el('button', { type: 'button', class: 'sort-button', 'data-sort': column.sort,
        title: 'Sort by ' + column.label.toLowerCase() + ', ' + next,
        onclick: () => update({ sort: column.sort, order: active && order === 'desc' ? 'asc' : 'desc' }) },
      column.label, el('span', { class: 'sort-arrow', 'aria-hidden': 'true' },
        active ? (order === 'asc' ? ' ▲' : ' ▼') : '')));
    }));
    sortNote.replaceChildren();
    if (sort === 'relevance') {
      sortNote.append('Ranked by relevance to the search; click a column to sort by it.');
    } else if (state.q) {
      sortNote.append(el('button', { type: 'button', class: 'link', id: 'sort-relevance',
        onclick: () => update({ sort: '', order: '' }) }, 'Rank by relevance instead'));
    }
  };

  /** The annotation bar as the view says: the column's name, its score range; the label list comes with the rows. */
  function syncAnnotationControls() {
    if (document.activeElement !== annotationName) annotationName.value = state.annotation;
    const name = state.annotation;
    const bound = (which) => {
      const found = state.filters.find(([k]) => k === 'annotation.' + name + '.' + which);
      return found ? found[1] : '';
    };
    if (document.activeElement !== minScore) minScore.value = name ? bound('min_score') : '';
    if (document.activeElement !== maxScore) maxScore.value = name ? bound('max_score') : '';
    for (const control of [annotationLabel, minScore, maxScore]) control.disabled = !name;
    if (!name || !annotationLabel.options.length) {
      annotationLabel.replaceChildren(el('option', { value: '' }, (name ? name + ' ' : '') + 'label…'));
    }
  }

  /**
   * Offers the labels of the column's annotation among the sessions shown: the API's facet, else the rows'. Asked
   * again with each refresh, as new annotations bring new labels.
   */
  const loadAnnotationLabels = async () => {
    const name = state.annotation;
    if (!name) return;
    const facet = 'annotation.' + name + '.label';
    const result = await api('/api/v1/sessions/facets'
      + query([['field', facet], ...listParams(state, Date.now(), { sort: false, except: facet })]));
    if (state.annotation !== name || document.activeElement === annotationLabel) return;
    const values = result.ok && result.data && Array.isArray(result.data.values)
      ? result.data.values.map((v) => ({ value: String(v.value), count: num(v.count) }))
      : labelsInRows(rows, name).map((v) => ({ value: v, count: null }));
    const chosen = new Set(state.filters.filter(([k]) => k === facet).map(([, v]) => v));
    annotationLabel.replaceChildren(el('option', { value: '' }, name + ' label…'),
      ...values.filter((v) => !chosen.has(v.value)).map((v) => el('option', { value: v.value },
        v.value + (v.count === null ? '' : ' (' + v.count + ')'))));
  };

  /** Shows the column of annotation `name` (or none for ''); a sort by another annotation's score is dropped. */
  const chooseAnnotation = (name) => {
    if (name === state.annotation) return;
    const sorted = ANNOTATION_SORT.exec(state.sort);
    update({ annotation: name, ...(sorted && sorted[1] !== name ? { sort: '', order: '' } : {}) });
  };

  /** Changes the view: a new history entry (a reload or Back shows it again), then the first page again. */
  const update = (changes, { replace = false } = {}) => {
    state = { ...state, ...changes };
    const hash = listHash(state);
    if (hash !== location.hash && !(hash === '#/' && (location.hash === '' || location.hash === '#'))) {
      if (replace) history.replaceState(null, '', hash); else history.pushState(null, '', hash);
    }
    lastListHash = hash;
    rows = [];
    nextCursor = null;
    body.replaceChildren();
    // The emptied table is drawn again even when the new view lists the same rows (a column added, one row sorted).
    rendered = '';
    syncControls();
    refresh();
  };

  const addFilter = (key, v) => update({ filters: withFilter(state.filters, key, v) });

  const show = () => {
    // Rows are rebuilt only when something changed (or once a minute, for the "ago" times), so that polling does
    // not disturb a text selection.
    const key = JSON.stringify(rows) + '|' + nextCursor + '|' + message.textContent + '|'
      + Math.floor(Date.now() / 60000);
    if (key === rendered) return;
    rendered = key;
    body.replaceChildren(...rows.flatMap((s) => sessionRows(s, addFilter, state.annotation)));
    more.hidden = !nextCursor;
    if (document.activeElement !== annotationName) {
      annotationNames.replaceChildren(...namesInRows(rows).map((n) => el('option', { value: n })));
    }
    if (rows.length === 0 && !message.hasChildNodes()) {
      body.append(el('tr', { class: 'empty' }, el('td', { colspan: columns(state).length },
        state.q || state.filters.length
        ? 'No session matches in this time range.'
        : 'No sessions in this time range: pick a longer one, or send some traces to the ingest.')));
    }
  };

  const showChart = (result, bounds, interval, now) => {
    const buckets = result.ok && result.data && Array.isArray(result.data.buckets) ? result.data.buckets : null;
    if (buckets === null) {
      const key = 'none:' + result.status;
      if (key !== chartKey) {
        chartKey = key;
        chart.replaceChildren(notice('muted', result.ok || missingEndpoint(result)
          ? 'The activity chart needs a server that answers stats in time buckets.'
          : 'Chart unavailable: ' + result.detail));
      }
      return;
    }
    // The API says which window and interval it cut (its buckets start at `from`, one after the other); the chart
    // spans its buckets, so that it is redrawn (and a hovered bar disturbed) only when they change.
    const data = result.data;
    const intervalMs = INTERVAL_MS[data.interval] ?? (interval ? INTERVAL_MS[interval] : null);
    const served = Date.parse(data.from);
    const lo = Number.isNaN(served) ? bounds.from : served;
    const hi = lo !== null && intervalMs && buckets.length ? lo + buckets.length * intervalMs
      : bounds.to ?? (lo === null ? null : now);
    const key = JSON.stringify(buckets) + '|' + lo + '|' + hi;
    if (key === chartKey) return;
    chartKey = key;
    const rangeLabel = RANGES.find((r) => r.id === state.range).label.replace('…', '');
    chart.replaceChildren(statsChart(buckets, {
      from: lo, to: hi, intervalMs,
      label: 'Sessions started, tokens, cost and failed traces'
        + (data.interval || interval ? ' per ' + (data.interval || interval) : '') + ', '
        + (state.range === 'custom' ? 'from ' + (state.from || 'the start') + ' to ' + (state.to || 'now')
          : rangeLabel.toLowerCase()),
      onSelect: (start, end) => update({ range: 'custom', from: fmtMinute(start), to: fmtMinute(end) }),
    }));
  };

  /** Loads the first page again, as many rows as are shown, so that polling keeps what "Load more" added. */
  const refresh = async () => {
    const mine = ++generation;
    const now = Date.now();
    const bounds = rangeBounds(state, now);
    const interval = statsInterval(state, bounds, now);
    const limit = Math.min(500, Math.max(PAGE_SIZE, rows.length));
    const [list, totals] = await Promise.all([
      api('/api/v1/sessions' + query([...listParams(state, now), ['limit', limit]])),
      api('/api/v1/stats' + query([...listParams(state, now, { sort: false }), ['interval', interval]])),
    ]);
    if (mine !== generation) return;
    markLive(list.status !== 0);
    renderStats(stats, totals);
    showChart(totals, bounds, interval, now);
    message.replaceChildren();
    if (!list.ok) {
      rows = [];
      nextCursor = null;
      message.append(missingEndpoint(list)
        ? notice('warn', 'This server does not list sessions yet (HTTP ' + list.status + '). Open a session by its id above.')
        : notice('error', 'Sessions unavailable: ' + list.detail));
    } else {
      rows = Array.isArray(list.data && list.data.sessions) ? list.data.sessions : [];
      nextCursor = list.data.next_cursor || null;
    }
    show();
    loadAnnotationLabels();
  };

  more.addEventListener('click', async () => {
    if (!nextCursor) return;
    more.disabled = true;
    const mine = generation;
    const page = await api('/api/v1/sessions'
      + query([...listParams(state, Date.now()), ['limit', PAGE_SIZE], ['cursor', nextCursor]]));
    more.disabled = false;
    if (mine !== generation) return;
    if (!page.ok) {
      message.replaceChildren(notice('error', 'Could not load more: ' + page.detail));
      return;
    }
    const seen = new Set(rows.map((s) => s.session_id));
    rows = rows.concat((page.data.sessions || []).filter((s) => !seen.has(s.session_id)));
    nextCursor = page.data.next_cursor || null;
    show();
  });

  let debounce = null;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => update({ q: search.value.trim() }, { replace: true }), 250);
  });

  range.addEventListener('change', () => {
    if (range.value !== 'custom') {
      update({ range: range.value, from: '', to: '' });
      return;
    }
    // The custom form starts from the range shown so far; the list changes when it is applied.
    const bounds = rangeBounds(state, Date.now());
    from.value = state.from || fmtMinute(bounds.from ?? Date.now() - DAY);
    to.value = state.to || (bounds.to === null ? '' : fmtMinute(bounds.to));
    custom.hidden = false;
    from.focus();
  });
  custom.addEventListener('submit', (event) => {
    event.preventDefault();
    // "From" is needed (the stats need a start); an empty "To" means now.
    const start = parseTime(from.value);
    const end = to.value.trim() ? parseTime(to.value) : null;
    const bad = start === null ? from : (to.value.trim() && end === null) ? to : null;
    from.removeAttribute('aria-invalid');
    to.removeAttribute('aria-invalid');
    if (bad) {
      bad.setAttribute('aria-invalid', 'true');
      rangeError.textContent = 'Write a UTC time as YYYY-MM-DD HH:MM.';
      return;
    }
    if (start !== null && end !== null && start >= end) {
      to.setAttribute('aria-invalid', 'true');
      rangeError.textContent = '"To" must be after "From".';
      return;
    }
    rangeError.textContent = '';
    update({ range: 'custom', from: from.value.trim(), to: to.value.trim() });
  });

  /** Offers the values of the chosen field among the sessions shown: the API's facets, else the rows'. */
  const loadSuggestions = async () => {
    const key = field.value;
    if (FILTERS[key].choices) return;
    let facet = key;
    if (key === 'metadata') {
      const name = value.value.split('=')[0].trim();
      facet = name && value.value.includes('=') ? METADATA_PREFIX + name : null;
    }
    const mark = key + '|' + facet + '|' + listHash(state);
    if (mark === suggestionsFor) return;
    suggestionsFor = mark;
    let values = null;
    if (facet) {
      const result = await api('/api/v1/sessions/facets'
        + query([['field', facet], ...listParams(state, Date.now(), { sort: false, except: facet })]));
      if (result.ok && result.data && Array.isArray(result.data.values)) {
        values = result.data.values.map((v) => ({ value: String(v.value), count: num(v.count) }));
      }
    }
    if (values === null) values = valuesInRows(key, rows).map((v) => ({ value: v, count: null }));
    else if (key === 'metadata') {
      values = values.map((v) => ({ ...v, value: facet.slice(METADATA_PREFIX.length) + '=' + v.value }));
    }
    if (field.value !== key) return;
    suggestions.replaceChildren(...values.map((v) => el('option', { value: v.value,
      label: v.count === null ? null : v.count + (v.count === 1 ? ' session' : ' sessions') })));
  };

  const showValueControl = () => {
    const spec = FILTERS[field.value];
    value.hidden = !!spec.choices;
    choice.hidden = !spec.choices;
    if (spec.choices) choice.replaceChildren(...spec.choices.map(([v, label]) => el('option', { value: v }, label)));
    value.placeholder = field.value === 'metadata' ? 'key=value' : spec.label.toLowerCase();
    value.value = '';
    filterError.textContent = '';
    suggestions.replaceChildren();
    suggestionsFor = '';
  };
  field.addEventListener('change', () => {
    showValueControl();
    loadSuggestions();
  });
  value.addEventListener('focus', loadSuggestions);
  value.addEventListener('input', () => {
    if (field.value === 'metadata') loadSuggestions();
  });
  adder.addEventListener('submit', (event) => {
    event.preventDefault();
    let key = field.value;
    let v = FILTERS[key].choices ? choice.value : value.value.trim();
    if (!v) return;
    if (key === 'metadata') {
      const eq = v.indexOf('=');
      if (eq <= 0) {
        filterError.textContent = 'Write a metadata filter as key=value.';
        return;
      }
      key = METADATA_PREFIX + v.slice(0, eq).trim();
      v = v.slice(eq + 1).trim();
    }
    filterError.textContent = '';
    value.value = '';
    addFilter(key, v);
  });

  annotationName.addEventListener('change', () => {
    const name = annotationName.value.trim();
    if (name && !NAME_PATTERN.test(name)) {
      annotationName.setAttribute('aria-invalid', 'true');
      annotationError.textContent = 'An annotation name is 1 to 64 letters, digits, _ or -.';
      return;
    }
    annotationName.removeAttribute('aria-invalid');
    annotationError.textContent = '';
    chooseAnnotation(name);
  });
  annotationLabel.addEventListener('change', () => {
    const label = annotationLabel.value;
    if (!label || !state.annotation) return;
    annotationLabel.value = '';
    addFilter('annotation.' + state.annotation + '.label', label);
  });
  annotationBar.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = annotationName.value.trim();
    if (!NAME_PATTERN.test(name)) {
      annotationName.setAttribute('aria-invalid', 'true');
      annotationError.textContent = 'Choose an annotation name: 1 to 64 letters, digits, _ or -.';
      return;
    }
    annotationName.removeAttribute('aria-invalid');
    const bounds = [['min_score', minScore], ['max_score', maxScore]];
    for (const [, input] of bounds) input.removeAttribute('aria-invalid');
    const bad = bounds.find(([, input]) => (input.value.trim() !== '' && !Number.isFinite(Number(input.value)))
      || (input.validity && input.validity.badInput));
    if (bad) {
      bad[1].setAttribute('aria-invalid', 'true');
      annotationError.textContent = 'A score bound is a number.';
      return;
    }
    annotationError.textContent = '';
    let filters = state.filters.filter(([k]) => !bounds.some(([which]) => k === 'annotation.' + name + '.' + which));
    for (const [which, input] of bounds) {
      if (input.value.trim() !== '') filters = [...filters, ['annotation.' + name + '.' + which, input.value.trim()]];
    }
    const sorted = ANNOTATION_SORT.exec(state.sort);
    update({ annotation: name, filters, ...(sorted && sorted[1] !== name ? { sort: '', order: '' } : {}) });
  });

  showValueControl();
  syncControls();
  refresh();
  const stop = poll(refresh);
  return () => { stop(); clearTimeout(debounce); generation++; };
}

/** The distinct values of a filter field among the rows shown, for suggestions when the API has no facets. */
function valuesInRows(key, rows) {
  const values = new Set();
  for (const s of rows) {
    if (key === 'project') (s.projects || []).forEach((p) => values.add(p));
    else if (key === 'user_id' && s.user_id) values.add(s.user_id);
    else if (key === 'model') (s.models || []).forEach((m) => values.add(m));
    else if (key === 'tag') (s.tags || []).forEach((t) => values.add(t));
    else if (key === 'metadata') Object.entries(s.metadata || {}).forEach(([k, v]) => values.add(k + '=' + v));
  }
  return [...values].sort();
}

// ---------- one session ----------

/** A link to the list as last shown, narrowed to the sessions with this value too. */
function listLink(key, value, text) {
  const state = parseListState(lastListHash);
  return el('a', { class: 'filter-link', href: listHash({ ...state, filters: withFilter(state.filters, key, value) }),
    title: 'Show the sessions with ' + chipText(key, value) }, text);
}

function links(key, values) {
  const list = values.flatMap((v, i) => (i ? [', ', listLink(key, v, v)] : [listLink(key, v, v)]));
  return list.length ? list : '–';
}

/** The list as last shown, with the column of annotation `name`. */
function annotationListHref(name) {
  return listHash({ ...parseListState(lastListHash), annotation: name });
}

/** The session's header; `pending`, a session annotation written and not served yet, shown with its annotations. */
function summaryHeader(s, pending = null) {
  const latency = s.latency_ms || {};
  const tokens = s.token_count || {};
  const errors = num(s.traces_with_error) || 0;
  const metadata = Object.entries(s.metadata && typeof s.metadata === 'object' ? s.metadata : {});
  const fact = (label, value, cls) => el('div', { class: 'fact' + (cls ? ' ' + cls : '') },
    el('div', { class: 'fact-label' }, label), el('div', { class: 'fact-value' }, value));
  return el('section', { class: 'summary', id: 'summary', 'data-session-id': s.session_id },
    el('div', { class: 'summary-title' },
      el('h1', { id: 'session-id' }, s.session_id),
      el('span', { class: 'badge ' + (s.status === 'active' ? 'active' : 'idle') }, s.status || 'unknown'),
      errors > 0 ? el('span', { class: 'badge error' }, errors + (errors === 1 ? ' error' : ' errors')) : null),
    el('div', { class: 'facts' },
      fact('Projects', links('project', s.projects || [])),
      fact('User', links('user_id', s.user_id ? [s.user_id] : [])),
      fact('Start (UTC)', fmtTime(s.start_time)),
      fact('End (UTC)', fmtTime(s.end_time) + (s.end_time ? ' · ' + ago(s.end_time) : '')),
      fact('Traces', fmtInt(s.trace_count), 'trace-count'),
      fact('Spans', fmtInt(s.span_count)),
      fact('LLM calls', fmtInt(s.llm_call_count)),
      fact('Tokens', fmtInt(tokens.total) + ' (' + tokenParts(tokens) + ')', 'tokens'),
      fact('Cost', costView(s.cost), 'cost'),
      fact('Latency p50 / p99', fmtMs(latency.p50) + ' / ' + fmtMs(latency.p99)),
      fact('Models', links('model', s.models || [])),
      fact('Tags', links('tag', Array.isArray(s.tags) ? s.tags : []), 'tags')),
    metadata.length ? el('dl', { class: 'metadata', 'aria-label': 'Metadata' }, metadata.flatMap(([key, value]) => [
      el('dt', {}, key),
      el('dd', {}, listLink(METADATA_PREFIX + key, String(value), String(value)))])) : null,
    annotationSummaryView(s, pending, annotationListHref));
}

/** The page of one session; `focus`, a trace id, is the turn to scroll to (a search hit's). */
function renderSession(id, focus) {
  const back = el('a', { class: 'back', href: lastListHash }, '← All sessions');
  const header = el('div', { id: 'summary-wrap' }, notice('muted', 'Loading session…'));
  const message = el('div', { id: 'turns-message' });
  const transcript = el('section', { class: 'transcript', id: 'transcript', 'aria-label': 'Transcript' });
  const context = el('figure', { class: 'chart context', id: 'context', 'aria-label': 'Context window per turn',
    hidden: true });
  const more = el('button', { type: 'button', id: 'load-more-turns', class: 'more', hidden: true }, 'Load more turns');
  // The form stays out of the header, which each poll redraws, so that what is typed in it stays.
  const annotate = sessionAnnotationForm(async (body) => {
    const result = await api(annotationsPath(id), body);
    if (result.ok) {
      sessionPending = { ...body, annotation_id: result.data && result.data.annotation_id, at: Date.now() };
      showHeader();
      recheck(0, () => !sessionPending);
    }
    return result;
  });
  view.replaceChildren(back, header, annotate, el('h2', {}, 'Transcript'), context, message, transcript, more);

  const expanded = new Set();
  let turns = [];
  // The cursor of the page each turn came from, so that a turn annotated on an earlier page can be read again.
  const pageOf = new Map();
  /** Per trace id: {pending, error, draft} of its thumbs (annotations.js, turnAnnotations). */
  const feedback = new Map();
  let summary = null;
  let sessionPending = null;
  let stopped = false;
  // The cursor of the last page loaded: polling reloads that page to pick up new and changed turns.
  let tailCursor = null;
  let nextCursor = null;
  let rendered = '';
  let generation = 0;
  let focused = false;

  /**
   * The turns' thumbs: what each shows beyond the served turn, and how a click writes it. A written verdict shows at
   * once (the API answers 202 before the stream folds it) until the served turn has it or the rechecks give up.
   */
  const thumbs = {
    of: (traceId) => feedback.get(traceId) || {},
    note: (traceId, text) => feedback.set(traceId, { ...thumbs.of(traceId), draft: text }),
    vote: async (turn, label, note) => {
      const traceId = turn.trace_id;
      const body = thumbsBody(label, note);
      feedback.set(traceId, { ...thumbs.of(traceId), pending: { ...body, saving: true }, error: null });
      show();
      const result = await api(annotationsPath(id, traceId), body);
      const state = thumbs.of(traceId);
      if (state.pending && state.pending.saving && state.pending.label === label) {
        feedback.set(traceId, result.ok
          ? { ...state, pending: { ...body, annotation_id: result.data && result.data.annotation_id } }
          : { ...state, pending: null, error: 'Could not save the thumbs ' + label + ': ' + result.detail });
      }
      show();
      if (result.ok) recheck(0, () => !thumbs.of(traceId).pending, traceId);
    },
  };

  /** Drops the pending verdicts the served turns now show. */
  const settle = () => {
    for (const t of turns) {
      const state = feedback.get(t.trace_id);
      if (state && state.pending && !state.pending.saving && shows(uiThumbs(t.annotations), state.pending)) {
        feedback.set(t.trace_id, { ...state, pending: null, draft: undefined });
      }
    }
    const latest = summary && Array.isArray(summary.annotations) && sessionPending
      ? summary.annotations.find((a) => a && a.name === sessionPending.name) : null;
    if (latest && shows(latest.latest, sessionPending)) sessionPending = null;
  };

  /**
   * Reads the session again after a write, a few times, until `done()`; with a trace id, that turn's page too (a
   * poll reloads only the last page). When the rechecks give up, the page shows what is served.
   */
  const recheck = (attempt, done, traceId = null) => {
    setTimeout(async () => {
      if (stopped || done()) return;
      if (traceId && pageOf.has(traceId)) await reloadPage(pageOf.get(traceId));
      await refresh();
      if (stopped || done()) return;
      if (attempt + 1 < ANNOTATION_RECHECK_MS.length) {
        recheck(attempt + 1, done, traceId);
        return;
      }
      if (traceId) feedback.set(traceId, { ...thumbs.of(traceId), pending: null });
      else sessionPending = null;
      show();
      showHeader();
    }, ANNOTATION_RECHECK_MS[attempt]);
  };

  const showHeader = () => {
    if (summary) header.replaceChildren(summaryHeader(summary, sessionPending));
  };

  const show = () => {
    settle();
    const key = JSON.stringify(turns) + '|' + nextCursor + '|'
      + JSON.stringify([...feedback].map(([t, f]) => [t, f.pending, f.error]));
    if (key === rendered) return;
    rendered = key;
    // A note being typed keeps its focus and caret across the redraw.
    const active = document.activeElement;
    const typing = active && active.classList.contains('feedback-note') ? active.closest('.turn') : null;
    const caret = typing ? [typing.dataset.traceId, active.selectionStart, active.selectionEnd] : null;
    transcript.replaceChildren(...turns.map((t, i) => turnView(t, i, expanded, thumbs)));
    if (caret) {
      const turn = Array.from(transcript.children).find((node) => node.dataset.traceId === caret[0]);
      const note = turn && turn.querySelector('.feedback-note');
      if (note) {
        note.focus();
        note.setSelectionRange(caret[1], caret[2]);
      }
    }
    showContext();
    more.hidden = !nextCursor;
    if (focus !== null && !focused) {
      const turn = Array.from(transcript.children).find((node) => node.dataset.traceId === focus);
      if (turn) {
        focused = true;
        turn.classList.add('focused');
        turn.scrollIntoView({ block: 'center' });
      } else if (nextCursor && !more.disabled) {
        // The turn to show is further on: the next page is loaded as "Load more turns" would.
        setTimeout(() => more.click());
      }
    }
  };

  /** The context-window trajectory of the turns loaded, when the server gives their context_tokens. */
  const showContext = () => {
    const points = turns.map((t, i) => ({
      context: typeof t.context_tokens === 'number' ? t.context_tokens : null, label: '#' + (i + 1) }));
    context.hidden = !points.some((p) => p.context !== null);
    context.replaceChildren(...(context.hidden ? [] : [
      contextChart(points, { onSelect: (i) => transcript.children[i]?.scrollIntoView({ block: 'center' }) }),
      el('figcaption', {}, 'Context window per turn: prompt tokens of its last LLM call. Click a bar for the turn.'),
    ]));
  };

  const order = (a, b) =>
    String(a.start_time).localeCompare(String(b.start_time)) || String(a.trace_id).localeCompare(String(b.trace_id));

  /** Adds a page; when more pages follow it, turns shown past its end are dropped: the next page brings them. */
  const merge = (page, more, cursor) => {
    const byId = new Map(turns.map((t) => [t.trace_id, t]));
    for (const t of page) {
      byId.set(t.trace_id, t);
      pageOf.set(t.trace_id, cursor);
    }
    turns = [...byId.values()].sort(order);
    if (more && page.length > 0) {
      const last = page.reduce((a, b) => (order(a, b) >= 0 ? a : b));
      turns = turns.filter((t) => order(t, last) <= 0);
    }
  };

  const loadTurns = async (cursor) => {
    const result = await api('/api/v1/session/turns'
      + query({ session_id_base64: base64url(id), limit: TURN_PAGE_SIZE, cursor }));
    if (!result.ok) {
      message.replaceChildren(missingEndpoint(result) && result.status !== 404
        ? notice('warn', 'This server does not serve transcripts yet (HTTP ' + result.status + ').')
        : result.status === 404
          ? notice('warn', 'No transcript for this session from this server (HTTP 404: ' + result.detail + ').')
          : notice('error', 'Transcript unavailable: ' + result.detail));
      return false;
    }
    message.replaceChildren();
    nextCursor = (result.data && result.data.next_cursor) || null;
    merge(Array.isArray(result.data && result.data.turns) ? result.data.turns : [], !!nextCursor, cursor);
    tailCursor = cursor;
    if (turns.length === 0) message.append(notice('muted', 'No turns yet.'));
    return true;
  };

  /** Reads one loaded page again, for the turns on it only: the pages after it stay as they are. */
  const reloadPage = async (cursor) => {
    const result = await api('/api/v1/session/turns'
      + query({ session_id_base64: base64url(id), limit: TURN_PAGE_SIZE, cursor }));
    if (!result.ok || !Array.isArray(result.data && result.data.turns)) return;
    const fresh = new Map(result.data.turns.map((t) => [t.trace_id, t]));
    turns = turns.map((t) => fresh.get(t.trace_id) || t);
  };

  const refresh = async () => {
    const mine = ++generation;
    const result = await api('/api/v1/session' + query({ session_id_base64: base64url(id) }));
    if (mine !== generation) return;
    markLive(result.status !== 0);
    if (result.ok) {
      summary = result.data;
      settle();
      showHeader();
    } else {
      summary = null;
      header.replaceChildren(notice(result.status === 404 ? 'warn' : 'error', result.status === 404
        ? 'No session "' + id + '" (yet). This page updates when it arrives.'
        : 'Session unavailable: ' + result.detail));
    }
    // While older pages are still to load, the tail is not reloaded: "Load more turns" reaches the new ones.
    if (result.status === 404) message.replaceChildren();
    else if (!nextCursor) await loadTurns(tailCursor);
    if (mine === generation) show();
  };

  more.addEventListener('click', async () => {
    if (!nextCursor) return;
    more.disabled = true;
    generation++;
    await loadTurns(nextCursor);
    more.disabled = false;
    show();
  });

  refresh();
  const stop = poll(refresh);
  return () => { stop(); generation++; stopped = true; };
}

// ---------- routing ----------

function route() {
  stopView();
  window.scrollTo(0, 0);
  // "#/sessions/<id>", the id URI-encoded, and "?turn=<trace id>" to open at a turn.
  const match = /^#\/sessions\/(.+?)(?:\?turn=([^&]*))?$/.exec(location.hash);
  if (match) {
    // A hand-typed address may hold a '%' that is no escape: then the text after #/sessions/ is the id as it is.
    const decode = (text) => { try { return decodeURIComponent(text); } catch { return text; } };
    const id = decode(match[1]);
    document.title = id + ' · Sessionizer';
    stopView = renderSession(id, match[2] === undefined ? null : decode(match[2]));
  } else {
    document.title = 'Sessions · Sessionizer';
    stopView = renderList(parseListState(location.hash));
  }
}

window.addEventListener('hashchange', route);
route();
