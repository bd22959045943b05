/**
 * Approver queue: items waiting for my decision, oldest first. Selecting one shows its PDF
 * beside its history with approve / return-with-comment; several can be approved at once.
 * Below it, "Cần kiểm tra": items with a check step of mine (a PHT's kiểm tra), each with a
 * comment that does not block the approval and shows in the submission's history.
 */
import { h, mount, emptyState, fmtDateTime, alertBox, busy, stateBadge, field, errorAlert } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { historyView, pdfPreview } from '../core/history.js';
import { decisionForm, facts, waitsFor } from './submission.js';
import { namesOf, subjectOf } from '../core/names.js';
import { confirmSummary } from '../core/confirm.js';
import * as svc from '../services.js';

/** One item to check: what it is, whose, since when, and a comment form behind a disclosure. */
function checkItem(s, names, rerender) {
  const text = h('textarea', { name: 'comment', rows: '3', maxlength: '5000' });
  const out = h('div', { 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', class: 'btn' }, t('queue.sendComment'));
  const form = h('form', { class: 'submit-form' }, field(t('queue.checkComment'), text), out, h('div', { class: 'actions' }, send));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!text.value.trim()) { text.setAttribute('aria-invalid', 'true'); mount(out, alertBox('error', t('queue.needCheckComment'))); text.focus(); return; }
    busy(send, async () => {
      try {
        await svc.comment(s.id, text.value.trim());
        await rerender(alertBox('ok', t('queue.commented')));
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  const title = s.book_name;
  return h('li', { 'data-submission': s.id },
    h('div', { class: 'grow' },
      h('a', { class: 'title', href: `/bai-nop/${encodeURIComponent(s.id)}` }, title),
      h('span', { class: 'meta' }, [names.get(s.submitter) || s.submitter, s.period_label].filter(Boolean).join(' · ')),
      h('div', { class: 'meta' }, t('queue.waitingSince', { time: fmtDateTime(s.waiting_since || s.submitted_at) }))),
    stateBadge(s.state),
    h('details', { class: 'full' }, h('summary', {}, t('queue.checkComment')), form));
}

function checkSection(toCheck, names, rerender) {
  return h('section', { class: 'card', 'aria-labelledby': 'q-checks' },
    h('h2', { id: 'q-checks' }, `${t('queue.checks')} (${toCheck.length})`),
    h('p', {}, t('queue.checksIntro')),
    toCheck.length ? h('ul', { class: 'list' }, toCheck.map((s) => checkItem(s, names, rerender)))
      : emptyState(t('queue.checksEmpty'), t('queue.emptyText')));
}

export default {
  title: 'queue.title',
  roles: ['to_truong', 'to_pho', 'pho_hieu_truong', 'hieu_truong'],
  async render(el, ctx, user, notice) {
    const byAge = (a, b) => new Date(a.waiting_since || a.submitted_at) - new Date(b.waiting_since || b.submitted_at);
    const [list, toCheck] = await Promise.all([svc.queue(), svc.checkQueue()]);
    list.sort(byAge);
    toCheck.sort(byAge);
    const names = await namesOf(user.tenant, user);
    const chosen = ctx.query.get('chon');
    const selected = list.find((s) => s.id === chosen) || list[0] || null;
    const detail = h('div', { id: 'queue-detail' });
    const rerender = (msg) => { history.replaceState({}, '', '/duyet'); ctx.query.delete('chon'); return this.render(el, ctx, user, msg); };
    const checks = new Map();
    const bulk = h('button', { type: 'button', class: 'btn', disabled: true }, t('queue.bulkApprove', { n: 0 }));
    const refreshBulk = () => {
      const n = [...checks.values()].filter((c) => c.checked).length;
      bulk.textContent = t('queue.bulkApprove', { n });
      bulk.disabled = n === 0;
    };
    const bulkOut = h('div', { 'aria-live': 'polite' });
    bulk.addEventListener('click', async () => {
      const ids = [...checks.entries()].filter(([, c]) => c.checked).map(([id]) => id);
      const byId = new Map(list.map((s) => [s.id, s]));
      const ok = await confirmSummary(bulkOut, {
        title: t('queue.confirmTitle', { n: ids.length }),
        lines: ids.map((id) => `${subjectOf(byId.get(id))} — ${names.get(byId.get(id).submitter) || byId.get(id).submitter} — ${byId.get(id).period_label}`),
        confirmLabel: t('queue.confirmApprove', { n: ids.length }),
      });
      if (ok) await busy(bulk, () => approveAll(ids));
    });
    const approveAll = async (ids) => {
      try {
        const { results } = await svc.bulkApprove(ids);
        const failed = results.filter((r) => !r.ok);
        await rerender(failed.length
          ? alertBox('error', t('queue.bulkPartial', { ok: ids.length - failed.length, n: ids.length }), failed.map((f) => f.detail).join('; '))
          : alertBox('ok', t('queue.bulkDone', { n: ids.length })));
      } catch (err) { await rerender(alertBox('error', err.title, err.detail)); }
    };

    const selectAll = h('input', { type: 'checkbox', id: 'q-all', onchange: (ev) => { for (const c of checks.values()) c.checked = ev.target.checked; refreshBulk(); } });
    const nameOf = subjectOf;
    const rows = list.map((s) => {
      const box = h('input', { type: 'checkbox', id: `q-${s.id}`, onchange: refreshBulk, 'aria-label': t('queue.pick', { title: `${nameOf(s)} — ${names.get(s.submitter) || s.submitter}` }) });
      checks.set(s.id, box);
      return h('li', {},
        box,
        h('div', { class: 'grow' },
          h('a', { class: 'title', href: `/duyet?chon=${encodeURIComponent(s.id)}`, 'aria-current': selected && s.id === selected.id ? 'true' : null }, nameOf(s)),
          h('span', { class: 'meta' }, [names.get(s.submitter) || s.submitter, s.period_label].filter(Boolean).join(' · ')),
          h('div', { class: 'meta' }, t('queue.waitingSince', { time: fmtDateTime(s.waiting_since || s.submitted_at) }))),
        s.on_time === false ? h('span', { class: 'badge bad' }, t('state.late')) : null,
        stateBadge(s.state));
    });

    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('queue.title')), h('p', {}, t('queue.intro', { n: list.length })))),
      h('div', { id: 'queue-out', 'aria-live': 'polite' }, notice || null),
      list.length ? h('div', { class: 'split' },
        h('section', { class: 'card', 'aria-labelledby': 'q-list' },
          h('h2', { id: 'q-list' }, t('queue.waiting')),
          h('div', { class: 'row' }, h('label', { class: 'checkbox', for: 'q-all' }, selectAll, t('queue.selectAll')), bulk),
          bulkOut,
          h('ul', { class: 'list' }, rows)),
        detail)
        : h('section', { class: 'card' }, emptyState(t('queue.empty'), t('queue.emptyText'))),
      toCheck.length || user.roles.has('pho_hieu_truong') ? checkSection(toCheck, names, rerender) : null);

    if (selected) {
      const turn = waitsFor(selected, user) || { role: null };
      mount(detail,
        h('section', { class: 'card', 'aria-labelledby': 'q-doc' },
          h('h2', { id: 'q-doc' }, nameOf(selected)),
          pdfPreview(selected.current_version_id, nameOf(selected))),
        decisionForm(selected, turn, names, (d) => rerender(alertBox('ok', d === 'approve' ? t('queue.approvedOne') : t('queue.returnedOne')))),
        h('section', { class: 'card', 'aria-labelledby': 'q-hist' }, h('h2', { id: 'q-hist' }, t('submission.history')),
          facts(selected, names), historyView(selected.history, names)));
    }
  },
};
