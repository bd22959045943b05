/** A submission's history as a timeline, and its PDF preview fetched with the bearer token. */
import { h, mount, fmtDateTime, alertBox } from './dom.js';
import { t, roleName } from './i18n.js';
import * as svc from '../services.js';
import { renderPdf } from './pdfview.js';

export function historyView(events = [], names = new Map()) {
  if (!events.length) return h('p', { class: 'meta' }, t('history.empty'));
  const who = (id) => names.get(id) || id || '';
  return h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
    h('span', { class: 'when' }, fmtDateTime(e.at)),
    h('strong', {}, t(`history.action.${e.action}`, {}, e.action)),
    ' — ', who(e.by),
    e.on_behalf_of ? h('span', {}, ` ${t('history.onBehalf', { who: who(e.on_behalf_of), role: e.role ? `, ${roleName(e.role)}` : '' })}`) : null,
    e.comment ? h('div', { class: 'comment' }, e.comment) : null,
    e.reason ? h('div', { class: 'comment' }, e.reason) : null)));
}

export function pdfPreview(versionId, title) {
  const box = h('div', { class: 'pdf-box' }, h('p', { class: 'loading', role: 'status' }, t('history.loadingPdf')));
  if (!versionId) { mount(box, alertBox('info', t('history.noPdf'))); return box; }
  svc.versionPdf(versionId).then(async (blob) => {
    const src = URL.createObjectURL(blob);
    // a region of its own that scrolls: focusable, so the keyboard scrolls it too
    const pages = h('div', { class: 'pdf-view', role: 'region', tabindex: '0', 'aria-label': t('history.pdfTitle', { title: title || '' }) });
    mount(box, pages, h('p', {}, h('a', { class: 'btn secondary', href: src, download: `${title || 'tai-lieu'}.pdf` }, t('history.download'))));
    try { await renderPdf(pages, blob, title); } catch { mount(pages, alertBox('warn', t('history.cannotDraw'))); }
  }).catch((err) => mount(box, alertBox(err.status === 409 ? 'warn' : 'info', err.title || t('history.noPdf'), err.detail)));
  return box;
}
