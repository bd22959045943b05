/**
 * District pages: every school's progress ranked worst first with a chart, drilling down
 * school → tổ → teacher → document; onboarding a new school.
 */
import { h, mount, emptyState, field, errorAlert, busy, alertBox, stateBadge, fmtDateTime, formValues } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { progressTable, progressChart, rankWorstFirst } from '../core/progress.js';
import { navigate } from '../core/router.js';
import { periodPicker } from './school.js';
import * as svc from '../services.js';

const DISTRICT = ['truong_phong', 'chuyen_vien', 'chuyen_vien_so'];

export const districtPage = {
  title: 'district.title',
  roles: DISTRICT,
  async render(el, ctx) {
    const period = ctx.query.get('ky') || svc.schoolYearOf();
    const schools = await svc.schools();
    const rows = await Promise.all(schools.map((s) => svc.progress('school', s.id, period)
      .then((r) => ({ ...r, id: s.id, name: s.name }))
      .catch(() => ({ id: s.id, name: s.name, owed: 0 }))));
    const ranked = rankWorstFirst(rows);
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('district.title')), h('p', {}, t('district.intro')))),
      periodPicker(period, (p) => navigate(`/phong?ky=${encodeURIComponent(p)}`)),
      ranked.length ? [
        h('section', { class: 'card', 'aria-labelledby': 'ds-chart' }, h('h2', { id: 'ds-chart' }, t('district.ranked')), progressChart(ranked, t('district.chart'))),
        h('section', { class: 'card', 'aria-labelledby': 'ds-table' }, h('h2', { id: 'ds-table' }, t('district.table')),
          progressTable(ranked, { ranked: true, caption: t('district.tableCaption'), link: (r) => `/phong/truong/${encodeURIComponent(r.id)}?ky=${encodeURIComponent(period)}` }))]
        : h('section', { class: 'card' }, emptyState(t('district.empty'), t('district.emptyText'))));
  },
};

/** Drill-down: ?to=<unit id> shows the tổ's teachers; &gv=<person> shows that teacher's documents. */
export const schoolDrillPage = {
  title: 'district.school',
  roles: DISTRICT,
  async render(el, ctx) {
    const schoolId = ctx.params.school;
    const unitId = ctx.query.get('to');
    const person = ctx.query.get('gv');
    const period = ctx.query.get('ky') || svc.schoolYearOf();
    const school = await svc.school(schoolId);
    const unitList = (await svc.units(schoolId)).filter((u) => u.kind !== 'lop');
    const unit = unitId ? unitList.find((u) => u.id === unitId) : null;
    if (unitId && !unit) ctx.notFound();
    const base = `/phong/truong/${encodeURIComponent(schoolId)}`;
    const q = (extra) => `?ky=${encodeURIComponent(period)}${extra || ''}`;
    const crumbs = [h('li', {}, h('a', { href: `/phong${q()}` }, t('district.title'))),
      h('li', {}, unit ? h('a', { href: base + q() }, school.name) : school.name)];
    let title = school.name;
    let body;
    if (unit && person) {
      const staff = await svc.people(schoolId).catch(() => []);
      const who = staff.find((p) => p.id === person);
      if (!who) ctx.notFound();
      title = who.full_name;
      crumbs.push(h('li', {}, h('a', { href: `${base}${q(`&to=${encodeURIComponent(unit.id)}`)}` }, unit.name)), h('li', {}, who.full_name));
      // A school's books are read inside an inspection campaign covering the school (its scope applies).
      const campaign = (await svc.campaigns().catch(() => [])).find((c) => c.active && c.schools.includes(schoolId));
      const docs = campaign ? await svc.searchDocuments({ school: schoolId, owner: person, campaign: campaign.id,
        school_year: period.length === 9 ? period : undefined }) : [];
      body = !campaign ? alertBox('info', t('district.needCampaign'), h('a', { href: '/phong/dot-kiem-tra' }, t('district.openCampaign')))
        : docs.length ? h('ul', { class: 'list' }, docs.map((d) => h('li', {},
          h('div', { class: 'grow' }, h('span', { class: 'title' }, d.title || d.book),
            h('span', { class: 'meta' }, [d.period, t('district.updated', { time: fmtDateTime(d.updated_at) })].join(' · '))),
          stateBadge(d.status))))
          : emptyState(t('district.noDocs'));
    } else if (unit) {
      title = unit.name;
      crumbs.push(h('li', {}, unit.name));
      const staff = (await svc.people(schoolId).catch(() => [])).filter((p) => (p.memberships || []).some((m) => m.unit === unit.id || m.unit === unit.slug));
      const totals = await svc.progress('to', unit.id, period).catch(() => null);
      body = [
        totals ? progressTable([{ ...totals, name: unit.name }]) : null,
        h('h2', {}, t('district.teachers')),
        staff.length ? h('ul', { class: 'list' }, staff.map((p) => h('li', {},
          h('a', { class: 'title', href: `${base}${q(`&to=${encodeURIComponent(unit.id)}&gv=${encodeURIComponent(p.id)}`)}` }, p.full_name),
          h('span', { class: 'meta' }, p.position || '')))) : emptyState(t('district.noRows'))];
    } else {
      const rows = rankWorstFirst(await Promise.all(unitList.map((u) => svc.progress('to', u.id, period)
        .then((r) => ({ ...r, id: u.id, name: u.name })).catch(() => ({ id: u.id, name: u.name, owed: 0 })))));
      body = rows.length ? [progressChart(rows, t('district.chartUnits')),
        progressTable(rows, { ranked: true, link: (r) => `${base}${q(`&to=${encodeURIComponent(r.id)}`)}` })] : emptyState(t('district.noRows'));
    }
    mount(el,
      h('nav', { 'aria-label': t('district.breadcrumb') }, h('ol', { class: 'crumbs' }, crumbs)),
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, title))),
      h('section', { class: 'card' }, body));
  },
};

