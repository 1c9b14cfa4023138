// Annotations (DESIGN.md, REST API; issue 15): a turn's thumbs and note, a session's label, score and note, and how
// the transcript, the session header and the sessions list show them. Rendering and form handling only: the requests
// are app.js's, passed in as functions. Every label, note and name goes in as text (dom.js).

import { el } from './dom.js';
import { fmtInt, fmtTime, num } from './format.js';

/** The name of a turn's thumbs up or down. */
export const THUMBS = 'thumbs';
/**
 * The identifier of what the UI writes: the same name and identifier replace the earlier annotation, so a second click
 * changes the verdict instead of adding one.
 */
export const UI_IDENTIFIER = 'ui';
/** An annotation name as the API takes it in a body and in a filter or sort parameter. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_SESSION_NAME = 'quality';
const MAX_LABEL = 128;
const MAX_NOTE = 1000;
const THUMB_LABELS = { up: 'Good answer', down: 'Bad answer' };

const SVG_NS = 'http://www.w3.org/2000/svg';
/** A thumb pointing up in a 24×24 box: the cuff, then the hand. */
const THUMB_PATH = 'M2 10h4v11H2zM8 10l4.5-7.5c1.3 0 2.3 1.1 2 2.5l-.7 4H20c1.2 0 2.1 1.1 1.9 2.3l-1.3 8'
  + 'c-.2 1-1 1.7-2 1.7H8z';

/** A score as a short number: "1", "0.5", "0.83". */
export function fmtScore(value) {
  const n = num(value);
  if (n === null) return '–';
  return String(Math.round(n * 100) / 100);
}

/** The label most annotations of a summary carry (the first by name on a tie), or null. */
export function topLabel(summary) {
  const counts = Object.entries(summary && summary.label_counts ? summary.label_counts : {});
  if (!counts.length) return null;
  counts.sort(([a, x], [b, y]) => (num(y) || 0) - (num(x) || 0) || a.localeCompare(b));
  return counts[0][0];
}

/** The UI's thumbs on a turn: the latest thumbs annotation it wrote, or null. */
export function uiThumbs(annotations) {
  const mine = (Array.isArray(annotations) ? annotations : [])
    .filter((a) => a && a.name === THUMBS && a.identifier === UI_IDENTIFIER);
  return mine.length ? mine.reduce((a, b) => (String(b.created_at) >= String(a.created_at) ? b : a)) : null;
}

/** A thumbs annotation's body as the API takes it: up scores 1, down 0; the note is left out when empty. */
export function thumbsBody(label, note) {
  return { name: THUMBS, label, score: label === 'up' ? 1 : 0, annotator_kind: 'HUMAN', identifier: UI_IDENTIFIER,
    explanation: note ? note : undefined };
}

/** Whether a served annotation is the one written with `body` (the same name, label, score and note). */
export function shows(annotation, body) {
  return !!annotation && annotation.name === body.name && (annotation.label ?? null) === (body.label ?? null)
    && num(annotation.score) === num(body.score) && (annotation.explanation ?? null) === (body.explanation ?? null);
}

function thumbIcon(label) {
  const icon = document.createElementNS(SVG_NS, 'svg');
  icon.setAttribute('viewBox', '0 0 24 24');
  icon.setAttribute('class', 'thumb-icon');
  icon.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', THUMB_PATH);
  if (label === 'down') path.setAttribute('transform', 'rotate(180 12 12)');
  icon.append(path);
  return icon;
}

/** Who wrote an annotation: "human", "llm · judge-v2". */
function writer(a) {
  return [a.annotator_kind ? String(a.annotator_kind).toLowerCase() : null, a.identifier].filter(Boolean).join(' · ');
}

/** One annotation as a chip: its name, label, score and note, its writer and time in the title. */
export function annotationView(a, { pending = false } = {}) {
  return el('li', { class: 'annotation' + (a.name === THUMBS && a.label ? ' thumbs-' + a.label : '')
      + (pending ? ' pending' : ''),
  'data-annotation-id': a.annotation_id || null, 'data-name': a.name, 'data-label': a.label ?? null,
  title: [writer(a), a.created_at ? fmtTime(a.created_at) + ' UTC' : null, pending ? 'saving…' : null]
    .filter(Boolean).join(' · ') || null },
  el('span', { class: 'annotation-name' }, a.name),
  a.label !== null && a.label !== undefined ? el('span', { class: 'annotation-label' }, a.label) : null,
  num(a.score) !== null ? el('span', { class: 'annotation-score' }, fmtScore(a.score)) : null,
  a.explanation ? el('span', { class: 'annotation-note' }, a.explanation) : null);
}

/**
 * A turn's annotations and, with `feedback`, its thumbs and note. `feedback.of(traceId)` gives the turn's
 * {pending, error, draft}: a thumbs body written but not yet served, an error of the last write, the note typed;
 * `feedback.vote(turn, label, note)` writes a verdict; `feedback.note(traceId, text)` keeps the note typed.
 */
