/**
 * "Việc của tôi": what I owe this week and this month, what is late, what was returned and why
 * (one tab per view, its count as a badge on the tab);
 * upload + submit in one step; my submissions with their state. A per-document obligation (học bạ:
 * one submission per student) always offers "Nộp thêm học bạ" and lists the students' học bạ already
 * submitted under it.
 */
import { h, mount, emptyState, stateBadge, fmtDateTime, timeLeft, alertBox } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { submitForm, reopenKept } from '../core/submitfile.js';
import * as svc from '../services.js';

const VIEWS = ['week', 'month', 'late', 'returned', 'all'];
const OPEN = new Set(['owed', 'late', 'returned', 'draft']);

/** The last comment a decision gave (why it was returned). */
export function returnComment(sub) {
  const hist = (sub && sub.history) || [];
  for (let i = hist.length - 1; i >= 0; i -= 1) if (hist[i].action === 'returned' || hist[i].decision === 'return') return hist[i].comment || null;
  return null;
}

function statusOf(ob, sub) {
  if (sub) return sub.state;
  return ob.overdue ? 'late' : 'owed';
}

function inView(row, view, now) {
  const due = new Date(row.ob.due_at);
  if (view === 'late') return row.status === 'late';
  if (view === 'returned') return row.status === 'returned';
  if (view === 'all') return OPEN.has(row.status) || row.ob.per_document;
  const horizon = new Date(now);
  horizon.setDate(horizon.getDate() + (view === 'week' ? 7 : 31));
  return OPEN.has(row.status) && row.status !== 'late' && due <= horizon;
}

/** The students' học bạ already submitted for a per-document obligation, each with its state. */
function documentsList(row) {
  if (!row.ob.per_document || !row.done.length) return null;
  return h('div', { class: 'full' },
    h('p', { class: 'meta' }, t('mywork.perDocumentSubs', { n: row.done.length })),
    h('ul', { class: 'list' }, row.done.map((s) => h('li', {},
      h('div', { class: 'grow' },
        h('a', { class: 'title', href: `/bai-nop/${encodeURIComponent(s.id)}` }, row.titles.get(s.document_id) || t('mywork.untitled')),
        s.submitted_at ? h('span', { class: 'meta' }, t('mywork.submittedAt', { time: fmtDateTime(s.submitted_at) })) : null),
      stateBadge(s.state)))));
}

function obligationItem(row, reload) {
  const { ob, sub, addr, status } = row;
  const li = h('li', {});
  const formHolder = h('div', { class: 'full' });
  const returned = status === 'returned' ? sub : null;
  const another = ob.per_document && sub;
  const toggleForm = (ev, opts) => {
    const open = ev.currentTarget.getAttribute('aria-expanded') === 'true';
    ev.currentTarget.setAttribute('aria-expanded', String(!open));
    if (open) mount(formHolder);
    else mount(formHolder, submitForm({ obligation: ob, address: addr, onDone: reload, ...opts }));
  };
  const toggle = OPEN.has(status) && status !== 'draft' ? h('button', {
    type: 'button', class: 'btn small', 'aria-expanded': 'false',
    onclick: (ev) => toggleForm(ev, { returned, perDocument: Boolean(ob.per_document) && !returned }),
  }, returned ? t('mywork.resubmit') : t('mywork.submitBtn')) : null;
  const addToggle = another ? h('button', {
    type: 'button', class: 'btn small', 'aria-expanded': 'false',
    onclick: (ev) => toggleForm(ev, { returned: null, perDocument: true }),
  }, t('mywork.addDocument')) : null;
  reopenKept(ob, [toggle, returned], [addToggle, null]);
  const comment = returned ? returnComment(sub) : null;
  mount(li,
    h('div', { class: 'grow' },
      h('span', { class: 'title' }, row.bookName),
      h('span', { class: 'meta' }, ob.period_label),
      h('div', { class: 'meta' }, t('mywork.due', { time: fmtDateTime(ob.due_at) }),
        OPEN.has(status) ? h('strong', { class: `time-left${status === 'late' ? ' warn-text' : ''}` }, ` · ${timeLeft(ob.due_at)}`) : null),
      comment ? h('div', { class: 'comment' }, t('mywork.returnedWhy', { comment })) : null,
      ob.approval_possible === false && OPEN.has(status) ? h('div', { class: 'meta warn-text' }, t('mywork.tooLateForApproval')) : null,
      sub ? h('a', { href: `/bai-nop/${encodeURIComponent(sub.id)}`, class: 'meta' }, t('mywork.history')) : null),
    another ? null : stateBadge(status),
    toggle,
    addToggle,
    documentsList(row),
    formHolder);
  return li;
}

