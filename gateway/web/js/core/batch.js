/**
 * Sign a batch and show its progress: the signing service signs in the background and reports
 * each document's outcome; we poll until it finishes and list every failure with its reason
 * (one failure never stops the rest). A USB-token batch waits for the signing agent: while it
 * waits, the job id, a one-time pairing code and the command to run are shown (a new code on
 * request), and the progress goes on once the agent has posted the signatures.
 */
import { h, mount, alertBox, errorAlert, busy, fmtDateTime } from './dom.js';
import { t } from './i18n.js';
import { progressBar } from './dropzone.js';
import * as svc from '../services.js';

const FINISHED = new Set(['done', 'failed']);

/** What the person at a USB token needs: the job id, a one-time pairing code, the agent's command line. */
function agentPanel(jobId) {
  const codeBox = h('div', { 'aria-live': 'polite' });
  const again = h('button', { type: 'button', class: 'btn secondary small' }, t('agent.newCode'));
  const show = async () => {
    try {
      const p = await svc.pairingCode(jobId);
      const command = `python -m services.signing.agent --module <${t('agent.module')}> sign --server ${location.origin} --job ${p.job_id} --pair ${p.code}`;
      mount(codeBox,
        h('dl', { class: 'agent-facts' },
          h('dt', {}, t('agent.job')), h('dd', {}, h('code', { class: 'agent-job' }, p.job_id)),
          h('dt', {}, t('agent.code')), h('dd', {}, h('code', { class: 'pairing-code' }, p.code)),
          h('dt', {}, t('agent.until')), h('dd', {}, t('agent.untilText', { time: fmtDateTime(p.expires_at), n: p.tries }))),
        h('p', {}, t('agent.run')),
        h('pre', { class: 'agent-command' }, h('code', {}, command)));
    } catch (err) { mount(codeBox, errorAlert(err)); }
  };
  again.addEventListener('click', () => busy(again, show));
  show();
  return h('section', { class: 'agent-panel', 'aria-labelledby': `agent-${jobId}` },
    h('h3', { id: `agent-${jobId}` }, t('agent.title')), h('p', {}, t('agent.intro')), codeBox,
    h('div', { class: 'actions' }, again));
}

/** Run the batch, drawing progress into `out`; resolves with the final batch view. */
export async function runBatch(out, { submissionIds, credentialId, pin }, names = new Map()) {
  const prog = progressBar(t('signing.progress'));
  const report = h('div');
  mount(out, prog.el, report);
  let b = await svc.startBatch({ submissionIds, credentialId, pin });
  let agentShown = false;
  for (;;) {
    prog.update(b.done || 0, b.total || submissionIds.length);
    prog.el.querySelector('.progress-label').textContent = t('agent.documents', { done: b.done || 0, n: b.total || submissionIds.length });
    if (FINISHED.has(b.state)) { if (!b.items) b = await svc.batch(b.id); break; }
    if (b.remote_transaction_id) mount(report, alertBox('info', t('signing.confirmOnPhone')));
    if (b.external_job_id && b.state === 'waiting' && !agentShown) { agentShown = true; mount(report, agentPanel(b.external_job_id)); }
    if (agentShown && b.state !== 'waiting') mount(report, alertBox('info', t('agent.received')));
    await new Promise((r) => setTimeout(r, agentShown ? 1000 : 400));
    b = await svc.batchProgress(b.id);
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