export function turnAnnotations(turn, feedback) {
  const annotations = Array.isArray(turn.annotations) ? turn.annotations : [];
  const state = feedback ? feedback.of(turn.trace_id) : {};
  const pending = state.pending || null;
  const saved = uiThumbs(annotations);
  const shown = pending ? annotations.filter((a) => a !== saved) : annotations;
  const list = shown.length || pending ? el('ul', { class: 'annotations', 'aria-label': 'Annotations of this turn' },
    shown.map((a) => annotationView(a)), pending ? annotationView(pending, { pending: true }) : null) : null;
  if (!feedback) return list ? el('div', { class: 'turn-annotations' }, list) : null;

  const current = pending ? pending.label : saved ? saved.label : null;
  const note = el('input', { type: 'text', class: 'feedback-note', name: 'note', maxlength: MAX_NOTE,
    autocomplete: 'off', placeholder: 'Note (optional), sent with the thumbs', 'aria-label': 'Note on this turn' });
  note.value = state.draft ?? (saved && saved.explanation ? saved.explanation : '');
  note.addEventListener('input', () => feedback.note(turn.trace_id, note.value));
  note.addEventListener('keydown', (event) => {
    // Enter sends the note with the verdict shown; without one, a thumb is to be clicked first.
    if (event.key === 'Enter' && current) {
      event.preventDefault();
      feedback.vote(turn, current, note.value.trim());
    }
  });
  const thumb = (label) => el('button', { type: 'button', class: 'thumb thumb-' + label
      + (current === label ? ' active' : ''), 'data-label': label, 'aria-pressed': current === label ? 'true' : 'false',
  title: THUMB_LABELS[label] + (current === label ? ' (your verdict; click to send the note again)' : ''),
  'aria-label': 'Thumbs ' + label, onclick: () => feedback.vote(turn, label, note.value.trim()) }, thumbIcon(label));
  const status = state.error
    ? el('div', { class: 'notice error feedback-error', role: 'alert' }, state.error)
    : el('span', { class: 'feedback-status', role: 'status' }, pending ? (pending.saving ? 'Saving…' : 'Saved') : '');
  return el('div', { class: 'turn-annotations', 'data-thumbs': current || null },
    el('div', { class: 'feedback' }, thumb('up'), thumb('down'), note, status), list);
}

/** "down 3, up 1": a summary's labels by count. */
function labelCounts(summary) {
  return Object.entries(summary.label_counts || {})
    .sort(([a, x], [b, y]) => (num(y) || 0) - (num(x) || 0) || a.localeCompare(b))
    .map(([label, count]) => label + ' ' + fmtInt(count)).join(', ');
}

/**
 * The session's annotations per name (summary JSON `annotations`), for the session header; `pending` is a body just
 * written and not yet served. `link(name)` gives the address of the list with that name's column. Null when none.
 */
export function annotationSummaryView(s, pending, link) {
  const summaries = Array.isArray(s.annotations) ? s.annotations : [];
  const cut = num(s.annotation_names_cut) || 0;
  const dropped = num(s.annotations_dropped) || 0;
  if (!summaries.length && !pending && !cut && !dropped) return null;
  return el('section', { class: 'annotation-summaries', id: 'annotations-summary', 'aria-label': 'Annotations' },
    el('div', { class: 'fact-label' }, 'Annotations'),
    el('ul', { class: 'annotations' }, summaries.map((a) => {
      const latest = a.latest || {};
      const labels = labelCounts(a);
      const mean = num(a.mean_score);
      return el('li', { class: 'annotation-summary', 'data-name': a.name, 'data-top-label': topLabel(a),
        'data-mean-score': mean, title: 'Latest: ' + [latest.label, latest.score !== null && latest.score !== undefined
          ? fmtScore(latest.score) : null, latest.explanation, writer(latest), latest.created_at
          ? fmtTime(latest.created_at) + ' UTC' : null].filter((v) => v !== null && v !== undefined && v !== '')
          .join(' · ') },
      el('a', { class: 'annotation-name', href: link(a.name), title: 'Show the sessions list with a ' + a.name
        + ' column' }, a.name),
      labels ? el('span', { class: 'annotation-label' }, labels) : null,
      mean !== null ? el('span', { class: 'annotation-score', title: 'mean of ' + fmtInt(a.score_count) + ' scores' },
        'mean ' + fmtScore(mean)) : null,
      el('span', { class: 'annotation-count' }, '(' + fmtInt(a.count) + ')'),
      latest.explanation ? el('span', { class: 'annotation-note' }, latest.explanation) : null);
    }), pending ? annotationView(pending, { pending: true }) : null),
    cut || dropped ? el('div', { class: 'cut-note' }, [
      cut ? fmtInt(cut) + ' more annotation names not summarized' : null,
      dropped ? fmtInt(dropped) + ' annotations dropped over the bound per session' : null,
    ].filter(Boolean).join('; ')) : null);
}

/**
 * The form that annotates the session: a name, a label, a score and a note. `save(body)` writes it and answers as
 * app.js's api() does ({ok, status, detail, field}); a 400 that names a field marks that input.
 */
