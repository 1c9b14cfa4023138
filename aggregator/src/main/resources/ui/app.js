// The Sessionizer web UI: a sessions list and a chat-style transcript, over the REST API of DESIGN.md.
// Plain DOM building with textContent only: session data never goes through innerHTML.

const PAGE_SIZE = 50;
const TURN_PAGE_SIZE = 20;
const POLL_MS = 3000;
const FOLD_CHARS = 600;
const FOLD_LINES = 10;

const view = document.getElementById('view');
const live = document.getElementById('live');

/** What the list shows, kept across navigation so that going back restores the search. */
const listState = { q: '', project: '', projects: new Set() };

let stopView = () => {};

// ---------- helpers ----------

/** Creates an element; children are nodes or strings (added as text, never parsed as HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const KEY_STORAGE = 'sessionizer.api-key';

/** GET a JSON resource; never throws: {ok, status, data, detail}. A 401 asks for an API key instead. */
async function api(path) {
  try {
    const headers = { Accept: 'application/json' };
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) headers.Authorization = 'Bearer ' + key;
    const response = await fetch(path, { headers });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    const detail = data && typeof data.detail === 'string' ? data.detail : (response.ok ? '' : response.statusText);
    if (response.status === 401) askForKey(key ? 'That API key is not valid here.' : detail);
    return { ok: response.ok, status: response.status, data, detail };
  } catch (error) {
    return { ok: false, status: 0, data: null, detail: 'The server cannot be reached (' + error.message + ')' };
  }
}

/**
 * The API wants a key (the ingest's keys: each key sees its tenant's sessions). The key is kept in this tab's
 * sessionStorage only, and sent as a bearer token.
 */
function askForKey(message) {
  if (document.getElementById('api-key-form')) return;
  stopView();
  stopView = () => {};
  const input = el('input', { type: 'password', id: 'api-key', name: 'api-key', autocomplete: 'off',
    placeholder: 'API key', 'aria-label': 'API key', required: true });
  const form = el('form', { id: 'api-key-form', class: 'key-form', onsubmit: (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, input.value.trim());
    route();
  } }, input, el('button', { type: 'submit' }, 'Open'));
  view.replaceChildren(el('h1', {}, 'API key needed'), notice('warn', message), form);
  input.focus();
}

