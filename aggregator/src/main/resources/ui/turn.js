// One turn of a transcript (DESIGN.md, "What a session holds"): its question and answer as chat bubbles, and between
// them its tool calls and LLM calls in folded lists; and the token and cost figures the list and summary share. All
// text goes in as text nodes (dom.js), a tool's arguments and results included. Below the answer, the turn's
// annotations and, on the session page, its thumbs and note (annotations.js).

import { turnAnnotations } from './annotations.js';
import { el } from './dom.js';
import { fmtCost, fmtInt, fmtMs, fmtTime, num } from './format.js';

const FOLD_CHARS = 600;
const FOLD_LINES = 10;

/** Milliseconds from one ISO-8601 time to another, null unless both are times. */
export function duration(start, end) {
  const a = Date.parse(start);
  const b = Date.parse(end);
  return Number.isNaN(a) || Number.isNaN(b) ? null : b - a;
}

/** An input's or output's text ({value, mime_type}), JSON pretty-printed. */
export function ioText(io) {
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

/** A tool call's arguments or result: JSON pretty-printed when it says it is JSON or reads as an object or array. */
function payloadText(payload) {
  const text = ioText(payload);
  if (payload && !payload.mime_type && /^\s*[[{]/.test(text)) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
  }
  return text;
}

/** The note under a text the server cut to its bound, or null. */
function cutNote(io) {
  return io && io.truncated ? el('div', { class: 'cut-note' },
    'Cut: the first ' + fmtBytes(utf8Length(io.value)) + ' of ' + fmtBytes(io.original_size) + ' are kept') : null;
}

function plural(n, word) {
  return fmtInt(n) + ' ' + word + (n === 1 ? '' : 's');
}

/** The cached and reasoning tokens of a token_count, those that are not zero: "1,000 cached, 20 reasoning". */
function tokenDetails(tokens) {
  if (!tokens || typeof tokens !== 'object') return '';
  return [['cache_read', 'cached'], ['cache_write', 'cache write'], ['reasoning', 'reasoning']]
    .filter(([field]) => num(tokens[field]) > 0)
    .map(([field, label]) => fmtInt(tokens[field]) + ' ' + label)
    .join(', ');
}

/** "1,200 in, 40 out, 1,000 cached": a token_count's parts. */
export function tokenParts(tokens) {
  if (!tokens || typeof tokens !== 'object') return '';
  const details = tokenDetails(tokens);
  return fmtInt(tokens.prompt) + ' in, ' + fmtInt(tokens.completion) + ' out' + (details ? ', ' + details : '');
}

/**
 * A session's or turn's cost; when some of its LLM calls had no price it is a lower bound, shown as
 * "≥ $0.0123 · partial" with the unpriced models in its title.
 */
export function costView(cost) {
  const unpriced = cost && typeof cost === 'object' ? num(cost.unpriced_calls) || 0 : 0;
  if (unpriced <= 0) return fmtCost(cost);
  const models = Array.isArray(cost.unpriced_models) ? cost.unpriced_models : [];
  const title = plural(unpriced, 'LLM call') + ' without a price'
    + (models.length ? ' (' + models.join(', ') + ')' : '') + ': the cost counts the priced calls only';
  return el('span', { class: 'cost-partial', title, 'data-unpriced-calls': unpriced },
    '≥ ' + fmtCost(cost), el('span', { class: 'partial-mark' }, ' · partial'));
}

/** A <details> that stays open across re-renders: `expanded` keeps the keys of those the user opened. */
function details(expanded, key, cls, summary, ...body) {
  const node = el('details', { class: cls, open: expanded.has(key) }, el('summary', {}, summary), ...body);
  node.addEventListener('toggle', () => {
    if (node.open) expanded.add(key); else expanded.delete(key);
  });
  return node;
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

/**
 * A turn as an article; `feedback` (annotations.js, turnAnnotations) adds the thumbs and note, and is left out where
 * the turn is only shown.
 */
export function turnView(turn, index, expanded, feedback = null) {
  const error = turn.status === 'error';
  const tokens = tokenDetails(turn.token_count);
  const meta = el('div', { class: 'turn-meta' },
    el('span', { class: 'turn-number' }, '#' + (index + 1)),
    el('span', { title: turn.start_time || '' }, fmtTime(turn.start_time)),
    el('span', { class: 'latency', title: 'end − start' }, fmtMs(duration(turn.start_time, turn.end_time))),
    el('span', { class: 'tokens', title: tokenParts(turn.token_count) || null },
      fmtInt(turn.token_count) + ' tokens' + (tokens ? ' (' + tokens + ')' : '')),
    typeof turn.context_tokens === 'number' ? el('span', { class: 'context',
      title: 'Context window: prompt tokens of the last LLM call' }, 'context ' + fmtInt(turn.context_tokens)) : null,
    el('span', { class: 'cost' }, costView(turn.cost)),
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
      cutNote(io));
  };
  const tools = toolCallsView(turn, expanded);
  const llm = llmCallsView(turn, expanded);
  return el('article', { class: 'turn' + (error ? ' error' : ''), 'data-trace-id': turn.trace_id || '' },
    meta, bubble('user', turn.input), tools || llm ? el('div', { class: 'turn-calls' }, tools, llm) : null,
    bubble('assistant', turn.output), turnAnnotations(turn, feedback));
}

function statusBadge(status) {
  if (status === 'error') return el('span', { class: 'badge error' }, 'error');
  if (status === 'ok') return el('span', { class: 'badge ok' }, 'ok');
  return null;
}

/** A tool call's arguments or result, as preformatted text. */
function payloadView(label, payload, cls, key, expanded) {
  const text = payloadText(payload);
  return el('div', { class: 'payload ' + cls },
    el('div', { class: 'payload-label' }, label),
    text ? foldable(text, expanded, key, true) : el('div', { class: 'text none' }, '(none recorded)'),
    cutNote(payload));
}

/** The turn's tool calls (DESIGN.md, "What a session holds"), folded into one <details>; null when it has none. */
function toolCallsView(turn, expanded) {
  const calls = Array.isArray(turn.tool_calls) ? turn.tool_calls : [];
  const cut = num(turn.tool_calls_cut) || 0;
  if (!calls.length && !cut) return null;
  const key = turn.trace_id + ':tools';
  const names = [...new Set(calls.map((c) => c.name || '?'))];
  const errors = calls.filter((c) => c.status === 'error').length;
  return details(expanded, key, 'calls tool-calls', [
    el('span', { class: 'calls-title' }, plural(calls.length + cut, 'tool call')),
    names.length ? el('span', { class: 'calls-names' }, names.join(', ')) : null,
    errors ? el('span', { class: 'badge error' }, errors + ' failed') : null],
  el('ol', { class: 'call-list' }, calls.map((call, i) => {
    const callKey = key + ':' + i;
    return el('li', { class: 'tool-call' + (call.status === 'error' ? ' error' : ''),
      'data-tool-name': call.name || '', 'data-status': call.status || null },
    el('div', { class: 'call-head' },
      el('code', { class: 'call-name' }, call.name || '(unnamed tool)'),
      statusBadge(call.status),
      num(call.duration_ms) !== null ? el('span', { class: 'call-duration' }, fmtMs(call.duration_ms)) : null,
      call.start_time ? el('span', { class: 'call-time', title: call.start_time }, fmtTime(call.start_time)) : null,
      call.id ? el('span', { class: 'call-id', title: 'tool call id' }, call.id) : null),
    payloadView('Arguments', call.arguments, 'call-arguments', callKey + ':arguments', expanded),
    payloadView('Result', call.result, 'call-result', callKey + ':result', expanded));
  }),
  cut ? el('li', { class: 'calls-cut' }, plural(cut, 'more tool call') + ' not listed: over the bound per turn')
    : null));
}

/** The turn's leaf LLM calls with their tokens and cost, as a table in a <details>; null when it has none. */
function llmCallsView(turn, expanded) {
  const calls = Array.isArray(turn.llm_calls) ? turn.llm_calls : [];
  const cut = num(turn.llm_calls_cut) || 0;
  if (!calls.length && !cut) return null;
  const count = num(turn.llm_call_count) ?? calls.length + cut;
  const models = [...new Set(calls.map((c) => c.model).filter(Boolean))];
  const unpriced = calls.filter((c) => c.priced === false).length;
  const rows = calls.map((call) => {
    const tokens = call.token_count || {};
    const inDetails = [['cache_read', 'cached'], ['cache_write', 'cache write']]
      .filter(([field]) => num(tokens[field]) > 0).map(([field, label]) => fmtInt(tokens[field]) + ' ' + label);
    const outDetails = num(tokens.reasoning) > 0 ? [fmtInt(tokens.reasoning) + ' reasoning'] : [];
    const detail = (parts) => (parts.length ? el('span', { class: 'token-detail' }, ' (' + parts.join(', ') + ')')
      : null);
    return el('tr', { class: 'llm-call' + (call.status === 'error' ? ' error' : ''),
      'data-span-id': call.span_id || null, 'data-priced': call.priced === false ? 'false' : 'true' },
    el('td', { class: 'model' }, call.model || '(unknown model)'),
    el('td', { class: 'num prompt' }, fmtInt(tokens.prompt), detail(inDetails)),
    el('td', { class: 'num completion' }, fmtInt(tokens.completion), detail(outDetails)),
    el('td', { class: 'num cost' }, call.priced === false
      ? el('span', { class: 'unpriced', title: 'The price table has no price for this model' }, 'unpriced')
      : fmtCost(call.cost)),
    el('td', { class: 'num duration', title: call.start_time || null }, fmtMs(call.duration_ms)),
    el('td', { class: 'status' }, statusBadge(call.status)));
  });
  return details(expanded, turn.trace_id + ':llm', 'calls llm-calls', [
    el('span', { class: 'calls-title' }, plural(count, 'LLM call')),
    models.length ? el('span', { class: 'calls-names' }, models.join(', ')) : null,
    unpriced ? el('span', { class: 'badge warn' }, unpriced + ' unpriced') : null],
  el('table', { class: 'llm-calls-table' },
    el('thead', {}, el('tr', {}, ['Model', 'Prompt', 'Completion', 'Cost', 'Duration', 'Status']
      .map((label) => el('th', { scope: 'col' }, label)))),
    el('tbody', {}, rows)),
  cut ? el('div', { class: 'calls-cut' }, plural(cut, 'more LLM call') + ' not listed: over the bound per turn')
    : null);
}
