/**
 * Progress figures (owed / on time / late / missing / awaiting approval): a ranking worst first,
 * an accessible table and a stacked-bar chart drawn as inline SVG (no chart library).
 */
import { h } from './dom.js';
import { t } from './i18n.js';

export const PARTS = [
  ['on_time', '#13653a'],
  ['awaiting_approval', '#0b5cad'],
  ['late', '#b45f06'],
  ['missing', '#b3261e'],
];

const n = (v) => Number(v || 0);

/** Share of what is owed that is late or missing: the "worse" a school does, the higher. */
export function badness(r) {
  const owed = n(r.owed);
  return owed ? (n(r.late) + n(r.missing)) / owed : 0;
}

export function rankWorstFirst(rows) {
  return [...rows].sort((a, b) => badness(b) - badness(a) || n(b.missing) - n(a.missing) || String(a.name).localeCompare(String(b.name), 'vi'));
}

export function progressTable(rows, { caption, link, ranked = false } = {}) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('app.scrollTable') }, h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {},
      ranked ? h('th', { scope: 'col', class: 'num' }, t('progress.rank')) : null,
      h('th', { scope: 'col' }, t('progress.name')),
      ['owed', 'on_time', 'late', 'missing', 'awaiting_approval'].map((k) => h('th', { scope: 'col', class: 'num' }, t(`progress.col.${k}`))),
      h('th', { scope: 'col', class: 'num' }, t('progress.col.bad')))),
    h('tbody', {}, rows.map((r, i) => h('tr', {},
      ranked ? h('td', { class: 'num' }, String(i + 1)) : null,
      h('th', { scope: 'row' }, link ? h('a', { href: link(r) }, r.name || r.id) : (r.name || r.id)),
      ['owed', 'on_time', 'late', 'missing', 'awaiting_approval'].map((k) => h('td', { class: 'num' }, String(n(r[k])))),
      h('td', { class: 'num' }, `${Math.round(badness(r) * 100)}%`))))));
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** One stacked bar as inline SVG, stretched to its row's width; segments scaled to what is owed. */
function bar(r) {
  const owed = Math.max(n(r.owed), PARTS.reduce((acc, [k]) => acc + n(r[k]), 0), 1);
  const svg = s('svg', { viewBox: '0 0 1000 24', preserveAspectRatio: 'none', class: 'bar', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(s('rect', { x: 0, y: 0, width: 1000, height: 24, fill: '#e6eaf0' }));
  let x = 0;
  for (const [k, colour] of PARTS) {
    const w = (1000 * n(r[k])) / owed;
    if (w > 0) svg.append(s('rect', { x, y: 0, width: w, height: 24, fill: colour }));
    x += w;
  }
  return svg;
}

/**
 * Horizontal stacked bars, one row per school / tổ / teacher, with HTML labels so text stays
 * readable at any width. Each row also says its figures in words for screen readers.
 */
export function progressChart(rows, title) {
  return h('figure', { class: 'chart' },
    h('figcaption', { class: 'chart-title' }, title),
    h('ol', { class: 'bars' }, rows.map((r) => h('li', { class: 'bar-row' },
      h('span', { class: 'bar-label' }, r.name || r.id,
        h('span', { class: 'visually-hidden' }, `: ${PARTS.map(([k]) => `${t(`progress.col.${k}`)} ${n(r[k])}`).join(', ')}, ${t('progress.col.owed')} ${n(r.owed)}`)),
      bar(r)))),
    h('p', { class: 'legend', 'aria-hidden': 'true' }, PARTS.map(([k]) => h('span', { class: `sw-${k}` }, t(`progress.col.${k}`))),
      h('span', { class: 'sw-rest' }, t('progress.col.rest'))));
}
