/**
 * Run a signing batch and show its progress: the service signs in the background and reports
 * done / failed per document; we poll until it finishes and list each failure with its reason.
 */
import { h, mount, alertBox } from './dom.js';
import { t } from './i18n.js';
import { progressBar } from './dropzone.js';
import * as svc from '../services.js';

export async function runBatch(out, body) {
  const prog = progressBar(t('signing.progress'));
  const failures = h('div');
  mount(out, prog.el, failures);
  let b = await svc.startBatch(body);
  const total = b.total || (body.document_ids || body.submission_ids || []).length;
  for (;;) {
    const done = (b.done ?? b.succeeded ?? 0) + (b.failed_count ?? (b.failures ? b.failures.length : 0));
    prog.update(done, total);
    if (['done', 'finished', 'completed', 'failed'].includes(b.status || b.state) || done >= total) break;
    await new Promise((r) => setTimeout(r, 500));
    b = await svc.batch(b.id);
  }
  const fails = b.failures || (b.results || []).filter((r) => r.error);
  prog.done(t('signing.finished', { ok: total - fails.length, n: total }));
  if (fails.length) {
    mount(failures, alertBox('error', t('signing.someFailed', { n: fails.length })),
      h('ul', {}, fails.map((f) => h('li', {}, `${f.title || f.document_id || f.id}: ${f.error?.title || f.error || f.reason || ''}`))));
  } else {
    mount(failures, alertBox('ok', t('signing.allSigned', { n: total })));
  }
  return b;
}
