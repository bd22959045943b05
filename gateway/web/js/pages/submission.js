/**
 * One submission: its state, the PDF beside its history, and what I may do now
 * (approve / return with a comment when it is my turn; resubmit when it was returned to me).
 * A submission of another school is a 404 from the service, shown as the "not found" page.
 */
import { h, mount, stateBadge, fmtDateTime, field, errorAlert, alertBox, busy, toast } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { historyView, pdfPreview } from '../core/history.js';
import { submitForm } from '../core/submitfile.js';
import * as svc from '../services.js';

export function decisionForm(sub, onDone) {
  const comment = h('textarea', { name: 'comment', rows: '3' });
  const out = h('div', { 'aria-live': 'polite' });
  const approve = h('button', { type: 'button', class: 'btn' }, t('queue.approve'));
  const ret = h('button', { type: 'button', class: 'btn danger' }, t('queue.return'));
  const act = (decision, button) => busy(button, async () => {
    if (decision === 'return' && !comment.value.trim()) {
      comment.setAttribute('aria-invalid', 'true');
      mount(out, alertBox('error', t('queue.needComment')));
      comment.focus();
      return;
    }
    try {
      await svc.decide(sub.id, decision, comment.value.trim());
      toast(decision === 'approve' ? t('queue.approvedOne') : t('queue.returnedOne'));
      if (onDone) onDone();
    } catch (err) { mount(out, errorAlert(err)); }
  });
  approve.addEventListener('click', () => act('approve', approve));
  ret.addEventListener('click', () => act('return', ret));
  return h('div', { class: 'card' },
    h('h2', {}, t('queue.decide')),
    sub.acting_for ? alertBox('info', t('queue.actingFor', { who: sub.acting_for })) : null,
    field(t('queue.comment'), comment, t('queue.commentHint')), out,
    h('div', { class: 'actions' }, approve, ret));
}

export default {
  title: 'submission.title',
  async render(el, ctx, user) {
    const sub = await svc.submission(ctx.params.id);
    const state = sub.state || sub.status;
    const reload = () => this.render(el, ctx, user);
    const mine = sub.submitter === user.sub || sub.owner === user.sub;
    mount(el,
      h('div', { class: 'page-head' }, h('div', {},
        h('h1', {}, sub.title || sub.book_name || t('submission.title')),
        h('p', {}, [sub.submitter_name, sub.period_label || sub.period, sub.unit_name].filter(Boolean).join(' · '))),
      stateBadge(state)),
      state === 'returned' && sub.return_comment ? alertBox('warn', t('submission.returnedBecause'), sub.return_comment) : null,
      h('div', { class: 'split' },
        h('section', { class: 'card', 'aria-label': t('submission.document') }, pdfPreview(sub.version_id, sub.title || sub.book_name)),
        h('div', {},
          sub.can_decide ? decisionForm(sub, reload) : null,
          mine && state === 'returned' ? h('div', { class: 'card' }, h('h2', {}, t('mywork.resubmit')),
            submitForm({ obligation: { id: sub.obligation_id, book_type: sub.book_type, period: sub.period, unit: sub.unit }, submissionId: sub.id, onDone: reload })) : null,
          h('section', { class: 'card', 'aria-labelledby': 'hist' },
            h('h2', { id: 'hist' }, t('submission.history')),
            h('dl', { class: 'kv' },
              h('dt', {}, t('submission.submittedAt')), h('dd', {}, fmtDateTime(sub.submitted_at)),
              h('dt', {}, t('submission.dueAt')), h('dd', {}, fmtDateTime(sub.due_at)),
              h('dt', {}, t('submission.timeliness')), h('dd', {}, sub.on_time === false ? t('state.late') : sub.on_time ? t('state.on_time') : '—')),
            historyView(sub.history || sub.events)))));
  },
};
