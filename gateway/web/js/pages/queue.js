/**
 * Approver queue: items waiting for my decision, oldest first. Selecting one shows its PDF
 * beside its history with approve / return-with-comment; several can be approved at once.
 */
import { h, mount, emptyState, fmtDateTime, alertBox, busy, stateBadge } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { historyView, pdfPreview } from '../core/history.js';
import { decisionForm, facts, waitsFor } from './submission.js';
import { namesOf } from '../core/names.js';
import { remember } from '../core/worklist.js';
import * as svc from '../services.js';

export default {
  title: 'queue.title',
  roles: ['to_truong', 'to_pho', 'pho_hieu_truong', 'hieu_truong'],
  async render(el, ctx, user, notice) {
    const list = (await svc.queue()).sort((a, b) => new Date(a.waiting_since || a.submitted_at) - new Date(b.waiting_since || b.submitted_at));
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
    bulk.addEventListener('click', () => busy(bulk, async () => {
      const ids = [...checks.entries()].filter(([, c]) => c.checked).map(([id]) => id);
      try {
        const { results } = await svc.bulkApprove(ids);
        const failed = results.filter((r) => !r.ok);
        await rerender(failed.length
          ? alertBox('error', t('queue.bulkPartial', { ok: ids.length - failed.length, n: ids.length }), failed.map((f) => f.detail).join('; '))
          : alertBox('ok', t('queue.bulkDone', { n: ids.length })));
      } catch (err) { await rerender(alertBox('error', err.title, err.detail)); }
    }));

    const selectAll = h('input', { type: 'checkbox', id: 'q-all', onchange: (ev) => { for (const c of checks.values()) c.checked = ev.target.checked; refreshBulk(); } });
    const nameOf = (s) => s.book_name || s.book_type;
    const rows = list.map((s) => {
      const box = h('input', { type: 'checkbox', id: `q-${s.id}`, onchange: refreshBulk, 'aria-label': t('queue.pick', { title: `${nameOf(s)} — ${names.get(s.submitter) || s.submitter}` }) });
      checks.set(s.id, box);
      return h('li', {},
        box,
        h('div', { class: 'grow' },
          h('a', { class: 'title', href: `/duyet?chon=${encodeURIComponent(s.id)}`, 'aria-current': selected && s.id === selected.id ? 'true' : null }, nameOf(s)),
          h('span', { class: 'meta' }, [names.get(s.submitter) || s.submitter, svc.periodLabel(s.period_key)].filter(Boolean).join(' · ')),
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
          h('ul', { class: 'list' }, rows)),
        detail)
        : h('section', { class: 'card' }, emptyState(t('queue.empty'), t('queue.emptyText'))));

    for (const s of list) remember(user, s);
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
