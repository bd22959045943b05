/**
 * The principal's and school admin's pages: quy chế (deadlines within the district's bounds,
 * approval chains), staff and roles with the Excel import and its row-by-row report, lock and
 * open periods, delegation, and the school's progress.
 */
import { h, mount, emptyState, field, fmtDateTime, errorAlert, busy, alertBox, toast, formValues } from '../core/dom.js';
import { t, roleName } from '../core/i18n.js';
import { dropzone, progressBar } from '../core/dropzone.js';
import { progressTable, progressChart } from '../core/progress.js';
import * as svc from '../services.js';

const ADMIN = ['hieu_truong', 'quan_tri'];

function head(titleKey, introKey) {
  return h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t(titleKey)), introKey ? h('p', {}, t(introKey)) : null));
}

// ---------------------------------------------------------------- quy chế
const KIND_FIELDS = {
  fixed_date: ['month', 'day'],
  weekly_before_teaching: ['weekday', 'weeks_before'],
  days_before_teaching: ['days'],
  weekday_window: ['start_weekday', 'end_weekday', 'weeks_before'],
  monthly_last_day: [],
  monthly_first_weekday: ['weekday'],
  monthly_day: ['day'],
  monthly_end_of_week: ['week'],
  school_week: ['week', 'weekday'],
  after_event: ['event', 'days'],
  on_demand: [],
};
const WEEKDAY_FIELDS = new Set(['weekday', 'start_weekday', 'end_weekday']);

function ruleEditor(item, onSaved) {
  const current = item.school_rule || item.rule || item.district_rule || { kind: 'fixed_date' };
  const out = h('div', { 'aria-live': 'polite' });
  const kind = h('select', { name: 'kind' }, Object.keys(KIND_FIELDS).map((k) => h('option', { value: k, selected: k === current.kind }, t(`rules.kind.${k}`))));
  const params = h('div', { class: 'row' });
  const drawParams = () => {
    mount(params, KIND_FIELDS[kind.value].map((name) => {
      const value = current.kind === kind.value && current[name] !== undefined ? current[name] : '';
      const control = WEEKDAY_FIELDS.has(name)
        ? h('select', { name }, [0, 1, 2, 3, 4, 5, 6].map((d) => h('option', { value: String(d), selected: String(value) === String(d) }, t(`weekday.${d}`))))
        : h('input', { type: name === 'event' ? 'text' : 'number', name, value: String(value), required: true });
      return field(t(`rules.param.${name}`), control);
    }));
  };
  kind.addEventListener('change', drawParams);
  drawParams();
  const btn = h('button', { type: 'submit', class: 'btn small' }, t('rules.save'));
  const form = h('form', { 'aria-label': t('rules.editFor', { book: item.book_name || item.book_type }) },
    field(t('rules.kindLabel'), kind), params, out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const raw = formValues(form);
    const rule = { kind: raw.kind };
    for (const name of KIND_FIELDS[raw.kind]) rule[name] = name === 'event' ? raw[name] : Number(raw[name]);
    busy(btn, async () => {
      try {
        await svc.setDeadlineRule(item.book_type, { rule });
        toast(t('rules.saved'));
        onSaved();
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

function describe(rule, text) {
  if (text) return text;
  if (!rule) return t('rules.none');
  return t(`rules.kind.${rule.kind}`);
}

export const rulesPage = {
  title: 'rules.title',
  roles: ADMIN,
  async render(el, ctx, user) {
    const [rules, chainList] = await Promise.all([svc.deadlineRules(), svc.chains().catch(() => [])]);
    const canEdit = user.roles.has('hieu_truong');
    const reload = () => this.render(el, ctx, user);
    mount(el, head('rules.title', 'rules.intro'),
      h('section', { class: 'card', 'aria-labelledby': 'dl-title' },
        h('h2', { id: 'dl-title' }, t('rules.deadlines')),
        rules.length ? h('ul', { class: 'list' }, rules.map((r) => h('li', {},
          h('div', { class: 'grow' },
            h('span', { class: 'title' }, r.book_name || r.book_type),
            h('dl', { class: 'kv' },
              h('dt', {}, t('rules.district')), h('dd', {}, describe(r.district_rule, r.district_text)),
              h('dt', {}, t('rules.school')), h('dd', {}, r.school_rule ? describe(r.school_rule, r.school_text) : t('rules.inherits')))),
          canEdit ? h('details', { class: 'full' }, h('summary', {}, t('rules.change')), ruleEditor(r, reload)) : null)))
          : emptyState(t('rules.empty'), t('rules.emptyText'))),
      h('section', { class: 'card', 'aria-labelledby': 'ch-title' },
        h('h2', { id: 'ch-title' }, t('rules.chains')),
        chainList.length ? h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('rules.book')), h('th', { scope: 'col' }, t('rules.steps')))),
          h('tbody', {}, chainList.map((c) => h('tr', {},
            h('th', { scope: 'row' }, c.book_name || c.book_type),
            h('td', {}, h('ol', {}, (c.steps || []).map((s) => h('li', {},
              (s.roles || [s.role]).filter(Boolean).map(roleName).join(t('rules.or')),
              s.kind === 'check' || s.check ? ` (${t('rules.checkOnly')})` : '',
              s.parallel ? ` (${t('rules.parallel')})` : '')))))))))
          : emptyState(t('rules.noChains'))));
  },
};