/** 404 and 501 on a collection mean this server does not offer the endpoint (yet). */
function missingEndpoint(result) {
  return result.status === 404 || result.status === 501 || result.status === 405;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

function num(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return num(value.total ?? value.count ?? value.value);
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function fmtInt(value) {
  const n = num(value);
  return n === null ? '–' : n.toLocaleString('en-US');
}

function fmtCost(value) {
  const n = num(value);
  if (n === null) return '–';
  if (n === 0) return '$0';
  if (n < 0.000001) return '<$0.000001';
  if (n < 0.01) return '$' + n.toPrecision(2);
  return '$' + n.toFixed(n < 100 ? 4 : 2);
}

function fmtMs(value) {
  const n = num(value);
  if (n === null) return '–';
  if (n < 1000) return Math.round(n) + ' ms';
  if (n < 60000) return (n / 1000).toFixed(2) + ' s';
  return (n / 60000).toFixed(1) + ' min';
}

/** ISO-8601 UTC as "YYYY-MM-DD HH:MM:SS". */
function fmtTime(iso) {
  if (!iso) return '–';
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return match ? match[1] + ' ' + match[2] : iso;
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

function duration(start, end) {
  const a = Date.parse(start);
  const b = Date.parse(end);
  return Number.isNaN(a) || Number.isNaN(b) ? null : b - a;
}

function ioText(io) {
  if (!io || io.value === null || io.value === undefined) return '';
  const value = String(io.value);
  if (io.mime_type === 'application/json') {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
  }
  return value;
}

function utf8Length(text) {
  return new TextEncoder().encode(String(text ?? '')).length;
}

function fmtBytes(n) {
  if (n === null || n === undefined) return '?';
  if (n < 1024) return n + ' B';
  return n < 1024 * 1024 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1024 / 1024).toFixed(1) + ' MiB';
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

function sessionHref(id) {
  return '#/sessions/' + encodeURIComponent(id);
}

function notice(kind, text) {
  return el('div', { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
}

function markLive(ok) {
  const time = new Date().toLocaleTimeString();
  live.textContent = ok ? 'live · updated ' + time : 'offline · retrying';
  live.className = 'live ' + (ok ? 'ok' : 'down');
}

/** Runs fn now and then every POLL_MS while the page is visible; returns a stop function. */
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

/** A text block folded to a few lines when long, unfolded on click; `key` keeps it open across re-renders. */
function foldable(text, expanded, key, pre) {
  const long = text.length > FOLD_CHARS || text.split('\n').length > FOLD_LINES;
  const body = el(pre ? 'pre' : 'div', { class: 'text' }, text);
  if (!long) return body;
  const box = el('div', { class: 'foldable' + (expanded.has(key) ? '' : ' folded') }, body);
  const button = el('button', { class: 'link fold-toggle', type: 'button' });
  const label = () => {
    button.textContent = box.classList.contains('folded')
      ? 'Show all (' + text.length.toLocaleString('en-US') + ' characters)'
      : 'Show less';
  };
  button.addEventListener('click', () => {
    box.classList.toggle('folded');
    if (box.classList.contains('folded')) expanded.delete(key); else expanded.add(key);
    label();
  });
  label();
  box.append(button);
  return box;
}

// ---------- totals ----------

const STAT_FIELDS = [
  ['Sessions', ['sessions', 'session_count', 'total_sessions'], fmtInt],
  ['Active', ['active_sessions', 'active', 'active_session_count'], fmtInt],
  ['Traces', ['traces', 'trace_count', 'total_traces'], fmtInt],
  ['Tokens', ['tokens', 'token_count', 'total_tokens'], fmtInt],
  ['Cost', ['cost', 'total_cost', 'cost_usd'], fmtCost],
];

function renderStats(container, result) {
  container.replaceChildren();
  if (!result.ok) {
    container.append(notice('muted', missingEndpoint(result)
      ? 'Project totals are not available from this server yet.'
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
  if (Array.isArray(result.data && result.data.projects)) {
    for (const p of result.data.projects) {
      const name = typeof p === 'string' ? p : p && (p.project || p.name);
      if (name) listState.projects.add(name);
    }
  }
}

// ---------- sessions list ----------

const COLUMNS = ['Session', 'First input', 'Last output', 'User', 'Start (UTC)', 'End (UTC)',
  'p50', 'p99', 'Tokens', 'Cost', 'Traces', 'Errors'];

function sessionRow(s) {
  const errors = num(s.traces_with_error) || 0;
  const latency = s.latency_ms || {};
  return el('tr', { class: 'session-row' + (errors > 0 ? ' has-errors' : ''), 'data-session-id': s.session_id },
    el('td', { class: 'id' },
      el('a', { class: 'session-link', href: sessionHref(s.session_id) }, s.session_id),
      s.status === 'active' ? el('span', { class: 'badge active', title: 'receiving traces' }, 'active') : null,
      (s.projects || []).length ? el('div', { class: 'projects' }, s.projects.join(', ')) : null),
    el('td', { class: 'io first-input', title: ioText(s.first_input) },
      el('div', { class: 'clamp' }, oneLine(s.first_input))),
    el('td', { class: 'io last-output', title: ioText(s.last_output) },
      el('div', { class: 'clamp' }, oneLine(s.last_output))),
    el('td', { class: 'user' }, s.user_id || '–'),
    el('td', { class: 'time', title: s.start_time || '' }, fmtTime(s.start_time)),
    el('td', { class: 'time', title: s.end_time || '' }, fmtTime(s.end_time), el('div', { class: 'ago' }, ago(s.end_time))),
    el('td', { class: 'num' }, fmtMs(latency.p50)),
    el('td', { class: 'num' }, fmtMs(latency.p99)),
    el('td', { class: 'num' }, fmtInt(s.token_count)),
    el('td', { class: 'num' }, fmtCost(s.cost)),
    el('td', { class: 'num' }, fmtInt(s.trace_count)),
    el('td', { class: 'num errors' }, errors > 0 ? el('span', { class: 'badge error' }, String(errors)) : '0'));
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

function renderList() {
  const stats = el('section', { class: 'stats', id: 'stats', 'aria-label': 'Totals' });
  const search = el('input', {
    type: 'search', id: 'search', placeholder: 'Search inputs and outputs…', 'aria-label': 'Search', value: listState.q,
  });
  search.value = listState.q;
  const project = el('select', { id: 'project', 'aria-label': 'Project' });
  const message = el('div', { id: 'list-message' });
  const body = el('tbody', { id: 'sessions-body' });
  const table = el('table', { class: 'sessions', id: 'sessions' },
    el('thead', {}, el('tr', {}, COLUMNS.map((c) => el('th', {}, c)))), body);
  const more = el('button', { type: 'button', id: 'load-more', class: 'more', hidden: true }, 'Load more');

  view.replaceChildren(
    stats,
    el('section', { class: 'toolbar' }, search, project, openByIdForm()),
    message,
    el('div', { class: 'table-wrap' }, table),
    more);

  let rows = [];
  let nextCursor = null;
  let generation = 0;
  let rendered = '';

  const fillProjects = () => {
    for (const s of rows) for (const p of s.projects || []) listState.projects.add(p);
    const names = [...listState.projects].sort();
    const current = listState.project;
    const options = [el('option', { value: '' }, 'All projects')]
      .concat(names.map((n) => el('option', { value: n }, n)));
    if (project.options.length !== options.length) {
      project.replaceChildren(...options);
      project.value = current;
    }
  };

  const show = () => {
    // Rows are rebuilt only when something changed (or once a minute, for the "ago" times), so that polling does
    // not disturb a text selection.
    const key = JSON.stringify(rows) + '|' + nextCursor + '|' + message.textContent + '|' + Math.floor(Date.now() / 60000);
    if (key === rendered) return;
    rendered = key;
    body.replaceChildren(...rows.map(sessionRow));
    more.hidden = !nextCursor;
    if (rows.length === 0 && !message.hasChildNodes()) {
      body.append(el('tr', { class: 'empty' }, el('td', { colspan: COLUMNS.length },
        listState.q || listState.project ? 'No session matches.' : 'No sessions yet: send some traces to the ingest.')));
    }
    fillProjects();
  };

  const params = (extra) => ({ q: listState.q, project: listState.project, ...extra });

  /** Loads the first page again, as many rows as are shown, so that polling keeps what "Load more" added. */
  const refresh = async () => {
    const mine = ++generation;
    const limit = Math.min(500, Math.max(PAGE_SIZE, rows.length));
    const [list, totals] = await Promise.all([
      api('/api/v1/sessions' + query(params({ limit }))),
      api('/api/v1/stats' + query({ project: listState.project })),
    ]);
    if (mine !== generation) return;
    markLive(list.status !== 0);
    renderStats(stats, totals);
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
  };

  more.addEventListener('click', async () => {
    if (!nextCursor) return;
    more.disabled = true;
    const mine = generation;
    const page = await api('/api/v1/sessions' + query(params({ limit: PAGE_SIZE, cursor: nextCursor })));
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
    debounce = setTimeout(() => {
      listState.q = search.value.trim();
      rows = [];
      refresh();
    }, 250);
  });
  project.addEventListener('change', () => {
    listState.project = project.value;
    rows = [];
    refresh();
  });

  fillProjects();
  refresh();
  const stop = poll(refresh);
  return () => { stop(); clearTimeout(debounce); generation++; };
}

// ---------- one session ----------

function summaryHeader(s) {
  const latency = s.latency_ms || {};
  const tokens = s.token_count || {};
  const errors = num(s.traces_with_error) || 0;
  const fact = (label, value, cls) => el('div', { class: 'fact' + (cls ? ' ' + cls : '') },
    el('div', { class: 'fact-label' }, label), el('div', { class: 'fact-value' }, value));
  return el('section', { class: 'summary', id: 'summary', 'data-session-id': s.session_id },
    el('div', { class: 'summary-title' },
      el('h1', { id: 'session-id' }, s.session_id),
      el('span', { class: 'badge ' + (s.status === 'active' ? 'active' : 'idle') }, s.status || 'unknown'),
      errors > 0 ? el('span', { class: 'badge error' }, errors + (errors === 1 ? ' error' : ' errors')) : null),
    el('div', { class: 'facts' },
      fact('Projects', (s.projects || []).join(', ') || '–'),
      fact('User', s.user_id || '–'),
      fact('Start (UTC)', fmtTime(s.start_time)),
      fact('End (UTC)', fmtTime(s.end_time) + (s.end_time ? ' · ' + ago(s.end_time) : '')),
      fact('Traces', fmtInt(s.trace_count), 'trace-count'),
      fact('Spans', fmtInt(s.span_count)),
      fact('LLM calls', fmtInt(s.llm_call_count)),
      fact('Tokens', fmtInt(tokens.total) + ' (' + fmtInt(tokens.prompt) + ' in, ' + fmtInt(tokens.completion) + ' out)'),
      fact('Cost', fmtCost(s.cost)),
      fact('Latency p50 / p99', fmtMs(latency.p50) + ' / ' + fmtMs(latency.p99)),
      fact('Models', (s.models || []).join(', ') || '–')));
}

function turnView(turn, index, expanded) {
  const error = turn.status === 'error';
  const meta = el('div', { class: 'turn-meta' },
    el('span', { class: 'turn-number' }, '#' + (index + 1)),
    el('span', { title: turn.start_time || '' }, fmtTime(turn.start_time)),
    el('span', { class: 'latency', title: 'end − start' }, fmtMs(duration(turn.start_time, turn.end_time))),
    el('span', {}, fmtInt(turn.token_count) + ' tokens'),
    el('span', {}, fmtCost(turn.cost)),
    (turn.models || []).length ? el('span', { class: 'models' }, turn.models.join(', ')) : null,
    error ? el('span', { class: 'badge error' }, 'error') : null,
    el('span', { class: 'trace-id', title: 'trace id' }, turn.trace_id || ''));
  const bubble = (role, io) => {
    const text = ioText(io);
    const pre = !!io && io.mime_type === 'application/json';
    return el('div', { class: 'bubble ' + role + (text ? '' : ' empty') },
      el('div', { class: 'role' }, role === 'user' ? 'User' : 'Assistant'),
      text ? foldable(text, expanded, turn.trace_id + ':' + role, pre)
        : el('div', { class: 'text none' }, role === 'user' ? '(no input recorded)' : '(no output recorded)'),
      io && io.truncated ? el('div', { class: 'cut-note' },
        'Cut: the first ' + fmtBytes(utf8Length(io.value)) + ' of ' + fmtBytes(io.original_size) + ' are kept') : null);
  };
  return el('article', { class: 'turn' + (error ? ' error' : ''), 'data-trace-id': turn.trace_id || '' },
    meta, bubble('user', turn.input), bubble('assistant', turn.output));
}

function renderSession(id) {
  const back = el('a', { class: 'back', href: '#/' }, '← All sessions');
  const header = el('div', { id: 'summary-wrap' }, notice('muted', 'Loading session…'));
  const message = el('div', { id: 'turns-message' });
  const transcript = el('section', { class: 'transcript', id: 'transcript', 'aria-label': 'Transcript' });
  const more = el('button', { type: 'button', id: 'load-more-turns', class: 'more', hidden: true }, 'Load more turns');
  view.replaceChildren(back, header, el('h2', {}, 'Transcript'), message, transcript, more);

  const expanded = new Set();
  let turns = [];
  // The cursor of the last page loaded: polling reloads that page to pick up new and changed turns.
  let tailCursor = null;
  let nextCursor = null;
  let rendered = '';
  let generation = 0;

  const show = () => {
    const key = JSON.stringify(turns) + '|' + nextCursor;
    if (key === rendered) return;
    rendered = key;
    transcript.replaceChildren(...turns.map((t, i) => turnView(t, i, expanded)));
    more.hidden = !nextCursor;
  };

  const order = (a, b) =>
    String(a.start_time).localeCompare(String(b.start_time)) || String(a.trace_id).localeCompare(String(b.trace_id));

  /** Adds a page; when more pages follow it, turns shown past its end are dropped: the next page brings them. */
  const merge = (page, more) => {
    const byId = new Map(turns.map((t) => [t.trace_id, t]));
    for (const t of page) byId.set(t.trace_id, t);
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
    merge(Array.isArray(result.data && result.data.turns) ? result.data.turns : [], !!nextCursor);
    tailCursor = cursor;
    if (turns.length === 0) message.append(notice('muted', 'No turns yet.'));
    return true;
  };

  const refresh = async () => {
    const mine = ++generation;
    const summary = await api('/api/v1/session' + query({ session_id_base64: base64url(id) }));
    if (mine !== generation) return;
    markLive(summary.status !== 0);
    if (summary.ok) {
      header.replaceChildren(summaryHeader(summary.data));
    } else {
      header.replaceChildren(notice(summary.status === 404 ? 'warn' : 'error', summary.status === 404
        ? 'No session "' + id + '" (yet). This page updates when it arrives.'
        : 'Session unavailable: ' + summary.detail));
    }
    // While older pages are still to load, the tail is not reloaded: "Load more turns" reaches the new ones.
    if (summary.status === 404) message.replaceChildren();
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
  return () => { stop(); generation++; };
}

// ---------- routing ----------

function route() {
  stopView();
  window.scrollTo(0, 0);
  const match = /^#\/sessions\/(.+)$/.exec(location.hash);
  let id = null;
  if (match) {
    // A hand-typed address may hold a '%' that is no escape: then the text after #/sessions/ is the id as it is.
    try { id = decodeURIComponent(match[1]); } catch { id = match[1]; }
  }
  if (id !== null) {
    document.title = id + ' · Sessionizer';
    stopView = renderSession(id);
  } else {
    document.title = 'Sessions · Sessionizer';
    stopView = renderList();
  }
}

window.addEventListener('hashchange', route);
route();
