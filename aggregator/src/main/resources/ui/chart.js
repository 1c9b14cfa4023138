// The stats chart above the sessions list: sessions started, tokens, cost and failed traces per time bucket
// (GET /api/v1/stats buckets), drawn as inline SVG with no library. One <g class="bucket"> per bucket holds a bar in
// each of the four rows, so that hovering a column shows all four figures of that bucket.

import { fmtCost, fmtInt, fmtTime, num } from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 1000;
const GUTTER = 150;
const ROW_HEIGHT = 40;
const ROW_GAP = 8;
const AXIS_HEIGHT = 18;

const SERIES = [
  { name: 'sessions', label: 'Sessions', value: (b) => num(b.sessions_started), format: fmtInt },
  { name: 'tokens', label: 'Tokens', value: (b) => num(b.token_count), format: fmtInt },
  { name: 'cost', label: 'Cost', value: (b) => num(b.cost), format: fmtCost },
  { name: 'errors', label: 'Errors', value: (b) => num(b.traces_with_error), format: fmtInt },
];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** The bucket width: as asked, else the smallest step between buckets, else the whole range. */
function bucketMs(starts, intervalMs, span) {
  if (intervalMs) return intervalMs;
  let step = Infinity;
  for (let i = 1; i < starts.length; i++) step = Math.min(step, starts[i] - starts[i - 1]);
  return Number.isFinite(step) && step > 0 ? step : Math.max(60000, span || 3600000);
}

/**
 * The chart of `buckets` over [from, to) (epoch ms; either may be null, then the buckets set it), bucket width
 * `intervalMs` (null: inferred). `onSelect(start, end)` is called when a bucket is clicked.
 */
