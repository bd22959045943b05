/**
 * "Việc của tôi": what I owe this week and this month, what is late, what was returned and why;
 * upload + submit in one step; my submissions with their state.
 */
import { h, mount, emptyState, stateBadge, fmtDateTime } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { submitForm } from '../core/submitfile.js';
import * as svc from '../services.js';

const VIEWS = ['week', 'month', 'late', 'returned'];

function inView(ob, view, now) {
  const due = new Date(ob.due_at);
  const state = ob.status || ob.state;
  if (view === 'late') return state === 'late' || state === 'overdue' || (state === 'owed' && due < now);
  if (view === 'returned') return state === 'returned';
  const horizon = new Date(now);
  horizon.setDate(horizon.getDate() + (view === 'week' ? 7 : 31));
  return ['owed', 'open', 'returned', 'late', 'overdue', 'due_soon'].includes(state) && due <= horizon;
}

function obligationItem(ob, reload) {
  const state = ob.status || ob.state;
  const canSubmit = ['owed', 'open', 'late', 'overdue', 'due_soon', 'returned'].includes(state);
  const li = h('li', {});
  const formHolder = h('div', { class: 'full' });
  const toggle = canSubmit ? h('button', {
    type: 'button', class: 'btn small', 'aria-expanded': 'false',
    onclick: (ev) => {
      const open = ev.currentTarget.getAttribute('aria-expanded') === 'true';
      ev.currentTarget.setAttribute('aria-expanded', String(!open));
      if (open) mount(formHolder);
      else mount(formHolder, submitForm({ obligation: ob, submissionId: state === 'returned' ? ob.submission_id : null, accept: ob.accept, onDone: reload }));
    },
  }, state === 'returned' ? t('mywork.resubmit') : t('mywork.submitBtn')) : null;
  mount(li,
    h('div', { class: 'grow' },
      h('span', { class: 'title' }, ob.book_name || ob.book_type),
      h('span', { class: 'meta' }, [ob.period_label || ob.period, ob.unit_name].filter(Boolean).join(' · ')),
      h('div', { class: 'meta' }, t('mywork.due', { time: fmtDateTime(ob.due_at) })),
      state === 'returned' && ob.return_comment ? h('div', { class: 'timeline' }, h('div', { class: 'comment' }, t('mywork.returnedWhy', { comment: ob.return_comment }))) : null,
      ob.submission_id ? h('a', { href: `/bai-nop/${encodeURIComponent(ob.submission_id)}`, class: 'meta' }, t('mywork.history')) : null),
    stateBadge(state),
    toggle,
    formHolder);
  return li;
}

export default {
  title: 'mywork.title',
  roles: ['giao_vien', 'tong_phu_trach', 'to_truong', 'to_pho', 'van_thu', 'ke_toan', 'pho_hieu_truong', 'hieu_truong'],
  async render(el, ctx) {
    const view = VIEWS.includes(ctx.query.get('xem')) ? ctx.query.get('xem') : 'week';
    const [obligations, submissions] = await Promise.all([svc.myObligations(), svc.mySubmissions()]);
    const now = new Date();
    const counts = Object.fromEntries(VIEWS.map((v) => [v, obligations.filter((o) => inView(o, v, now)).length]));
    const shown = obligations.filter((o) => inView(o, view, now)).sort((a, b) => new Date(a.due_at) - new Date(b.due_at));
    const reload = () => setTimeout(() => this.render(el, ctx), 600);

    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('mywork.title')), h('p', {}, t('mywork.intro')))),
      h('div', { class: 'stats' },
        VIEWS.map((v) => h('div', { class: `stat ${v === 'late' ? 'bad' : v === 'returned' ? 'warn' : ''}` },
          h('span', { class: 'num' }, String(counts[v])), h('span', { class: 'lbl' }, t(`mywork.view.${v}`))))),
      h('nav', { class: 'tabs', 'aria-label': t('mywork.views') },
        VIEWS.map((v) => h('a', { href: `/viec-cua-toi?xem=${v}`, 'aria-current': v === view ? 'page' : null }, `${t(`mywork.view.${v}`)} (${counts[v]})`))),
      h('section', { class: 'card', 'aria-labelledby': 'owed-title' },
        h('h2', { id: 'owed-title' }, t(`mywork.view.${view}`)),
        shown.length ? h('ul', { class: 'list' }, shown.map((o) => obligationItem(o, reload)))
          : emptyState(t(`mywork.empty.${view}`), t('mywork.emptyText'))),
      h('section', { class: 'card', 'aria-labelledby': 'subs-title' },
        h('h2', { id: 'subs-title' }, t('mywork.submissions')),
        submissions.length ? h('ul', { class: 'list' }, submissions.map((s) => h('li', {},
          h('div', { class: 'grow' },
            h('a', { class: 'title', href: `/bai-nop/${encodeURIComponent(s.id)}` }, s.title || s.book_name || s.book_type),
            h('span', { class: 'meta' }, [s.period_label || s.period, t('mywork.submittedAt', { time: fmtDateTime(s.submitted_at) })].filter(Boolean).join(' · '))),
          s.on_time === false ? h('span', { class: 'badge bad' }, t('state.late')) : null,
          stateBadge(s.state || s.status))))
          : emptyState(t('mywork.noSubmissions'), t('mywork.noSubmissionsText'))));
  },
};
