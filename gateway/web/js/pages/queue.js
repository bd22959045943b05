/**
 * Approver queue, document first: items waiting for my decision, oldest first, in a narrow list
 * beside the document drawn wide (on a phone the document takes the screen and the list opens
 * over it), with the review bar (Duyệt / Trả lại / Góp ý / Tiếp) always at the bottom. Choosing an
 * item, or deciding one (which moves on to the next by itself), redraws only the document side:
 * the list keeps where it was scrolled. Several can be approved at once after a summary.
 * With the list, "Cần kiểm tra": items with a check step of mine (a PHT's kiểm tra), each with a
 * comment that does not block the approval and shows in the submission's history.
 */
import { h, mount, emptyState, fmtDateTime, alertBox, busy, stateBadge, field, errorAlert } from '../core/dom.js';
import { t, roleName } from '../core/i18n.js';
import { historyView, pdfPreview } from '../core/history.js';
import { facts, waitsFor } from './submission.js';
import { reviewBar } from '../core/reviewbar.js';
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
    const detail = h('div', { id: 'queue-detail', class: 'review-doc' });
    const out = h('div', { id: 'queue-out', 'aria-live': 'polite' }, notice || null);
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
    const rowOf = new Map();
    const rows = list.map((s) => {
      const box = h('input', { type: 'checkbox', id: `q-${s.id}`, onchange: refreshBulk, 'aria-label': t('queue.pick', { title: `${subjectOf(s)} — ${names.get(s.submitter) || s.submitter}` }) });
      checks.set(s.id, box);
      const row = h('li', { 'data-submission': s.id },
        box,
        h('div', { class: 'grow' },
          h('a', { class: 'title', href: `/duyet?chon=${encodeURIComponent(s.id)}`, 'data-pick': s.id }, subjectOf(s)),
          h('span', { class: 'meta' }, [names.get(s.submitter) || s.submitter, s.period_label].filter(Boolean).join(' · ')),
          h('div', { class: 'meta' }, t('queue.waitingSince', { time: fmtDateTime(s.waiting_since || s.submitted_at) }))),
        s.on_time === false ? h('span', { class: 'badge bad' }, t('state.late')) : null,
        stateBadge(s.state));
      rowOf.set(s.id, row);
      return row;
    });

    const intro = h('p', {}, t('queue.intro', { n: list.length }));
    const listTitle = h('h2', { id: 'q-list' }, `${t('queue.waiting')} (${list.length})`);
    const panel = h('div', { class: 'review-list closed', id: 'q-list-panel' },
      h('section', { class: 'card', 'aria-labelledby': 'q-list' },
        listTitle,
        h('div', { class: 'row' }, h('label', { class: 'checkbox', for: 'q-all' }, selectAll, t('queue.selectAll')), bulk),
        bulkOut,
        h('ul', { class: 'list' }, rows)),
      toCheck.length || user.roles.has('pho_hieu_truong') ? checkSection(toCheck, names, rerender) : null);
    // on a phone the list opens over the document (hidden, not removed: it keeps its scroll)
    const toggle = h('button', { type: 'button', class: 'btn secondary review-toggle', 'aria-controls': panel.id, 'aria-expanded': 'false' }, t('review.list', { n: list.length }));
    const setPanel = (openIt) => {
      panel.classList.toggle('closed', !openIt);
      toggle.setAttribute('aria-expanded', String(openIt));
    };
    toggle.addEventListener('click', () => setPanel(panel.classList.contains('closed')));

    /** Show `s` on the document side (the list stays as it is); focus its heading when asked. */
    const show = (s, { focus = false } = {}) => {
      history.replaceState({}, '', `/duyet?chon=${encodeURIComponent(s.id)}`);
      ctx.query.set('chon', s.id); // a language switch draws the page again on the item shown
      for (const [id, row] of rowOf) row.querySelector('a.title').setAttribute('aria-current', id === s.id ? 'true' : 'false');
      const at = list.indexOf(s);
      const following = list.length > 1 ? list[(at + 1) % list.length] : null;
      const turn = waitsFor(s, user) || { role: null };
      const heading = h('h2', { id: 'q-doc', tabindex: '-1' }, subjectOf(s));
      const hist = h('div', {}, facts(s, names), historyView(s.history, names));
      const [sheet, bar] = reviewBar({
        sub: s,
        next: following ? () => show(following, { focus: true }) : null,
        onDecided: (decision) => decided(s, decision),
        onCommented: (updated) => {
          mount(out, alertBox('ok', t('queue.commented')));
          mount(hist, facts(updated, names), historyView(updated.history, names));
        },
      });
      mount(detail,
        h('div', { class: 'review-head' }, heading,
          h('p', { class: 'meta' }, [names.get(s.submitter) || s.submitter, s.period_label, t('review.position', { n: at + 1, total: list.length })].filter(Boolean).join(' · '))),
        turn.onBehalfOf ? alertBox('info', t('queue.actingFor', { who: names.get(turn.onBehalfOf) || turn.onBehalfOf, role: roleName(turn.role) })) : null,
        s.approval_notice ? alertBox('warn', s.approval_notice) : null,
        h('details', { class: 'review-details' }, h('summary', {}, t('review.details')), hist),
        pdfPreview(s.current_version_id, subjectOf(s)),
        sheet, bar);
      if (focus) heading.focus({ preventScroll: true });
    };

    /** After a decision: the item leaves the list and the next one (or the one before, at the end) is shown. */
    const decided = (s, decision) => {
      const msg = alertBox('ok', decision === 'approve' ? t('queue.approvedOne') : t('queue.returnedOne'));
      const at = list.indexOf(s);
      list.splice(at, 1);
      rowOf.get(s.id).remove();
      rowOf.delete(s.id);
      checks.delete(s.id);
      refreshBulk();
      if (!list.length) { rerender(msg); return; }
      mount(out, msg);
      intro.textContent = t('queue.intro', { n: list.length });
      listTitle.textContent = `${t('queue.waiting')} (${list.length})`;
      toggle.textContent = t('review.list', { n: list.length });
      show(list[Math.min(at, list.length - 1)], { focus: true });
    };

    panel.addEventListener('click', (ev) => {
      const link = ev.target.closest('a[data-pick]');
      if (!link || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault(); // the router would draw the whole page again and lose the list's place
      const s = list.find((x) => x.id === link.dataset.pick);
      if (!s) return;
      setPanel(false);
      show(s, { focus: true });
    });

    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('queue.title')), intro), list.length ? toggle : null),
      out,
      list.length ? h('div', { class: 'review' }, panel, detail)
        : [h('section', { class: 'card' }, emptyState(t('queue.empty'), t('queue.emptyText'))),
          toCheck.length || user.roles.has('pho_hieu_truong') ? checkSection(toCheck, names, rerender) : null]);
    if (selected) show(selected);
  },
};