// ---------------------------------------------------------------- staff and import
function importReport(report) {
  const rows = report.rows || report.problems || report.errors || [];
  const bad = rows.filter((r) => r.problem || r.problems || r.error || r.status === 'error');
  const ok = report.ok_count ?? report.valid ?? (rows.length - bad.length);
  return h('div', {},
    bad.length ? alertBox('error', t('staff.importProblems', { n: bad.length }), t('staff.importFix'))
      : alertBox('ok', t('staff.importClean', { n: ok })),
    h('p', {}, t('staff.importSummary', { ok, bad: bad.length, created: report.created ?? '—', updated: report.updated ?? '—', unchanged: report.unchanged ?? '—' })),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, t('staff.reportCaption')),
      h('thead', {}, h('tr', {}, ['row', 'name', 'column', 'problem'].map((k) => h('th', { scope: 'col' }, t(`staff.col.${k}`))))),
      h('tbody', {}, rows.flatMap((r) => {
        const problems = r.problems || (r.problem || r.error ? [{ column: r.column, message: r.problem || r.error }] : []);
        if (!problems.length) return [h('tr', {}, h('td', { class: 'num' }, String(r.row)), h('td', {}, r.full_name || r.name || ''), h('td', {}, '—'), h('td', {}, h('span', { class: 'badge ok' }, t('staff.rowOk'))))];
        return problems.map((p) => h('tr', {}, h('td', { class: 'num' }, String(r.row)), h('td', {}, r.full_name || r.name || ''), h('td', {}, p.column || ''), h('td', {}, h('span', { class: 'badge bad' }, p.message || p.problem || String(p)))));
      })))) : null);
}

export const staffPage = {
  title: 'staff.title',
  roles: ADMIN,
  async render(el, ctx, user) {
    const people = await svc.users();
    const out = h('div', { 'aria-live': 'polite' });
    const drop = dropzone({ accept: '.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', label: t('staff.pickExcel'), hint: t('staff.dropExcel') });
    const prog = progressBar(t('staff.uploading'));
    const dry = h('button', { type: 'submit', class: 'btn secondary', value: 'dry' }, t('staff.dryRun'));
    const apply = h('button', { type: 'submit', class: 'btn', value: 'apply' }, t('staff.apply'));
    const form = h('form', { class: 'card', 'aria-labelledby': 'imp-title' },
      h('h2', { id: 'imp-title' }, t('staff.import')), h('p', {}, t('staff.importIntro')),
      drop.el, prog.el, h('div', { class: 'actions' }, dry, apply), out);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const isDry = (ev.submitter || dry).value === 'dry';
      if (!drop.file) { mount(out, alertBox('error', t('staff.needFile'))); return; }
      busy(ev.submitter || dry, async () => {
        try {
          const report = await svc.importStaff(drop.file, isDry, (a, b) => prog.update(a, b));
          prog.hide();
          mount(out, importReport(report));
          if (!isDry) toast(t('staff.applied'));
        } catch (err) {
          prog.hide();
          mount(out, err.errors ? importReport({ rows: err.errors }) : errorAlert(err));
        }
      });
    });
    mount(el, head('staff.title', 'staff.intro'),
      form,
      h('section', { class: 'card', 'aria-labelledby': 'ppl-title' },
        h('h2', { id: 'ppl-title' }, t('staff.people', { n: people.length })),
        people.length ? h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {}, ['name', 'username', 'roles'].map((k) => h('th', { scope: 'col' }, t(`staff.th.${k}`))))),
          h('tbody', {}, people.map((p) => h('tr', {},
            h('td', {}, p.full_name || p.name),
            h('td', {}, p.username || p.email || ''),
            h('td', {}, (p.roles || p.memberships || []).map((r) => (Array.isArray(r) ? `${roleName(r[0])}${r[1] ? ` (${r[1]})` : ''}` : typeof r === 'string' ? roleName(r) : `${roleName(r.role)}${r.unit_name || r.unit ? ` (${r.unit_name || r.unit})` : ''}`)).join(', ')))))))
          : emptyState(t('staff.empty'), t('staff.emptyText'))));
  },
};

