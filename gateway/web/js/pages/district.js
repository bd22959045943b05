/**
 * District pages: every school's progress ranked worst first with a chart, drilling down
 * school → tổ → teacher → document; onboarding a new school.
 */
import { h, mount, emptyState, field, errorAlert, busy, alertBox, stateBadge, fmtDateTime, formValues } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { progressTable, progressChart, rankWorstFirst } from '../core/progress.js';
import * as svc from '../services.js';

const DISTRICT = ['truong_phong', 'chuyen_vien', 'chuyen_vien_so'];

export const districtPage = {
  title: 'district.title',
  roles: DISTRICT,
  async render(el, ctx, user) {
    const data = await svc.progress({ scope: 'district', district: user.district });
    const ranked = rankWorstFirst(data.schools || data.rows || data.items || []);
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('district.title')), h('p', {}, t('district.intro')))),
      ranked.length ? [
        h('section', { class: 'card', 'aria-labelledby': 'ds-chart' }, h('h2', { id: 'ds-chart' }, t('district.ranked')), progressChart(ranked, t('district.chart'))),
        h('section', { class: 'card', 'aria-labelledby': 'ds-table' }, h('h2', { id: 'ds-table' }, t('district.table')),
          progressTable(ranked, { ranked: true, caption: t('district.tableCaption'), link: (r) => `/phong/truong/${encodeURIComponent(r.id || r.school)}` }))]
        : h('section', { class: 'card' }, emptyState(t('district.empty'), t('district.emptyText'))));
  },
};

/** Drill-down: ?to=<unit> shows the tổ's teachers; &gv=<person> shows that teacher's documents. */
export const schoolDrillPage = {
  title: 'district.school',
  roles: DISTRICT,
  async render(el, ctx) {
    const school = ctx.params.school;
    const unit = ctx.query.get('to');
    const person = ctx.query.get('gv');
    const data = await svc.progress({ scope: person ? 'person' : unit ? 'unit' : 'school', school, unit, person });
    const base = `/phong/truong/${encodeURIComponent(school)}`;
    const crumbs = [h('li', {}, h('a', { href: '/phong' }, t('district.title'))), h('li', {}, unit ? h('a', { href: base }, data.school_name || school) : (data.school_name || school))];
    if (unit) crumbs.push(h('li', {}, person ? h('a', { href: `${base}?to=${encodeURIComponent(unit)}` }, data.unit_name || unit) : (data.unit_name || unit)));
    if (person) crumbs.push(h('li', {}, data.person_name || person));
    let body;
    if (person) {
      const docs = data.documents || data.items || [];
      body = docs.length ? h('ul', { class: 'list' }, docs.map((d) => h('li', {},
        h('div', { class: 'grow' }, h('span', { class: 'title' }, d.book_name || d.title), h('span', { class: 'meta' }, [d.period_label || d.period, t('mywork.due', { time: fmtDateTime(d.due_at) })].join(' · '))),
        stateBadge(d.status || d.state)))) : emptyState(t('district.noDocs'));
    } else {
      const rows = rankWorstFirst(unit ? (data.people || data.rows || []) : (data.units || data.rows || []));
      const link = unit ? (r) => `${base}?to=${encodeURIComponent(unit)}&gv=${encodeURIComponent(r.id)}` : (r) => `${base}?to=${encodeURIComponent(r.id)}`;
      body = rows.length ? [progressChart(rows, t(unit ? 'district.chartPeople' : 'district.chartUnits')), progressTable(rows, { link })] : emptyState(t('district.noRows'));
    }
    mount(el,
      h('nav', { 'aria-label': t('district.breadcrumb') }, h('ol', { class: 'crumbs' }, crumbs)),
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, person ? (data.person_name || person) : unit ? (data.unit_name || unit) : (data.school_name || school)))),
      h('section', { class: 'card' }, body));
  },
};

export const onboardPage = {
  title: 'onboard.title',
  roles: ['truong_phong'],
  async render(el, ctx, user) {
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
            name: v.name, slug: v.slug, levels: chosen, district: user.district,
            principal: { full_name: v.principal_name, email: v.principal_email },
          });
          form.reset();
          mount(out, alertBox('ok', t('onboard.done', { name: school.name || v.name }), t('onboard.doneDetail')));
        } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    mount(el, h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('onboard.title')), h('p', {}, t('onboard.intro')))), form);
  },
};
