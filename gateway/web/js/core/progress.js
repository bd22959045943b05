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

const BASIC = ['owed', 'on_time', 'late', 'missing', 'awaiting_approval'];
const DASHBOARD = [...BASIC, 'awaiting_signature', 'avg_approval_hours'];

/** avg_approval_hours is shown with one decimal (a dash when nothing was approved yet). */
function cellText(r, k) {
  if (k === 'avg_approval_hours') return r[k] === null || r[k] === undefined ? '–' : Number(r[k]).toLocaleString('vi-VN');
  return String(n(r[k]));
}

/** A table of figures; ``full`` adds awaiting signature and the average approval delay (dashboards). */
export function progressTable(rows, { caption, link, ranked = false, full = false } = {}) {
  const cols = full ? DASHBOARD : BASIC;
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('app.scrollTable') }, h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {},
      ranked ? h('th', { scope: 'col', class: 'num' }, t('progress.rank')) : null,
      h('th', { scope: 'col' }, t('progress.name')),
      cols.map((k) => h('th', { scope: 'col', class: 'num' }, t(`progress.col.${k}`))),
      h('th', { scope: 'col', class: 'num' }, t('progress.col.bad')))),
    h('tbody', {}, rows.map((r, i) => h('tr', {},
      ranked ? h('td', { class: 'num' }, String(i + 1)) : null,
      h('th', { scope: 'row' }, link ? h('a', { href: link(r) }, r.name || r.id) : (r.name || r.id)),
      cols.map((k) => h('td', { class: 'num' }, cellText(r, k))),
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

/**
 * The school year's trend: one stacked column per month (on time, awaiting approval, late, missing),
 * scaled to the month with most owed; inline SVG that shrinks with the screen, summed up in words.
 */
export function trendChart(trend, title) {
  const W = 600, H = 180, bw = W / Math.max(1, trend.length);
  const max = Math.max(1, ...trend.map((m) => Math.max(n(m.owed), PARTS.reduce((acc, [k]) => acc + n(m[k]), 0))));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H + 22}`, class: 'trend', width: '100%', role: 'img', 'aria-label': title });
  trend.forEach((m, i) => {
    const x = i * bw + 4;
    svg.append(s('rect', { x, y: H - (H * n(m.owed)) / max, width: bw - 8, height: (H * n(m.owed)) / max, fill: '#e6eaf0' }));
    let y = H;
    for (const [k, colour] of PARTS) {
      const hgt = (H * n(m[k])) / max;
      if (hgt > 0) { y -= hgt; svg.append(s('rect', { x, y, width: bw - 8, height: hgt, fill: colour })); }
    }
    const label = s('text', { x: i * bw + bw / 2, y: H + 16, 'text-anchor': 'middle', 'font-size': 12, fill: '#333' });
    label.textContent = `${Number(m.period.slice(5))}/${m.period.slice(2, 4)}`;
    svg.append(label);
  });
  const words = trend.filter((m) => n(m.owed)).map((m) => t('dashboard.monthWords', {
    month: `${Number(m.period.slice(5))}/${m.period.slice(0, 4)}`, owed: n(m.owed), on_time: n(m.on_time), late: n(m.late), missing: n(m.missing) }));
  return h('figure', { class: 'chart' }, h('figcaption', { class: 'chart-title' }, title), svg,
    h('p', { class: 'visually-hidden' }, words.join('; ')),
    h('p', { class: 'legend', 'aria-hidden': 'true' }, PARTS.map(([k]) => h('span', { class: `sw-${k}` }, t(`progress.col.${k}`))),
      h('span', { class: 'sw-rest' }, t('progress.col.rest'))));
}