export function statsChart(buckets, { from = null, to = null, intervalMs = null, label = '', onSelect = null } = {}) {
  const rows = buckets
    .map((b) => ({ bucket: b, start: Date.parse(b.start) }))
    .filter((r) => !Number.isNaN(r.start))
    .sort((a, b) => a.start - b.start);
  const starts = rows.map((r) => r.start);
  const step = bucketMs(starts, intervalMs, from !== null && to !== null ? to - from : null);
  let lo = from ?? (starts.length ? starts[0] : Date.now() - step);
  let hi = to ?? (starts.length ? starts[starts.length - 1] + step : Date.now());
  if (hi <= lo) hi = lo + step;
  const plotWidth = WIDTH - GUTTER;
  const x = (t) => GUTTER + ((Math.min(Math.max(t, lo), hi) - lo) / (hi - lo)) * plotWidth;
  const height = SERIES.length * (ROW_HEIGHT + ROW_GAP) + AXIS_HEIGHT;

  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`, class: 'stats-chart', role: 'img',
    'aria-label': label || 'Sessions, tokens, cost and errors over time',
  }, svg('title', {}, label || 'Sessions, tokens, cost and errors over time'));

  SERIES.forEach((series, i) => {
    const top = i * (ROW_HEIGHT + ROW_GAP);
    const total = rows.reduce((sum, r) => sum + (series.value(r.bucket) || 0), 0);
    chart.append(
      svg('line', { class: 'baseline', x1: GUTTER, x2: WIDTH, y1: top + ROW_HEIGHT, y2: top + ROW_HEIGHT }),
      svg('text', { class: 'series-label', x: 0, y: top + ROW_HEIGHT / 2 - 2 }, series.label),
      svg('text', { class: 'series-total ' + series.name, x: 0, y: top + ROW_HEIGHT / 2 + 14 },
        series.format(total)));
  });

  const maxima = SERIES.map((s) => Math.max(0, ...rows.map((r) => s.value(r.bucket) || 0)));
  for (const { bucket, start } of rows) {
    const x0 = x(start);
    const x1 = x(start + step);
    const width = Math.max(1, x1 - x0 - (x1 - x0 > 4 ? 1 : 0));
    const summary = fmtTime(bucket.start) + ': ' + SERIES.map((s) => s.format(s.value(bucket)) + ' '
      + s.label.toLowerCase()).join(', ');
    const group = svg('g', { class: 'bucket', 'data-start': bucket.start }, svg('title', {}, summary),
      svg('rect', { class: 'hit', x: x0, y: 0, width, height: height - AXIS_HEIGHT }));
    SERIES.forEach((series, i) => {
      const value = series.value(bucket) || 0;
      const barHeight = maxima[i] > 0 ? Math.max(value > 0 ? 1 : 0, (value / maxima[i]) * (ROW_HEIGHT - 4)) : 0;
      const bottom = i * (ROW_HEIGHT + ROW_GAP) + ROW_HEIGHT;
      group.append(svg('rect', { class: 'bar ' + series.name, x: x0, y: bottom - barHeight, width,
        height: barHeight }));
    });
    if (onSelect) {
      group.addEventListener('click', () => onSelect(start, start + step));
    }
    chart.append(group);
  }

  const axisY = height - 4;
  chart.append(
    svg('text', { class: 'axis', x: GUTTER, y: axisY }, fmtTime(new Date(lo).toISOString())),
    svg('text', { class: 'axis end', x: WIDTH, y: axisY, 'text-anchor': 'end' }, fmtTime(new Date(hi).toISOString())));
  if (rows.length === 0) {
    chart.append(svg('text', { class: 'empty', x: GUTTER + plotWidth / 2, y: (height - AXIS_HEIGHT) / 2,
      'text-anchor': 'middle' }, 'No activity in this range'));
  }
  return chart;
}

const CONTEXT_HEIGHT = 56;

/**
 * The session's context-window trajectory: one bar per turn of `points` ({context, label}, in turn order), as high as
 * the prompt tokens of the turn's last LLM call; a turn without one leaves a gap. `onSelect(index)` is called when a
 * bar is clicked.
 */
export function contextChart(points, { onSelect = null } = {}) {
  const plotWidth = WIDTH - GUTTER;
  const height = CONTEXT_HEIGHT + AXIS_HEIGHT;
  const max = Math.max(0, ...points.map((p) => p.context ?? 0));
  const slot = plotWidth / Math.max(points.length, 1);
  const label = 'Context window per turn: prompt tokens of its last LLM call';
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${height}`, class: 'stats-chart context-chart', role: 'img',
    'aria-label': label }, svg('title', {}, label),
  svg('line', { class: 'baseline', x1: GUTTER, x2: WIDTH, y1: CONTEXT_HEIGHT, y2: CONTEXT_HEIGHT }),
  svg('text', { class: 'series-label', x: 0, y: CONTEXT_HEIGHT / 2 - 2 }, 'Context'),
  svg('text', { class: 'series-total context', x: 0, y: CONTEXT_HEIGHT / 2 + 14 }, 'max ' + fmtInt(max)));
  points.forEach((point, i) => {
    const x0 = GUTTER + i * slot;
    const width = Math.max(1, Math.min(slot - (slot > 4 ? 2 : 0), 48));
    const value = point.context;
    const summary = point.label + ': ' + (value === null ? 'no LLM call' : fmtInt(value) + ' context tokens');
    const barHeight = value && max > 0 ? Math.max(1, (value / max) * (CONTEXT_HEIGHT - 4)) : 0;
    const group = svg('g', { class: 'bucket context-turn', 'data-index': i }, svg('title', {}, summary),
      svg('rect', { class: 'hit', x: x0, y: 0, width: slot, height: CONTEXT_HEIGHT }));
    if (value !== null) {
      group.append(svg('rect', { class: 'bar context', x: x0 + (slot - width) / 2, y: CONTEXT_HEIGHT - barHeight,
        width, height: barHeight }));
    }
    if (onSelect) group.addEventListener('click', () => onSelect(i));
    chart.append(group);
  });
  const axisY = height - 4;
  if (points.length) {
    chart.append(
      svg('text', { class: 'axis', x: GUTTER, y: axisY }, points[0].label),
      svg('text', { class: 'axis end', x: WIDTH, y: axisY, 'text-anchor': 'end' }, points[points.length - 1].label));
  }
  return chart;
}