export function sessionAnnotationForm(save) {
  const name = el('input', { type: 'text', id: 'session-annotation-name', name: 'name', value: DEFAULT_SESSION_NAME,
    required: true, maxlength: 64, autocomplete: 'off', 'aria-label': 'Annotation name',
    title: 'Letters, digits, _ and -' });
  const label = el('input', { type: 'text', id: 'session-annotation-label', name: 'label', maxlength: MAX_LABEL,
    autocomplete: 'off', placeholder: 'label, e.g. good', 'aria-label': 'Label' });
  const score = el('input', { type: 'number', id: 'session-annotation-score', name: 'score', step: 'any',
    placeholder: 'score', 'aria-label': 'Score' });
  const note = el('input', { type: 'text', id: 'session-annotation-note', name: 'explanation', maxlength: MAX_NOTE,
    autocomplete: 'off', placeholder: 'note (optional)', 'aria-label': 'Note' });
  const error = el('span', { id: 'session-annotation-error', class: 'field-error', role: 'alert' });
  const status = el('span', { id: 'session-annotation-status', class: 'feedback-status', role: 'status' });
  const button = el('button', { type: 'submit', id: 'session-annotation-submit' }, 'Annotate session');
  const inputs = { name, label, score, explanation: note };
  const fail = (field, text) => {
    if (inputs[field]) inputs[field].setAttribute('aria-invalid', 'true');
    error.textContent = text;
    status.textContent = '';
  };
  const form = el('form', { id: 'session-annotation-form', class: 'annotate-session',
    'aria-label': 'Annotate this session', onsubmit: async (event) => {
      event.preventDefault();
      Object.values(inputs).forEach((input) => input.removeAttribute('aria-invalid'));
      error.textContent = '';
      const body = { name: name.value.trim(), label: label.value.trim() || undefined, annotator_kind: 'HUMAN',
        identifier: UI_IDENTIFIER, explanation: note.value.trim() || undefined };
      if (!NAME_PATTERN.test(body.name)) return fail('name', 'A name is 1 to 64 letters, digits, _ or -.');
      if (score.value.trim() !== '') {
        const n = Number(score.value);
        if (!Number.isFinite(n)) return fail('score', 'A score is a number.');
        body.score = n;
      } else if (score.validity && score.validity.badInput) {
        return fail('score', 'A score is a number.');
      }
      if (body.label === undefined && body.score === undefined) return fail('label', 'Give a label, a score or both.');
      button.disabled = true;
      status.textContent = 'Saving…';
      const result = await save(body);
      button.disabled = false;
      if (!result.ok) return fail(result.field, 'Could not annotate the session: ' + result.detail);
      status.textContent = result.status === 202 ? 'Saved; it shows in a moment.' : 'Saved.';
      label.value = '';
      score.value = '';
      note.value = '';
    } },
  el('span', { class: 'fact-label' }, 'Annotate this session'), name, label, score, note, button, status, error);
  return form;
}

/**
 * The sessions list's cell for annotation `name`: its mean score and top label; `filterLabel(label)` narrows the list
 * to that label when the label is clicked.
 */
export function annotationCell(s, name, filterLabel) {
  const summary = (Array.isArray(s.annotations) ? s.annotations : []).find((a) => a && a.name === name);
  if (!summary) return el('td', { class: 'num annotation-cell', 'data-annotation-name': name }, '–');
  const mean = num(summary.mean_score);
  const top = topLabel(summary);
  const labels = labelCounts(summary);
  return el('td', { class: 'num annotation-cell', 'data-annotation-name': name, 'data-mean-score': mean,
    'data-top-label': top, title: fmtInt(summary.count) + ' ' + name + ' annotation' + (num(summary.count) === 1 ? ''
      : 's') + (labels ? ': ' + labels : '') + (mean !== null ? '; mean score ' + fmtScore(mean) : '') },
  mean !== null ? el('span', { class: 'annotation-score' }, fmtScore(mean)) : null,
  top !== null ? el('button', { type: 'button', class: 'filter-link annotation-label',
    'data-filter-key': 'annotation.' + name + '.label', 'data-filter-value': top,
    title: 'Show only sessions with a ' + name + ' annotation labelled ' + top,
    onclick: () => filterLabel(top) }, top) : null);
}

/** The annotation names among the listed sessions, for the name input's suggestions. */
export function namesInRows(rows) {
  const names = new Set([THUMBS, DEFAULT_SESSION_NAME]);
  for (const s of rows) {
    for (const a of Array.isArray(s.annotations) ? s.annotations : []) if (a && a.name) names.add(a.name);
  }
  return [...names].sort();
}

/** The labels of `name` among the listed sessions, when the API has no facet for them. */
export function labelsInRows(rows, name) {
  const labels = new Set();
  for (const s of rows) {
    const summary = (Array.isArray(s.annotations) ? s.annotations : []).find((a) => a && a.name === name);
    Object.keys(summary && summary.label_counts ? summary.label_counts : {}).forEach((l) => labels.add(l));
  }
  return [...labels].sort();
}