export default {
  title: 'mywork.title',
  roles: ['giao_vien', 'tong_phu_trach', 'to_truong', 'to_pho', 'van_thu', 'ke_toan', 'pho_hieu_truong', 'hieu_truong'],
  async render(el, ctx) {
    const view = VIEWS.includes(ctx.query.get('xem')) ? ctx.query.get('xem') : 'week';
    const year = svc.schoolYearOf();
    const [obligations, addresses, mine] = await Promise.all([svc.myObligations(), svc.myAddresses(year).catch(() => []), svc.mySubmissions()]);
    const subs = new Map(mine.map((s) => [s.id, s]));
    const addrByBook = new Map(addresses.map((a) => [a.book, a]));
    const titles = new Map();
    const rows = obligations.map((ob) => {
      const sub = ob.submission_id ? subs.get(ob.submission_id) : null;
      const addr = addrByBook.get(ob.book_type) || null;
      const done = ob.per_document ? mine.filter((s) => s.obligation_id === ob.id)
        .sort((a, b) => new Date(a.submitted_at || 0) - new Date(b.submitted_at || 0)) : [];
      return { ob, sub, addr, done, titles, status: statusOf(ob, sub), bookName: ob.book_name || (addr && addr.book_name) || (sub && sub.book_name) };
    });
    const perDocumentIds = [...new Set(rows.flatMap((r) => r.done.map((s) => s.document_id)))];
    const docs = await Promise.all(perDocumentIds.map((id) => svc.document(id).catch(() => null)));
    for (const d of docs) if (d && d.title) titles.set(d.id, d.title);
    const labelOf = new Map(obligations.map((o) => [o.id, o.period_label]));
    const now = new Date();
    const counts = Object.fromEntries(VIEWS.map((v) => [v, rows.filter((r) => inView(r, v, now)).length]));
    const shown = rows.filter((r) => inView(r, view, now)).sort((a, b) => new Date(a.ob.due_at) - new Date(b.ob.due_at));
    const submitted = [...subs.values()].sort((a, b) => new Date(b.submitted_at || 0) - new Date(a.submitted_at || 0));
    const reload = () => setTimeout(() => this.render(el, ctx), 400);
    const nameOf = (s) => (addrByBook.get(s.book_type) || {}).book_name || s.book_name || s.book_type;

    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('mywork.title')), h('p', {}, t('mywork.intro', { year })))),
      h('nav', { class: 'tabs count-tabs', 'aria-label': t('mywork.views') },
        VIEWS.map((v) => h('a', { href: `/viec-cua-toi?xem=${v}`, 'aria-current': v === view ? 'page' : null },
          t(`mywork.view.${v}`), ' ', h('span', { class: `badge ${counts[v] && v === 'late' ? 'bad' : counts[v] && v === 'returned' ? 'warn' : 'info'}` }, String(counts[v]))))),
      !obligations.length ? alertBox('info', t('mywork.nothingOwed'), t('mywork.nothingOwedText')) : null,
      h('section', { class: 'card', 'aria-labelledby': 'owed-title' },
        h('h2', { id: 'owed-title' }, t(`mywork.view.${view}`)),
        shown.length ? h('ul', { class: 'list' }, shown.map((r) => obligationItem(r, reload)))
          : emptyState(t(`mywork.empty.${view}`), t('mywork.emptyText'))),
      h('section', { class: 'card', 'aria-labelledby': 'subs-title' },
        h('h2', { id: 'subs-title' }, t('mywork.submissions')),
        submitted.length ? h('ul', { class: 'list' }, submitted.map((s) => h('li', {},
          h('div', { class: 'grow' },
            h('a', { class: 'title', href: `/bai-nop/${encodeURIComponent(s.id)}` }, [nameOf(s), titles.get(s.document_id)].filter(Boolean).join(' — ')),
            h('span', { class: 'meta' }, [labelOf.get(s.obligation_id) || s.period_label, s.submitted_at ? t('mywork.submittedAt', { time: fmtDateTime(s.submitted_at) }) : null].filter(Boolean).join(' · '))),
          s.on_time === false ? h('span', { class: 'badge bad' }, t('state.late')) : null,
          stateBadge(s.state))))
          : emptyState(t('mywork.noSubmissions'), t('mywork.noSubmissionsText'))));
  },
};
