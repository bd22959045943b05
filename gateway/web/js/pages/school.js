/**
 * The principal's and school admin's pages: quy chế (grouped by book, searchable: deadlines within
 * the district's bounds, events picked from the school calendar, approval chains drawn stage by
 * stage with parallel steps side by side and the signing order numbered), staff and roles with the
 * Excel import and its row-by-row report, lock and open periods, delegation, and the school's progress.
 */
import { h, mount, emptyState, field, fmtDate, fmtDateTime, errorAlert, busy, alertBox, toast, formValues } from '../core/dom.js';
import { t, roleName } from '../core/i18n.js';
import { dropzone, progressBar } from '../core/dropzone.js';
import { progressTable, progressChart, rankWorstFirst } from '../core/progress.js';
import { navigate } from '../core/router.js';
import { namesOf, forgetNames } from '../core/names.js';
import * as svc from '../services.js';
import { personLink } from './people.js';

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
  monthly_weekday_window: ['start_weekday', 'end_weekday'],
  school_week: ['week', 'weekday'],
  after_event: ['event', 'days'],
  on_demand: [],
};
const WEEKDAY_FIELDS = new Set(['weekday', 'start_weekday', 'end_weekday']);

/**
 * The event of an after_event rule, picked from the school year's calendar by name and date; the
 * rule's current event stays offered even when the calendar no longer has it. Without a calendar
 * (the district has not published the year) the slug is typed as before.
 */
function eventControl(value, calendar) {
  if (!calendar || !calendar.named || !calendar.named.length) {
    return { control: h('input', { type: 'text', name: 'event', value: String(value), required: true }), label: t('rules.param.event') };
  }
  const known = calendar.named.some((e) => e.event === value);
  const control = h('select', { name: 'event', required: true },
    value && !known ? h('option', { value, selected: true }, t('phone.eventUnknown', { name: value })) : null,
    calendar.named.map((e) => h('option', { value: e.event, selected: e.event === value }, t('phone.eventOn', { name: e.name, date: fmtDate(e.date) }))));
  return { control, label: t('phone.event'), hint: t('phone.eventHint', { year: calendar.year }) };
}

