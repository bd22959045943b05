/**
 * Sign a batch and show its progress: the signing service signs in the background and reports
 * each document's outcome; we poll until it finishes and list every failure with its reason
 * (one failure never stops the rest).
 */
import { h, mount, alertBox } from './dom.js';
import { t } from './i18n.js';
import { progressBar } from './dropzone.js';
import * as svc from '../services.js';

const FINISHED = new Set(['done', 'failed']);

/** Run the batch, drawing progress into `out`; resolves with the final batch view. */
export async function runBatch(out, { submissionIds, credentialId, pin }, names = new Map()) {
  const prog = progressBar(t('signing.progress'));
  const report = h('div');
  mount(out, prog.el, report);
  let b = await svc.startBatch({ submissionIds, credentialId, pin });
  for (;;) {
    prog.update(b.done || 0, b.total || submissionIds.length);
    if (FINISHED.has(b.state)) break;
    if (b.remote_transaction_id) mount(report, alertBox('info', t('signing.confirmOnPhone')));
    await new Promise((r) => setTimeout(r, 400));
    b = await svc.batch(b.id);
  }
  const failed = (b.items || []).filter((i) => i.status === 'failed');
  const codes = (b.items || []).filter((i) => i.status === 'signed' && i.code);
  prog.done(t('signing.finished', { ok: b.signed ?? (b.total - failed.length), n: b.total }));
  mount(report,
    b.state === 'failed' && b.reason ? alertBox('error', t('signing.batchFailed'), b.reason) : null,
    failed.length
      ? [alertBox('error', t('signing.someFailed', { n: failed.length })),
        h('ul', { class: 'failures' }, failed.map((f) => h('li', {}, `${names.get(f.submission_id) || f.submission_id}: ${f.reason || ''}`)))]
      : (b.state !== 'failed' ? alertBox('ok', t('signing.allSigned', { n: b.signed ?? b.total })) : null),
    codes.length ? h('ul', { class: 'codes' }, codes.map((i) => h('li', {},
      `${names.get(i.submission_id) || i.submission_id}: `, h('a', { href: `/tra-cuu/${encodeURIComponent(i.code)}` }, t('signing.code', { code: i.code }))))) : null);
  return b;
}