export const onboardPage = {
  title: 'onboard.title',
  roles: ['truong_phong'],
  async render(el) {
    const out = h('div', { 'aria-live': 'polite' });
    const levels = ['mam_non', 'tieu_hoc', 'thcs', 'thpt'];
    const btn = h('button', { type: 'submit', class: 'btn' }, t('onboard.submit'));
    const form = h('form', { class: 'card', 'aria-labelledby': 'ob-form' },
      h('h2', { id: 'ob-form' }, t('onboard.school')),
      field(t('onboard.name'), h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' }), t('onboard.nameHint')),
      field(t('onboard.slug'), h('input', { type: 'text', name: 'slug', required: true, pattern: '[a-z0-9-]+', autocomplete: 'off' }), t('onboard.slugHint')),
      h('fieldset', { class: 'field' }, h('legend', {}, t('onboard.levels')),
        levels.map((l) => h('label', { class: 'checkbox' }, h('input', { type: 'checkbox', name: 'levels', value: l }), t(`level.${l}`)))),
      h('h2', {}, t('onboard.principal')),
      field(t('onboard.principalName'), h('input', { type: 'text', name: 'principal_name', required: true, autocomplete: 'off' })),
      field(t('onboard.principalUsername'), h('input', { type: 'text', name: 'principal_username', required: true, autocomplete: 'off' }), t('onboard.principalUsernameHint')),
      field(t('onboard.principalEmail'), h('input', { type: 'email', name: 'principal_email', required: true, autocomplete: 'off' })),
      out, h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const chosen = [...form.querySelectorAll('input[name=levels]:checked')].map((c) => c.value);
      if (!chosen.length) { mount(out, alertBox('error', t('onboard.needLevel'))); return; }
      busy(btn, async () => {
        try {
          const school = await svc.onboardSchool({
            name: v.name, slug: v.slug, levels: chosen,
            principal: { username: v.principal_username, full_name: v.principal_name, email: v.principal_email },
          });
          form.reset();
          mount(out, alertBox('ok', t('onboard.done', { name: school.name || v.name }), t('onboard.doneDetail')));
        } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    mount(el, h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('onboard.title')), h('p', {}, t('onboard.intro')))), form);
  },
};
