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

export function progressTable(rows, { caption, link } = {}) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('progress.name')),
      ['owed', 'on_time', 'late', 'missing', 'awaiting_approval'].map((k) => h('th', { scope: 'col', class: 'num' }, t(`progress.col.${k}`))),
      h('th', { scope: 'col', class: 'num' }, t('progress.col.bad')))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, link ? h('a', { href: link(r) }, r.name || r.id) : (r.name || r.id)),
      ['owed', 'on_time', 'late', 'missing', 'awaiting_approval'].map((k) => h('td', { class: 'num' }, String(n(r[k])))),
      h('td', { class: 'num' }, `${Math.round(badness(r) * 100)}%`))))));
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** Horizontal stacked bars, one per row, scaled to what each row owes. */
export function progressChart(rows, title) {
  const width = 640;
  const labelW = 190;
  const barH = 22;
  const gap = 10;
  const height = rows.length * (barH + gap) + gap;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-t chart-d', preserveAspectRatio: 'xMinYMin meet' });
  const desc = rows.map((r) => `${r.name}: ${PARTS.map(([k]) => `${t(`progress.col.${k}`)} ${n(r[k])}`).join(', ')}`).join('; ');
  svg.append(s('title', { id: 'chart-t' }, title), s('desc', { id: 'chart-d' }, desc));
  rows.forEach((r, i) => {
    const y = gap + i * (barH + gap);
    const owed = Math.max(n(r.owed), PARTS.reduce((acc, [k]) => acc + n(r[k]), 0), 1);
    const name = String(r.name || r.id);
    svg.append(s('text', { x: 0, y: y + barH * 0.7, 'font-size': 13, fill: '#1b2430' }, name.length > 26 ? `${name.slice(0, 25)}…` : name));
    svg.append(s('rect', { x: labelW, y, width: width - labelW, height: barH, fill: '#e6eaf0' }));
    let x = labelW;
    for (const [k, colour] of PARTS) {
      const w = ((width - labelW) * n(r[k])) / owed;
      if (w > 0) svg.append(s('rect', { x, y, width: w, height: barH, fill: colour }));
      x += w;
    }
  });
  return h('figure', { class: 'chart' },
    svg,
    h('figcaption', { class: 'legend' }, PARTS.map(([k]) => h('span', { class: `sw-${k}` }, t(`progress.col.${k}`))),
      h('span', { class: 'sw-rest' }, t('progress.col.rest'))));
}
