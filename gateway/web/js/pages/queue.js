/**
 * Approver queue: items waiting for my decision, oldest first. Selecting one shows its PDF
 * beside its history with approve / return-with-comment; several can be approved at once.
 */
import { h, mount, emptyState, fmtDateTime, errorAlert, alertBox, busy, stateBadge } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { historyView, pdfPreview } from '../core/history.js';
import { decisionForm } from './submission.js';
import * as svc from '../services.js';

export default {
  title: 'queue.title',
  roles: ['to_truong', 'to_pho', 'pho_hieu_truong', 'hieu_truong'],
  async render(el, ctx, user) {
    const list = (await svc.queue()).sort((a, b) => new Date(a.submitted_at) - new Date(b.submitted_at));
    const selectedId = ctx.query.get('chon') || (list[0] && list[0].id);
    const detail = h('div', { id: 'queue-detail' });
    const out = h('div', { 'aria-live': 'polite' });
    const reload = () => this.render(el, ctx, user);
    const checks = new Map();
    const bulk = h('button', { type: 'button', class: 'btn', disabled: true }, t('queue.bulkApprove', { n: 0 }));
    const refreshBulk = () => {
      const n = [...checks.values()].filter((c) => c.checked).length;
      bulk.textContent = t('queue.bulkApprove', { n });
      bulk.disabled = n === 0;
    };
    bulk.addEventListener('click', () => busy(bulk, async () => {
      const ids = [...checks.entries()].filter(([, c]) => c.checked).map(([id]) => id);
      const failures = [];
      for (const id of ids) {
        try { await svc.decide(id, 'approve', null); } catch (err) { failures.push(`${id}: ${err.title}${err.detail ? ` — ${err.detail}` : ''}`); }
      }
      await this.render(el, ctx, user);
      const note = failures.length
        ? alertBox('error', t('queue.bulkPartial', { ok: ids.length - failures.length, n: ids.length }), failures.join('; '))
        : alertBox('ok', t('queue.bulkDone', { n: ids.length }));
      el.querySelector('#queue-out')?.replaceChildren(note);
    }));

    const selectAll = h('input', { type: 'checkbox', id: 'q-all', onchange: (ev) => { for (const c of checks.values()) c.checked = ev.target.checked; refreshBulk(); } });
    const rows = list.map((s) => {
      const box = h('input', { type: 'checkbox', id: `q-${s.id}`, onchange: refreshBulk, 'aria-label': t('queue.pick', { title: s.title || s.book_name }) });
      checks.set(s.id, box);
      return h('li', {},
        box,
        h('div', { class: 'grow' },
          h('a', { class: 'title', href: `/duyet?chon=${encodeURIComponent(s.id)}`, 'aria-current': s.id === selectedId ? 'true' : null }, s.title || s.book_name || s.book_type),
          h('span', { class: 'meta' }, [s.submitter_name, s.period_label || s.period].filter(Boolean).join(' · ')),
          h('div', { class: 'meta' }, t('queue.waitingSince', { time: fmtDateTime(s.submitted_at) }))),
        s.on_time === false ? h('span', { class: 'badge bad' }, t('state.late')) : null,
        stateBadge(s.state || 'in_review'));
    });

    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('queue.title')), h('p', {}, t('queue.intro', { n: list.length })))),
      h('div', { id: 'queue-out' }), out,
      list.length ? h('div', { class: 'split' },
        h('section', { class: 'card', 'aria-labelledby': 'q-list' },
          h('h2', { id: 'q-list' }, t('queue.waiting')),
          h('div', { class: 'row' }, h('label', { class: 'checkbox', for: 'q-all' }, selectAll, t('queue.selectAll')), bulk),
          h('ul', { class: 'list' }, rows)),
        detail)
        : h('section', { class: 'card' }, emptyState(t('queue.empty'), t('queue.emptyText'))));

    if (selectedId && list.some((s) => s.id === selectedId)) {
      try {
        const sub = await svc.submission(selectedId);
        mount(detail,
          h('section', { class: 'card', 'aria-labelledby': 'q-doc' },
            h('h2', { id: 'q-doc' }, sub.title || sub.book_name),
            h('p', { class: 'meta' }, [sub.submitter_name, sub.period_label || sub.period].filter(Boolean).join(' · ')),
            pdfPreview(sub.version_id, sub.title || sub.book_name)),
          decisionForm({ ...sub, id: selectedId }, () => { history.replaceState({}, '', '/duyet'); ctx.query.delete('chon'); reload(); }),
          h('section', { class: 'card', 'aria-labelledby': 'q-hist' }, h('h2', { id: 'q-hist' }, t('submission.history')), historyView(sub.history || sub.events)));
      } catch (err) { mount(detail, errorAlert(err)); }
    }
  },
};
