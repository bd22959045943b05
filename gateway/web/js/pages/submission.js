/**
 * One submission: its state, the PDF beside its history, and what I may do now
 * (approve / return with a comment when it waits for me, or open it in the document-first review
 * screen with the rest of my queue; resubmit when it was returned to me).
 * Once anything is signed the PDF shown is the signed copy, with its code and a download and print.
 * A submission of another school is a 404 from the service, shown as the "not found" page.
 */
import { h, mount, stateBadge, fmtDateTime, field, errorAlert, alertBox, busy, toast } from '../core/dom.js';
import { t, roleName } from '../core/i18n.js';
import { historyView, pdfPreview } from '../core/history.js';
import { submitForm } from '../core/submitfile.js';
import { returnComment } from './mywork.js';
import { namesOf, subjectOf } from '../core/names.js';
import { signPanel } from '../core/signpanel.js';
import { signedCopyOf, signedCopyCard } from '../core/signedcopy.js';
import * as svc from '../services.js';

const WAITING = new Set(['submitted', 'in_review']);

/** Whether the signed-in user may decide now (holds, or acts for, a role the submission waits for). */
export function waitsFor(sub, user) {
  if (!WAITING.has(sub.state) || sub.submitter === user.sub) return null;
  for (const w of sub.waiting_for || []) {
    const unitOk = (unit) => !w.unit || !unit || unit === w.unit;
    if (user.claims.roles?.includes(w.role) && !w.unit) return { role: w.role };
    if (user.unitRoles.some(([r, u]) => r === w.role && unitOk(u))) return { role: w.role };
    const d = user.act.find((a) => a.role === w.role && unitOk(a.unit));
    if (d) return { role: w.role, onBehalfOf: d.on_behalf_of };
  }
  return null;
}

export function decisionForm(sub, turn, names, onDone) {
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
      if (onDone) onDone(decision);
    } catch (err) { mount(out, errorAlert(err)); }
  });
  approve.addEventListener('click', () => act('approve', approve));
  ret.addEventListener('click', () => act('return', ret));
  return h('section', { class: 'card', 'aria-labelledby': `decide-${sub.id}` },
    h('h2', { id: `decide-${sub.id}` }, t('queue.decide')),
    turn && turn.onBehalfOf ? alertBox('info', t('queue.actingFor', { who: names.get(turn.onBehalfOf) || turn.onBehalfOf, role: roleName(turn.role) })) : null,
    sub.approval_notice ? alertBox('warn', sub.approval_notice) : null,
    field(t('queue.comment'), comment, t('queue.commentHint')), out,
    h('div', { class: 'actions' }, approve, ret,
      h('a', { class: 'btn secondary', href: `/duyet?chon=${encodeURIComponent(sub.id)}` }, t('review.openInQueue'))));
}

export function facts(sub, names) {
  return h('dl', { class: 'kv' },
    h('dt', {}, t('submission.submitter')), h('dd', {}, names.get(sub.submitter) || sub.submitter || '—'),
    h('dt', {}, t('submission.period')), h('dd', {}, sub.period_label || '—'),
    h('dt', {}, t('submission.submittedAt')), h('dd', {}, fmtDateTime(sub.submitted_at)),
    h('dt', {}, t('submission.dueAt')), h('dd', {}, fmtDateTime(sub.due_at)),
    h('dt', {}, t('submission.timeliness')), h('dd', {}, sub.on_time === false ? t('state.late') : sub.on_time ? t('state.on_time') : '—'),
    (sub.waiting_for || []).length && WAITING.has(sub.state)
      ? [h('dt', {}, t('submission.waitingFor')), h('dd', {}, sub.waiting_for.map((w) => roleName(w.role)).join(', '))] : null);
}

export default {
  title: 'submission.title',
  async render(el, ctx, user) {
    const sub = await svc.submission(ctx.params.id);
    const names = await namesOf(sub.tenant, user);
    const reload = () => this.render(el, ctx, user);
    const mine = sub.submitter === user.sub;
    const turn = waitsFor(sub, user);
    const why = sub.state === 'returned' ? returnComment(sub) : null;
    const signing = await signPanel(sub, user, names, reload);
    const copy = await signedCopyOf(sub);
    mount(el,
      h('div', { class: 'page-head' }, h('div', {},
        h('h1', {}, subjectOf(sub)),
        h('p', {}, [names.get(sub.submitter) || sub.submitter, sub.period_label].filter(Boolean).join(' · '))),
      stateBadge(sub.state)),
      why ? alertBox('warn', t('submission.returnedBecause'), why) : null,
      sub.recall_reason ? alertBox('error', t('verify.recalled'), t('verify.recallReason', { reason: sub.recall_reason })) : null,
      h('div', { class: 'split' },
        h('section', { class: 'card', 'aria-label': t('submission.document') },
          pdfPreview(copy ? copy.version_id : (sub.approved_version_id || sub.current_version_id), sub.book_name)),
        h('div', {},
          copy ? signedCopyCard(sub, copy, names) : null,
          turn ? decisionForm(sub, turn, names, reload) : null,
          signing,
          mine && sub.state === 'returned' ? h('section', { class: 'card', 'aria-labelledby': 'resub' }, h('h2', { id: 'resub' }, t('mywork.resubmit')),
            submitForm({ obligation: { id: sub.obligation_id, book_type: sub.book_type, period_key: sub.period_key }, returned: sub, onDone: reload })) : null,
          h('section', { class: 'card', 'aria-labelledby': 'hist' },
            h('h2', { id: 'hist' }, t('submission.history')),
            facts(sub, names),
            historyView(sub.history, names)))));
  },
};
