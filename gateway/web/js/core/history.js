/**
 * A submission's history as a timeline, and its PDF preview fetched with the bearer token.
 * An office file's PDF is made by documents' converter after the upload: until it exists the
 * preview says so and asks documents again, less and less often, while the page is shown.
 */
import { h, mount, fmtDateTime, alertBox } from './dom.js';
import { t, roleName } from './i18n.js';
import * as svc from '../services.js';
import { renderPdf } from './pdfview.js';

/** How the preview waits for a conversion: first ask after 1 s, then 1.6× longer each time, at most 15 s apart, 14 asks (about 2 min 40 s). */
const CONVERSION_POLL = { firstMs: 1000, factor: 1.6, maxMs: 15000, tries: 14 };

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

const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/**
 * Wait until documents has made the PDF of `versionId`: its version's `rendition_status` is read
 * with a growing pause while `box` is still on the page (leaving the page ends the wait).
 * Resolves with 'ready', 'failed' (with the converter's reason), 'left' or 'gave-up'.
 */
async function conversionOf(versionId, box) {
  let wait = CONVERSION_POLL.firstMs;
  for (let n = 0; n < CONVERSION_POLL.tries; n += 1) {
    await pause(wait);
    if (!box.isConnected) return { outcome: 'left' };
    wait = Math.min(wait * CONVERSION_POLL.factor, CONVERSION_POLL.maxMs);
    let version;
    try { version = await svc.version(versionId); } catch { continue; } // a dropped connection: ask again later
    if (!box.isConnected) return { outcome: 'left' };
    if (version.rendition_status === 'ready' || !version.rendition_status) return { outcome: 'ready' };
    if (version.rendition_status === 'failed') return { outcome: 'failed', reason: version.rendition_error };
  }
  return { outcome: 'gave-up' };
}

async function showPdf(box, versionId, title) {
  const blob = await svc.versionPdf(versionId);
  const src = URL.createObjectURL(blob);
  // a region of its own that scrolls: focusable, so the keyboard scrolls it too
  const pages = h('div', { class: 'pdf-view', role: 'region', tabindex: '0', 'aria-label': t('history.pdfTitle', { title: title || '' }) },
    h('p', { class: 'loading', role: 'status' }, t('history.drawing')));
  mount(box, pages, h('p', { class: 'pdf-download' }, h('a', { class: 'btn secondary', href: src, download: `${title || 'tai-lieu'}.pdf` }, t('history.download'))));
  try { await renderPdf(pages, blob, title); } catch { mount(pages, alertBox('warn', t('history.cannotDraw'))); }
}

async function load(box, versionId, title) {
  try {
    await showPdf(box, versionId, title);
  } catch (err) {
    if (err.code !== 'rendition-not-ready') {
      mount(box, alertBox(err.status === 409 ? 'warn' : 'info', err.title || t('history.noPdf'), err.detail));
      return;
    }
    mount(box, h('p', { class: 'loading converting', role: 'status' }, t('history.converting')));
    const { outcome, reason } = await conversionOf(versionId, box);
    if (outcome === 'ready') { await load(box, versionId, title); return; }
    if (outcome === 'failed') { mount(box, alertBox('warn', t('history.convertFailed'), reason || null)); return; }
    if (outcome === 'gave-up') {
      const again = h('button', { type: 'button', class: 'btn secondary' }, t('history.convertRetry'));
      again.addEventListener('click', () => { mount(box, h('p', { class: 'loading', role: 'status' }, t('history.loadingPdf'))); load(box, versionId, title); });
      mount(box, alertBox('info', t('history.convertSlow')), again);
    }
  }
}

export function pdfPreview(versionId, title) {
  const box = h('div', { class: 'pdf-box' }, h('p', { class: 'loading', role: 'status' }, t('history.loadingPdf')));
  if (!versionId) { mount(box, alertBox('info', t('history.noPdf'))); return box; }
  load(box, versionId, title);
  return box;
}