// ---------------------------------------------------------------- lock and open
export const locksPage = {
  title: 'locks.title',
  roles: ADMIN,
  async render(el, ctx, user) {
    const [list, books] = await Promise.all([svc.locks(), svc.catalog().catch(() => [])]);
    const reload = () => this.render(el, ctx, user);
    const out = h('div', { 'aria-live': 'polite' });
    const scope = h('select', { name: 'scope' }, ['school', 'book_type', 'unit', 'period'].map((s) => h('option', { value: s }, t(`locks.scope.${s}`))));
    const book = h('select', { name: 'book_type' }, h('option', { value: '' }, t('locks.allBooks')), books.map((b) => h('option', { value: b.slug || b.book_type }, b.name || b.slug)));
    const period = h('input', { type: 'text', name: 'period', placeholder: '2025-2026/tuan-10' });
    const starts = h('input', { type: 'datetime-local', name: 'starts_at' });
    const ends = h('input', { type: 'datetime-local', name: 'ends_at' });
    const reason = h('input', { type: 'text', name: 'reason', required: true });
    const btn = h('button', { type: 'submit', class: 'btn' }, t('locks.lock'));
    const form = h('form', { class: 'card', 'aria-labelledby': 'lk-new' },
      h('h2', { id: 'lk-new' }, t('locks.new')),
      h('div', { class: 'row' }, field(t('locks.scopeLabel'), scope), field(t('locks.book'), book), field(t('locks.period'), period, t('locks.periodHint'))),
      h('div', { class: 'row' }, field(t('locks.from'), starts), field(t('locks.until'), ends)),
      field(t('locks.reason'), reason, t('locks.reasonHint')), out, h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = { scope: v.scope, reason: v.reason };
      if (v.book_type) body.book_type = v.book_type;
      if (v.period) body.period = v.period;
      if (v.starts_at) body.starts_at = new Date(v.starts_at).toISOString();
      if (v.ends_at) body.ends_at = new Date(v.ends_at).toISOString();
      busy(btn, async () => {
        try { await svc.createLock(body); toast(t('locks.locked')); reload(); } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    mount(el, head('locks.title', 'locks.intro'), form,
      h('section', { class: 'card', 'aria-labelledby': 'lk-list' },
        h('h2', { id: 'lk-list' }, t('locks.current')),
        list.length ? h('ul', { class: 'list' }, list.map((l) => {
          const active = !l.unlocked_at && (l.active !== false);
          return h('li', {},
            h('div', { class: 'grow' },
              h('span', { class: 'title' }, [t(`locks.scope.${l.scope}`, {}, l.scope), l.book_name || l.book_type, l.unit_name || l.unit, l.period].filter(Boolean).join(' · ')),
              h('span', { class: 'meta' }, t('locks.window', { from: fmtDateTime(l.starts_at), until: l.ends_at ? fmtDateTime(l.ends_at) : t('locks.open') })),
              h('div', { class: 'meta' }, t('locks.because', { reason: l.reason || '' }))),
            h('span', { class: `badge ${active ? 'bad' : 'muted'}` }, active ? t('locks.active') : t('locks.ended')),
            active ? h('button', { type: 'button', class: 'btn secondary small', onclick: (e) => busy(e.currentTarget, async () => {
              try { await svc.unlock(l.id, t('locks.unlockReason')); toast(t('locks.unlocked')); reload(); } catch (err) { toast(err.title, 'error'); }
            }) }, t('locks.unlock')) : null);
        })) : emptyState(t('locks.empty'), t('locks.emptyText'))));
  },
};

// ---------------------------------------------------------------- delegation
export const delegationPage = {
  title: 'delegation.title',
  roles: ['hieu_truong', 'to_truong'],
  async render(el, ctx, user) {
    const [list, people] = await Promise.all([svc.delegations(), svc.users().catch(() => [])]);
    const reload = () => this.render(el, ctx, user);
    const out = h('div', { 'aria-live': 'polite' });
    const myRoles = [...user.roles].filter((r) => ['hieu_truong', 'to_truong'].includes(r));
    const unitOf = (role) => (user.unitRoles.find(([r]) => r === role) || [])[1] || null;
    const to = h('select', { name: 'delegate', required: true }, h('option', { value: '' }, t('delegation.pick')),
      people.filter((p) => (p.id || p.sub) !== user.sub).map((p) => h('option', { value: p.id || p.sub }, p.full_name || p.name)));
    const role = h('select', { name: 'role' }, myRoles.map((r) => h('option', { value: r }, roleName(r))));
    const books = h('input', { type: 'text', name: 'book_types', placeholder: 'ke_hoach_bai_day' });
    const from = h('input', { type: 'date', name: 'starts_on', required: true });
    const until = h('input', { type: 'date', name: 'ends_on', required: true });
    const btn = h('button', { type: 'submit', class: 'btn' }, t('delegation.create'));
    const form = h('form', { class: 'card', 'aria-labelledby': 'dg-new' },
      h('h2', { id: 'dg-new' }, t('delegation.new')),
      h('div', { class: 'row' }, field(t('delegation.to'), to), field(t('delegation.role'), role)),
      field(t('delegation.books'), books, t('delegation.booksHint')),
      h('div', { class: 'row' }, field(t('delegation.from'), from), field(t('delegation.until'), until)),
      out, h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = {
        delegate: v.delegate, role: v.role, unit: unitOf(v.role),
        book_types: v.book_types ? v.book_types.split(/[,\s]+/).filter(Boolean) : [],
        starts_at: new Date(`${v.starts_on}T00:00:00+07:00`).toISOString(),
        ends_at: new Date(`${v.ends_on}T23:59:59+07:00`).toISOString(),
      };
      busy(btn, async () => { try { await svc.createDelegation(body); toast(t('delegation.created')); reload(); } catch (err) { mount(out, errorAlert(err)); } });
    });
    mount(el, head('delegation.title', 'delegation.intro'), form,
      h('section', { class: 'card', 'aria-labelledby': 'dg-list' },
        h('h2', { id: 'dg-list' }, t('delegation.current')),
        list.length ? h('ul', { class: 'list' }, list.map((d) => h('li', {},
          h('div', { class: 'grow' },
            h('span', { class: 'title' }, t('delegation.line', { from: d.delegator_name || d.delegator, to: d.delegate_name || d.delegate, role: roleName(d.role) })),
            h('span', { class: 'meta' }, t('locks.window', { from: fmtDateTime(d.starts_at), until: fmtDateTime(d.ends_at || d.until) })),
            d.book_types && d.book_types.length ? h('div', { class: 'meta' }, d.book_types.join(', ')) : null),
          d.revoked_at ? h('span', { class: 'badge muted' }, t('delegation.revoked'))
            : h('button', { type: 'button', class: 'btn secondary small', onclick: (e) => busy(e.currentTarget, async () => {
              try { await svc.revokeDelegation(d.id); toast(t('delegation.revokedOk')); reload(); } catch (err) { toast(err.title, 'error'); }
            }) }, t('delegation.revoke')))))
          : emptyState(t('delegation.empty'), t('delegation.emptyText'))));
  },
};

// ---------------------------------------------------------------- school progress
export const progressPage = {
  title: 'progress.title',
  roles: ['hieu_truong', 'pho_hieu_truong', 'quan_tri', 'to_truong'],
  async render(el, ctx, user) {
    const data = await svc.progress({ scope: 'school', school: user.tenant });
    const rows = data.units || data.rows || data.items || [];
    mount(el, head('progress.title', 'progress.intro'),
      data.totals ? progressTable([{ ...data.totals, name: data.name || t('progress.wholeSchool') }], { caption: t('progress.wholeSchool') }) : null,
      h('section', { class: 'card', 'aria-labelledby': 'pg-units' },
        h('h2', { id: 'pg-units' }, t('progress.byUnit')),
        rows.length ? [progressChart(rows, t('progress.chartUnits')), progressTable(rows, { caption: t('progress.byUnit') })]
          : emptyState(t('progress.empty'), t('progress.emptyText'))));
  },
};
