/**
 * The signed copy of a submission in hand: the PDF with its stamps and QR code, its lookup code,
 * who signed and when, and buttons to download and print it. Signing names the latest signed
 * version; the bytes come from documents like any other version.
 */
import { h, mount, alertBox } from './dom.js';
import { t, roleName } from './i18n.js';
import * as svc from '../services.js';

/** The signed copy of `sub`, or null when nothing is signed yet (a 404 from signing). */
export async function signedCopyOf(sub) {
  const signedSteps = ((sub.signing && sub.signing.steps) || []).filter((s) => s.signed_by);
  if (!signedSteps.length) return null;
  try { return await svc.signedCopy(sub.id); } catch (err) { if (err.status === 404) return null; throw err; }
}

/** A file name people recognise: book, submitter, period; ASCII-safe characters only where needed. */
export function signedFileName(sub, names) {
  const who = names.get(sub.submitter) || '';
  return `${[sub.book_name, who, sub.period_label].filter(Boolean).join(' — ')} (đã ký).pdf`.replace(/[\\/:*?"<>|]/g, '-');
}

/** Download the signed PDF now (a click on a link with `download`, as a person saving a file). */
export async function downloadSigned(copy, fileName) {
  const href = await svc.versionPdfUrl(copy.version_id);
  const a = h('a', { href, download: fileName, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
}

/** Open the signed PDF in a new tab, where the browser's viewer prints it. */
async function printSigned(copy) {
  const tab = window.open('', '_blank');
  const href = await svc.versionPdfUrl(copy.version_id);
  if (tab) tab.location.href = href; else window.location.assign(href);
}

/** The card "Bản đã ký số" for a submission page. */
export function signedCopyCard(sub, copy, names) {
  const download = h('button', { type: 'button', class: 'btn' }, t('signed.download'));
  const print = h('button', { type: 'button', class: 'btn secondary' }, t('signed.print'));
  const out = h('div', { 'aria-live': 'polite' });
  const guard = (fn) => async () => { try { await fn(); } catch (err) { mount(out, alertBox('error', err.title || t('error.generic'), err.detail)); } };
  download.addEventListener('click', guard(() => downloadSigned(copy, signedFileName(sub, names))));
  print.addEventListener('click', guard(() => printSigned(copy)));
  return h('section', { class: 'card', 'aria-labelledby': `signed-${sub.id}` },
    h('h2', { id: `signed-${sub.id}` }, t('signed.title')),
    copy.recalled ? alertBox('error', t('verify.recalled'), copy.recall_reason ? t('verify.recallReason', { reason: copy.recall_reason }) : null) : null,
    h('dl', { class: 'kv' },
      h('dt', {}, t('signed.code')), h('dd', {}, h('a', { href: `/tra-cuu/${encodeURIComponent(copy.code)}` }, copy.code)),
      h('dt', {}, t('signed.signatures')), h('dd', {}, h('ol', { class: 'signatures' }, copy.signatures.map((s) => h('li', {},
        `${s.organisation ? t('signed.seal') : (names.get(s.signer) || s.signer)} — ${roleName(s.role)}`,
        s.signed_at_text ? h('span', { class: 'meta' }, ` · ${s.signed_at_text}`) : null))))),
    out,
    h('div', { class: 'actions' }, download, print));
}