function ruleEditor(item, onSaved, calendar) {
  const current = item.school_rule || item.district_rule || { kind: 'fixed_date' };
  const out = h('div', { 'aria-live': 'polite' });
  const kind = h('select', { name: 'kind' }, Object.keys(KIND_FIELDS).map((k) => h('option', { value: k, selected: k === current.kind }, t(`rules.kind.${k}`))));
  const params = h('div', { class: 'row' });
  const drawParams = () => {
    mount(params, KIND_FIELDS[kind.value].map((name) => {
      const value = current.kind === kind.value && current[name] !== undefined ? current[name] : '';
      if (name === 'event') {
        const picked = eventControl(value, calendar);
        return field(picked.label, picked.control, picked.hint);
      }
      const control = WEEKDAY_FIELDS.has(name)
        ? h('select', { name }, [0, 1, 2, 3, 4, 5, 6].map((d) => h('option', { value: String(d), selected: String(value) === String(d) }, t(`weekday.${d}`))))
        : h('input', { type: 'number', name, value: String(value), required: true });
      return field(t(`rules.param.${name}`), control);
    }));
  };
  kind.addEventListener('change', drawParams);
  drawParams();
  const btn = h('button', { type: 'submit', class: 'btn small' }, t('rules.save'));
  const form = h('form', { 'aria-label': t('rules.editFor', { book: ruleTitle(item) }) },
    field(t('rules.kindLabel'), kind), params, out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const raw = formValues(form);
    const rule = { ...(current.kind === raw.kind ? current : {}), kind: raw.kind };
    for (const name of KIND_FIELDS[raw.kind]) rule[name] = name === 'event' ? raw[name] : Number(raw[name]);
    busy(btn, async () => {
      try {
        await svc.setDeadlineRule(item.book_type, item.item, rule);
        toast(t('rules.saved'));
        onSaved(t('rules.savedFor', { book: ruleTitle(item) }));
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

function ruleTitle(r) {
  return r.label && r.label !== r.book_name ? `${r.book_name} — ${r.label}` : (r.book_name || r.book_type);
}

/** The signing order as numbered steps (lượt ký 1, 2, …), then who issues. */
function signingSteps(chainData) {
  const signing = [...((chainData && chainData.signing) || [])].sort((a, b) => a.order - b.order);
  return [
    signing.length ? h('p', { class: 'chain-sub', 'aria-hidden': 'true' }, t('phone.signingTitle')) : null,
    signing.length ? h('ol', { class: 'chain-signing', 'aria-label': t('phone.signingTitle') }, signing.map((s) => h('li', {},
      h('span', { class: 'chain-n', 'aria-hidden': 'true' }, String(s.order)),
      h('span', { class: 'chain-step sign' }, t(s.organisation ? 'rules.signsOrg' : 'rules.signs', { role: roleName(s.role), order: s.order }))))) : null,
    chainData && chainData.issue_role ? h('p', { class: 'chain-issue' }, t('rules.issues', { role: roleName(chainData.issue_role) })) : null,
  ];
}

/**
 * A chain drawn as people read it: review stages one after another, the people of one stage side by
 * side (they work in parallel), then the signing order numbered and who issues.
 */
function chainSteps(chainData) {
  const stages = (chainData && chainData.stages) || [];
  if (!stages.length && !((chainData && chainData.signing) || []).length && !(chainData && chainData.issue_role)) return h('p', {}, t('rules.noSteps'));
  const stepText = (s) => `${roleName(s.role)}${s.mode === 'check' ? ` (${t('rules.checkOnly')})` : ''}`;
  return h('div', { class: 'chain-drawing' },
    stages.length ? h('p', { class: 'chain-sub', 'aria-hidden': 'true' }, t('phone.stagesTitle')) : null,
    stages.length ? h('ol', { class: 'chain-stages', 'aria-label': t('phone.stagesTitle') }, stages.map((stage, i) => h('li', { class: 'chain-stage' },
      h('span', { class: 'chain-n', 'aria-hidden': 'true' }, String(i + 1)),
      h('span', { class: 'chain-parallel' }, stage.map((s, j) => [
        j ? h('span', { class: 'visually-hidden' }, t('rules.and')) : null,
        h('span', { class: `chain-step${s.mode === 'check' ? ' check' : ''}` }, stepText(s))])),
      stage.length > 1 ? h('span', { class: 'chain-note' }, `${t('rules.parallel')}: ${t('phone.parallelNote')}`) : null))) : null,
    signingSteps(chainData));
}

const APPROVER_ROLES = ['to_truong', 'pho_hieu_truong', 'hieu_truong'];
const MAX_STAGES = 4;
const MAX_PARALLEL = 3;

/**
 * Edit the review stages of a book's chain: stages run one after another, the people of one stage
 * in parallel (e.g. tổ trưởng approves while the PHT checks). Every step the chain has is shown and
 * kept; signing order and issuing stay as they are.
 */
function chainEditor(slug, name, current, onSaved) {
  const roles = [...new Set([...APPROVER_ROLES, ...((current && current.stages) || []).flat().map((s) => s.role)])];
  const stagesBox = h('div', { class: 'stages' });
  const addStage = h('button', { type: 'button', class: 'btn secondary small' }, t('rules.addStage'));

  const renumber = () => {
    [...stagesBox.children].forEach((fs, i) => {
      fs.querySelector(':scope > legend').textContent = t('rules.stage', { n: i + 1 });
      [...fs.querySelectorAll(':scope > .steps > fieldset')].forEach((stepFs, j) => {
        stepFs.querySelector(':scope > legend').textContent = j === 0 ? t('rules.firstStep') : t('rules.parallelStep', { n: j + 1 });
        stepFs.querySelector('[data-remove]').hidden = fs.querySelectorAll(':scope > .steps > fieldset').length === 1 && stagesBox.children.length === 1;
      });
      fs.querySelector('[data-add-parallel]').hidden = fs.querySelectorAll(':scope > .steps > fieldset').length >= MAX_PARALLEL;
    });
    addStage.hidden = stagesBox.children.length >= MAX_STAGES;
  };

  const stepRow = (step) => {
    const role = h('select', { 'data-role': '' }, roles.map((r) => h('option', { value: r, selected: step.role === r }, roleName(r))));
    const mode = h('select', { 'data-mode': '' }, ['approve', 'check'].map((m) => h('option', { value: m, selected: (step.mode || 'approve') === m }, t(`rules.mode.${m}`))));
    const remove = h('button', { type: 'button', class: 'btn secondary small', 'data-remove': '' }, t('rules.removeStep'));
    const fs = h('fieldset', { class: 'field step' }, h('legend', {}, ''),
      h('div', { class: 'row' }, field(t('rules.stageRole'), role), field(t('rules.stageMode'), mode)), remove);
    fs.step = step; // the stored step: its other fields (scope) are kept when its role is unchanged
    remove.addEventListener('click', () => {
      const stage = fs.closest('fieldset.stage');
      fs.remove();
      if (!stage.querySelector('fieldset.step')) stage.remove();
      renumber();
    });
    return fs;
  };

  const stageBox = (steps) => {
    const list = h('div', { class: 'steps' }, steps.map(stepRow));
    const addParallel = h('button', { type: 'button', class: 'btn secondary small', 'data-add-parallel': '' }, t('rules.addParallel'));
    addParallel.addEventListener('click', () => { list.append(stepRow({ role: 'pho_hieu_truong', mode: 'check' })); renumber(); });
    return h('fieldset', { class: 'field stage' }, h('legend', {}, ''), list, h('div', { class: 'actions' }, addParallel));
  };

  const initial = (current && current.stages && current.stages.length) ? current.stages : [[{ role: 'to_truong', scope: 'unit', mode: 'approve' }]];
  initial.forEach((stage) => stagesBox.append(stageBox(stage)));
  addStage.addEventListener('click', () => { stagesBox.append(stageBox([{ role: 'hieu_truong', mode: 'approve' }])); renumber(); });
  renumber();

  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn small' }, t('rules.saveChain'));
  const kept = signingSteps(current).filter(Boolean);
  const form = h('form', { 'aria-label': t('rules.chainFor', { book: name }), class: 'chain-editor' }, stagesBox, h('div', { class: 'actions' }, addStage),
    kept.length ? h('div', { class: 'chain-kept' }, kept) : null,
    out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const newStages = [...stagesBox.querySelectorAll('fieldset.stage')].map((stage) => [...stage.querySelectorAll('fieldset.step')].map((fs) => {
      const role = fs.querySelector('[data-role]').value;
      const scope = fs.step.role === role && fs.step.scope ? fs.step.scope : (role === 'to_truong' ? 'unit' : 'school');
      return { role, scope, mode: fs.querySelector('[data-mode]').value };
    }));
    const body = { stages: newStages, signing: (current && current.signing) || [], issue_role: (current && current.issue_role) || null };
    busy(btn, async () => {
      try {
        await svc.setChain(slug, body);
        toast(t('rules.chainSaved', { book: name }));
        onSaved(t('rules.chainSaved', { book: name }));
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

/** The principal's form for the reminder policy: up to two reminders before the deadline, two escalation delays. */
function reminderEditor(policy, onSaved) {
  const out = h('div', { 'aria-live': 'polite' });
  const rows = [0, 1].map((i) => {
    const b = policy.before[i];
    return h('div', { class: 'row' },
      field(t('reminders.before', { n: i + 1 }), h('input', { type: 'number', min: '0', max: '14', name: `days${i}`, value: b ? String(b.days_before) : '' }), t('reminders.beforeHint')),
      field(t('reminders.at'), h('input', { type: 'time', name: `at${i}`, value: b ? b.at : '07:00' })));
  });
  const delays = h('div', { class: 'row' },
    field(t('reminders.approver'), h('input', { type: 'number', min: '1', max: '14', name: 'approver', required: true, value: String(policy.escalate_approver_after_days) })),
    field(t('reminders.principal'), h('input', { type: 'number', min: '1', max: '14', name: 'principal', required: true, value: String(policy.escalate_principal_after_days) })));
  const btn = h('button', { type: 'submit', class: 'btn small' }, t('reminders.save'));
  const form = h('form', { 'aria-label': t('reminders.editFor') }, ...rows, delays, out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const raw = formValues(form);
    const before = [0, 1].filter((i) => raw[`days${i}`] !== '').map((i) => ({ days_before: Number(raw[`days${i}`]), at: raw[`at${i}`] }));
    const body = { before, escalate_approver_after_days: Number(raw.approver), escalate_principal_after_days: Number(raw.principal) };
    busy(btn, async () => {
      try {
        await svc.setReminderPolicy(body);
        toast(t('reminders.saved'));
        onSaved(t('reminders.saved'));
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

/** Text folded for search: lower case, without diacritics (“hoc ba” finds “Học bạ”). */
function fold(text) {
  return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'd').toLowerCase();
}

/** One deadline of a book: the district's bound beside the school's rule, and its editor. */
function ruleRow(r, canEdit, reload, calendar) {
  return h('li', { dataset: { book: r.book_type, item: r.item, name: fold(ruleTitle(r)) } },
    h('div', { class: 'grow' },
      h('span', { class: 'title' }, ruleTitle(r)),
      h('dl', { class: 'kv' },
        h('dt', {}, t('rules.district')), h('dd', { class: 'district-rule' }, r.district_text || t('rules.none')),
        h('dt', {}, t('rules.school')), h('dd', { class: 'school-rule' }, r.school_text || t('rules.inherits')))),
    canEdit ? h('details', { class: 'full' }, h('summary', {}, t('rules.change')), ruleEditor(r, reload, calendar)) : null);
}

/** Book groups open on this page; kept across the re-render after a save, forgotten on a new visit. */
const openGroups = new Set();

export const rulesPage = {
  title: 'rules.title',
  roles: ADMIN,
  async render(el, ctx, user, notice) {
    if (!notice) openGroups.clear();
    const canEdit = user.roles.has('hieu_truong');
    const year = svc.schoolYearOf();
    const [rules, policy, calendar] = await Promise.all([svc.deadlineRules(), svc.reminderPolicy().catch(() => null),
      canEdit ? svc.calendarOfYear(year).catch(() => null) : null]);
    const books = [...new Map(rules.map((r) => [r.book_type, r.book_name])).entries()];
    const chains = await Promise.all(books.map(([slug]) => svc.chain(slug).then((c) => c.chain).catch(() => null)));
    const reload = (msg) => this.render(el, ctx, user, msg ? alertBox('ok', msg) : null);
    const groups = books.map(([slug, name], i) => {
      const items = rules.filter((r) => r.book_type === slug);
      const own = items.filter((r) => r.school_rule && r.school_text && r.school_text !== r.district_text).length;
      const group = h('details', { class: 'book-group', dataset: { bookGroup: slug, name: fold(name || slug) }, open: openGroups.has(slug) },
        h('summary', {}, h('span', { class: 'book-name' }, name || slug),
          h('span', { class: 'badge muted' }, t('phone.items', { n: items.length })),
          own ? h('span', { class: 'badge info' }, t('phone.tightened')) : null),
        h('div', { class: 'book-body' },
          h('ul', { class: 'list' }, items.map((r) => ruleRow(r, canEdit, reload, calendar))),
          h('div', { class: 'chain-box', dataset: { chain: slug } },
            h('h3', {}, t('rules.chains')), chainSteps(chains[i]),
            canEdit ? h('details', {}, h('summary', {}, t('rules.changeChain')), chainEditor(slug, name || slug, chains[i], reload)) : null)));
      group.addEventListener('toggle', () => { if (group.open) openGroups.add(slug); else openGroups.delete(slug); });
      return group;
    });
    const status = h('p', { class: 'search-status', role: 'status' });
    const search = h('input', { type: 'search', name: 'q', autocomplete: 'off', spellcheck: 'false' });
    search.addEventListener('input', () => {
      const q = fold(search.value.trim());
      let hits = 0;
      for (const group of groups) {
        const bookHit = q && group.dataset.name.includes(q);
        let any = false;
        for (const li of group.querySelectorAll('li[data-item]')) {
          const hit = !q || bookHit || li.dataset.name.includes(q);
          li.hidden = !hit;
          if (hit && q) { any = true; hits += 1; }
        }
        group.hidden = Boolean(q) && !any;
        if (q) group.open = any;
      }
      status.textContent = !q ? '' : hits ? t('phone.found', { n: hits, q: search.value.trim() }) : t('phone.notFound', { q: search.value.trim() });
      if (!q) for (const group of groups) group.open = false;
    });
    mount(el, head('rules.title', 'rules.intro'),
      h('div', { id: 'rules-out', 'aria-live': 'polite' }, notice || null),
      h('section', { class: 'card', 'aria-labelledby': 'dl-title' },
        h('h2', { id: 'dl-title' }, t('phone.books')),
        rules.length ? [
          h('div', { class: 'filters', role: 'search' }, field(t('phone.search'), search, t('phone.searchHint'))), status,
          h('div', { class: 'book-groups' }, groups)]
          : emptyState(t('rules.empty'), t('rules.emptyText'))),
      h('section', { class: 'card', 'aria-labelledby': 'rm-title' },
        h('h2', { id: 'rm-title' }, t('reminders.title')),
        h('p', { class: 'reminder-policy' }, policy ? policy.text : t('reminders.unavailable')),
        canEdit && policy ? h('details', {}, h('summary', {}, t('reminders.change')), reminderEditor(policy.reminders, reload)) : null));
  },
};

// ---------------------------------------------------------------- staff and import
function importReport(report) {
  const problems = report.problems || [];
  return h('div', { class: 'import-report' },
    problems.length ? alertBox('error', t('staff.importProblems', { n: new Set(problems.map((p) => p.row)).size }), t('staff.importFix'))
      : alertBox('ok', report.applied ? t('staff.importApplied', { n: report.rows }) : t('staff.importClean', { n: report.rows })),
    h('p', {}, t('staff.importSummary', { rows: report.rows, bad: problems.length, created: report.new_people ?? 0, existing: report.existing_people ?? 0, roles: report.new_roles ?? 0 })),
    problems.length ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('app.scrollTable') }, h('table', {},
      h('caption', {}, t('staff.reportCaption')),
      h('thead', {}, h('tr', {}, ['row', 'column', 'problem'].map((k) => h('th', { scope: 'col' }, t(`staff.col.${k}`))))),
      h('tbody', {}, problems.map((p) => h('tr', {},
        h('td', { class: 'num' }, String(p.row)), h('td', {}, p.column || ''), h('td', {}, p.problem)))))) : null,
    (report.created_accounts || []).length ? h('details', {}, h('summary', {}, t('staff.newAccounts', { n: report.created_accounts.length })),
      h('ul', {}, report.created_accounts.map((a) => h('li', {}, Object.values(a).join(' — '))))) : null);
}

const SCHOOL_ROLES = ['giao_vien', 'to_truong', 'to_pho', 'pho_hieu_truong', 'tong_phu_trach', 'van_thu', 'ke_toan', 'quan_tri'];
const UNIT_KINDS = ['to_chuyen_mon', 'to_van_phong', 'lop'];

function roleForm(school, person, unitList, onDone) {
  const role = h('select', { name: 'role' }, SCHOOL_ROLES.map((r) => h('option', { value: r }, roleName(r))));
  const unit = h('select', { name: 'unit' }, h('option', { value: '' }, t('staff.wholeSchool')), unitList.map((u) => h('option', { value: u.slug }, u.name)));
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn small' }, t('staff.grant'));
  const form = h('form', { class: 'role-form', 'aria-label': t('staff.grantFor', { name: person.full_name }) },
    h('div', { class: 'row' }, field(t('staff.role'), role), field(t('staff.unit'), unit, t('staff.unitHint'))), out, btn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      try { await svc.grantRole(school, person.id, role.value, unit.value); onDone(t('staff.granted', { role: roleName(role.value), name: person.full_name })); } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

function unitForm(school, onDone) {
  const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' });
  const slug = h('input', { type: 'text', name: 'slug', required: true, pattern: '[a-z0-9-]+', autocomplete: 'off' });
  const kind = h('select', { name: 'kind' }, UNIT_KINDS.map((k) => h('option', { value: k }, t(`staff.kind.${k}`))));
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn secondary' }, t('staff.addUnit'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'unit-title' },
    h('h2', { id: 'unit-title' }, t('staff.units')),
    h('div', { class: 'row' }, field(t('staff.unitName'), name), field(t('staff.unitSlug'), slug, t('onboard.slugHint')), field(t('staff.unitKind'), kind)),
    out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      try { await svc.addUnit(school, { slug: slug.value.trim(), name: name.value.trim(), kind: kind.value }); onDone(t('staff.unitAdded', { name: name.value.trim() })); } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

export const staffPage = {
  title: 'staff.title',
  roles: ADMIN,
  async render(el, ctx, user, notice) {
    const school = user.tenant;
    const [people, unitList] = await Promise.all([svc.people(school), svc.units(school).catch(() => [])]);
    const unitName = new Map(unitList.map((u) => [u.id, u.name]).concat(unitList.map((u) => [u.slug, u.name])));
    const reload = (msg) => { forgetNames(); return this.render(el, ctx, user, msg ? alertBox('ok', msg) : null); };
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
      const button = ev.submitter || dry;
      if (!drop.file) { mount(out, alertBox('error', t('staff.needFile'))); return; }
      busy(button, async () => {
        try {
          const report = await svc.importStaff(school, drop.file, button.value === 'apply', (a, b) => prog.update(a, b));
          prog.hide();
          mount(out, importReport(report));
          if (report.applied) toast(t('staff.applied'));
        } catch (err) {
          prog.hide();
          mount(out, errorAlert(err));
        }
      });
    });
    mount(el, head('staff.title', 'staff.intro'),
      h('div', { id: 'staff-out', 'aria-live': 'polite' }, notice || null),
      form,
      h('section', { class: 'card', 'aria-labelledby': 'ppl-title' },
        h('h2', { id: 'ppl-title' }, t('staff.people', { n: people.length })),
        people.length ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('app.scrollTable') }, h('table', {},
          h('thead', {}, h('tr', {}, ['name', 'username', 'roles'].map((k) => h('th', { scope: 'col' }, t(`staff.th.${k}`))))),
          h('tbody', {}, people.map((p) => h('tr', { dataset: { person: p.id } },
            h('td', {}, h('a', { href: personLink(p.id) }, p.full_name)),
            h('td', {}, p.id),
            h('td', {}, (p.memberships || []).map((m) => `${roleName(m.role)}${m.unit ? ` (${unitName.get(m.unit) || m.unit})` : ''}`).join(', '),
              h('details', {}, h('summary', {}, t('staff.addRole')), roleForm(school, p, unitList, reload))))))))
          : emptyState(t('staff.empty'), t('staff.emptyText'))),
      unitForm(school, reload));
  },
};

// ---------------------------------------------------------------- lock and open
function localInput(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export const locksPage = {
  title: 'locks.title',
  roles: ADMIN,
  async render(el, ctx, user, notice) {
    const [list, rules, unitList] = await Promise.all([svc.locks(), svc.deadlineRules().catch(() => []), svc.units(user.tenant).catch(() => [])]);
    const books = [...new Map(rules.map((r) => [r.book_type, r.book_name])).entries()];
    const reload = (msg) => this.render(el, ctx, user, msg ? alertBox('ok', msg) : null);
    const out = h('div', { 'aria-live': 'polite' });
    const now = new Date();
    const book = h('select', { name: 'book' }, h('option', { value: '' }, t('locks.allBooks')), books.map(([slug, name]) => h('option', { value: slug }, name)));
    const unit = h('select', { name: 'unit_id' }, h('option', { value: '' }, t('locks.allUnits')),
      unitList.filter((u) => u.kind !== 'lop').map((u) => h('option', { value: u.id }, u.name)));
    const period = h('input', { type: 'text', name: 'period', placeholder: `${svc.schoolYearOf()}.t10`, autocomplete: 'off' });
    const year = h('input', { type: 'text', name: 'school_year', value: svc.schoolYearOf(), autocomplete: 'off' });
    const starts = h('input', { type: 'datetime-local', name: 'starts_at', value: localInput(now), required: true });
    const ends = h('input', { type: 'datetime-local', name: 'ends_at', value: localInput(new Date(now.getTime() + 7 * 86400000)), required: true });
    const reason = h('input', { type: 'text', name: 'reason', required: true, minlength: '3' });
    const btn = h('button', { type: 'submit', class: 'btn' }, t('locks.lock'));
    const form = h('form', { class: 'card', 'aria-labelledby': 'lk-new' },
      h('h2', { id: 'lk-new' }, t('locks.new')), h('p', {}, t('locks.scopeHelp')),
      h('div', { class: 'row' }, field(t('locks.book'), book), field(t('locks.unit'), unit)),
      h('div', { class: 'row' }, field(t('locks.year'), year), field(t('locks.period'), period, t('locks.periodHint'))),
      h('div', { class: 'row' }, field(t('locks.from'), starts), field(t('locks.until'), ends)),
      field(t('locks.reason'), reason, t('locks.reasonHint')), out, h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = { reason: v.reason, starts_at: new Date(v.starts_at).toISOString(), ends_at: new Date(v.ends_at).toISOString() };
      for (const k of ['book', 'unit_id', 'period', 'school_year']) if (v[k]) body[k] = v[k];
      busy(btn, async () => {
        try { await svc.createLock(body); reload(t('locks.locked')); } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    const bookName = new Map(books);
    const unitName = new Map(unitList.map((u) => [u.id, u.name]));
    const scopeText = (l) => [l.book ? bookName.get(l.book) || l.book : t('locks.allBooks'), l.unit_id ? unitName.get(l.unit_id) || l.unit_id : null,
      l.period || l.school_year].filter(Boolean).join(' · ');
    const active = (l) => !l.removed && new Date(l.ends_at) > now;
    mount(el, head('locks.title', 'locks.intro'), h('div', { 'aria-live': 'polite' }, notice || null), form,
      h('section', { class: 'card', 'aria-labelledby': 'lk-list' },
        h('h2', { id: 'lk-list' }, t('locks.current')),
        list.length ? h('ul', { class: 'list' }, list.map((l) => h('li', {},
          h('div', { class: 'grow' },
            h('span', { class: 'title' }, scopeText(l)),
            h('span', { class: 'meta' }, t('locks.window', { from: fmtDateTime(l.starts_at), until: fmtDateTime(l.ends_at) })),
            h('div', { class: 'meta' }, t('locks.because', { reason: l.reason || '' }))),
          h('span', { class: `badge ${active(l) ? 'bad' : 'muted'}` }, active(l) ? t('locks.active') : t('locks.ended')),
          active(l) ? h('button', { type: 'button', class: 'btn secondary small', 'aria-label': t('locks.unlockOf', { scope: scopeText(l) }), onclick: (e) => busy(e.currentTarget, async () => {
            try { await svc.removeLock(l.id); reload(t('locks.unlocked')); } catch (err) { toast(err.title, 'error'); }
          }) }, t('locks.unlock')) : null)))
          : emptyState(t('locks.empty'), t('locks.emptyText'))));
  },
};

// ---------------------------------------------------------------- delegation
export const delegationPage = {
  title: 'delegation.title',
  roles: ['hieu_truong', 'to_truong'],
  async render(el, ctx, user, notice) {
    const school = user.tenant;
    const [list, people, rules] = await Promise.all([svc.delegations(school), svc.people(school).catch(() => []), svc.deadlineRules().catch(() => [])]);
    const names = await namesOf(school, user);
    const bookNames = new Map(rules.map((r) => [r.book_type, r.book_name]));
    const reload = (msg) => this.render(el, ctx, user, msg ? alertBox('ok', msg) : null);
    const out = h('div', { 'aria-live': 'polite' });
    const mine = [];
    if (user.claims.roles?.includes('hieu_truong')) mine.push(['hieu_truong', null]);
    for (const [r, u] of user.unitRoles) if (r === 'to_truong') mine.push([r, u]);
    // Only the principal and quản trị may read the staff list; others name the deputy by account.
    const to = people.length
      ? h('select', { name: 'delegate_id', required: true }, h('option', { value: '' }, t('delegation.pick')),
        people.filter((p) => p.id !== user.sub).map((p) => h('option', { value: p.id }, p.full_name)))
      : h('input', { type: 'text', name: 'delegate_id', required: true, autocomplete: 'off', spellcheck: 'false' });
    const role = h('select', { name: 'role' }, mine.map(([r, u], i) => h('option', { value: String(i) }, u ? `${roleName(r)} — ${t('delegation.unit', { unit: u.split('/').pop() })}` : roleName(r))));
    const books = h('select', { name: 'book_types' }, h('option', { value: '' }, t('delegation.allBooks')),
      [...bookNames.entries()].map(([slug, name]) => h('option', { value: slug }, name)));
    const today = new Date().toISOString().slice(0, 10);
    const from = h('input', { type: 'date', name: 'starts_on', value: today, required: true });
    const until = h('input', { type: 'date', name: 'ends_on', required: true });
    const btn = h('button', { type: 'submit', class: 'btn' }, t('delegation.create'));
    const form = h('form', { class: 'card', 'aria-labelledby': 'dg-new' },
      h('h2', { id: 'dg-new' }, t('delegation.new')),
      h('div', { class: 'row' }, field(t('delegation.to'), to, people.length ? null : t('delegation.toHint')), field(t('delegation.role'), role)),
      field(t('delegation.books'), books),
      h('div', { class: 'row' }, field(t('delegation.from'), from), field(t('delegation.until'), until)),
      out, h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const [r, u] = mine[Number(v.role)] || [];
      if (!v.delegate_id || !v.ends_on) { mount(out, alertBox('error', t('delegation.needFields'))); return; }
      const body = {
        delegate_id: v.delegate_id, role: r, unit: u ? u.split('/').pop() : null,
        book_types: v.book_types ? [v.book_types] : [],
        starts_at: new Date(`${v.starts_on}T00:00:00+07:00`).toISOString(),
        until: new Date(`${v.ends_on}T23:59:59+07:00`).toISOString(),
      };
      busy(btn, async () => { try { await svc.createDelegation(school, body); reload(t('delegation.created')); } catch (err) { mount(out, errorAlert(err)); } });
    });
    mount(el, head('delegation.title', 'delegation.intro'), h('div', { 'aria-live': 'polite' }, notice || null),
      mine.length ? form : null,
      h('section', { class: 'card', 'aria-labelledby': 'dg-list' },
        h('h2', { id: 'dg-list' }, t('delegation.current')),
        list.length ? h('ul', { class: 'list' }, list.map((d) => h('li', {},
          h('div', { class: 'grow' },
            h('span', { class: 'title' }, t('delegation.line', { from: names.get(d.delegator_id) || d.delegator_id, to: names.get(d.delegate_id) || d.delegate_id, role: roleName(d.role) })),
            h('span', { class: 'meta' }, t('locks.window', { from: fmtDateTime(d.starts_at), until: fmtDateTime(d.until) })),
            h('div', { class: 'meta' }, d.book_types && d.book_types.length ? d.book_types.map((b) => bookNames.get(b) || b).join(', ') : t('delegation.allBooks'))),
          d.revoked_at ? h('span', { class: 'badge muted' }, t('delegation.revoked'))
            : (d.delegator_id === user.sub ? h('button', { type: 'button', class: 'btn secondary small', onclick: (e) => busy(e.currentTarget, async () => {
              try { await svc.revokeDelegation(school, d.id); reload(t('delegation.revokedOk')); } catch (err) { toast(err.title, 'error'); }
            }) }, t('delegation.revoke')) : h('span', { class: 'badge ok' }, t('delegation.active'))))))
          : emptyState(t('delegation.empty'), t('delegation.emptyText'))));
  },
};

// ---------------------------------------------------------------- school progress
/** A period picker: the school year, or one of its months. */
export function periodPicker(current, onChange) {
  const year = svc.schoolYearOf();
  const [y1, y2] = year.split('-').map(Number);
  const months = [9, 10, 11, 12].map((m) => `${y1}-${String(m).padStart(2, '0')}`).concat([1, 2, 3, 4, 5].map((m) => `${y2}-${String(m).padStart(2, '0')}`));
  const select = h('select', { name: 'period', onchange: (ev) => onChange(ev.target.value) },
    h('option', { value: year, selected: current === year }, t('progress.wholeYear', { year })),
    months.map((m) => h('option', { value: m, selected: current === m }, t('progress.month', { month: Number(m.slice(5)), year: m.slice(0, 4) }))));
  return h('div', { class: 'filters' }, field(t('progress.period'), select));
}

export const progressPage = {
  title: 'progress.title',
  roles: ['hieu_truong', 'pho_hieu_truong', 'quan_tri', 'to_truong'],
  async render(el, ctx, user) {
    const period = ctx.query.get('ky') || svc.schoolYearOf();
    const school = user.tenant;
    const unitList = (await svc.units(school).catch(() => [])).filter((u) => u.kind !== 'lop');
    const mayAll = user.roles.has('hieu_truong') || user.roles.has('pho_hieu_truong') || user.roles.has('quan_tri');
    const visible = mayAll ? unitList : unitList.filter((u) => user.unitRoles.some(([, uid]) => uid === u.id));
    // leaders: the school's dashboard, every tổ in one answer; a tổ trưởng: their own tổ
    const view = mayAll ? await svc.dashboard('school', school, { year: svc.schoolYearOf(), period }) : null;
    const totals = view ? view.total : null;
    const rows = view ? view.rows.filter((r) => r.kind === 'to')
      : rankWorstFirst((await Promise.all(visible.map((u) => svc.progress('to', u.id, period)
        .then((r) => ({ ...r, id: u.id, name: u.name })).catch(() => null)))).filter(Boolean));
    mount(el, head('progress.title', 'progress.intro'),
      periodPicker(period, (p) => navigate(`/truong/tien-do?ky=${encodeURIComponent(p)}`)),
      totals ? h('section', { class: 'card', 'aria-labelledby': 'pg-all' }, h('h2', { id: 'pg-all' }, t('progress.wholeSchool')),
        progressTable([{ ...totals, name: t('progress.wholeSchool') }])) : null,
      h('section', { class: 'card', 'aria-labelledby': 'pg-units' },
        h('h2', { id: 'pg-units' }, t('progress.byUnit')),
        rows.length ? [progressChart(rows, t('progress.chartUnits')), progressTable(rows, { ranked: true, caption: t('progress.byUnit') })]
          : emptyState(t('progress.empty'), t('progress.emptyText'))));
  },
};
