/**
 * Oversight pages: the province's units or the unit's schools ranked worst first with the year's
 * trend, each view one request (``GET /dashboards/…``); drilling down school → tổ → teacher →
 * document; any view as Excel or as a PDF report with charts; the monthly reports; onboarding a new school.
 */
import { h, mount, emptyState, field, errorAlert, busy, alertBox, stateBadge, fmtDateTime, formValues } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { progressTable, progressChart, trendChart } from '../core/progress.js';
import { navigate } from '../core/router.js';
import { periodPicker } from './school.js';
import * as svc from '../services.js';

const DISTRICT = ['truong_phong', 'chuyen_vien', 'chuyen_vien_so'];

/** A button that fetches a file with the bearer token and hands it to the browser as a download. */
function downloadButton(label, fetchUrl, fileName, out, ariaLabel = null) {
  const btn = h('button', { type: 'button', class: 'btn secondary', 'aria-label': ariaLabel }, label);
  btn.addEventListener('click', () => busy(btn, async () => {
    try {
      const href = await fetchUrl();
      const a = h('a', { href, download: fileName });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10000);
      mount(out);
    } catch (err) { mount(out, errorAlert(err)); }
  }));
  return btn;
}

/** The view as XLSX and as a PDF report with charts; ``baseName`` without extension. */
function exportButton(level, id, query, baseName) {
  const out = h('span', { 'aria-live': 'polite' });
  return h('div', { class: 'actions' },
    downloadButton(t('dashboard.export'), () => svc.dashboardXlsx(level, id, query), `${baseName}.xlsx`, out),
    downloadButton(t('dashboard.exportPdf'), () => svc.dashboardPdf(level, id, query), `${baseName}.pdf`, out),
    out);
}

/** “Báo cáo hằng tháng”: the scope's monthly reports, each as PDF and Excel; ``current`` is the one a notice linked. */
async function monthlyReportsSection(level, id, current) {
  const reports = await svc.monthlyReports(level, id).catch(() => null);
  const out = h('span', { 'aria-live': 'polite' });
  const body = reports === null ? emptyState(t('reports.unavailable'))
    : !reports.length ? emptyState(t('reports.empty'), t('reports.intro'))
      : h('ul', { class: 'list' }, reports.map((r) => {
        const name = `bao-cao-thang-${r.scope_id}-${r.month}`;
        return h('li', { 'data-report': r.id, 'aria-current': r.id === current ? 'true' : null },
          h('div', { class: 'grow' }, h('span', { class: 'title' }, t('reports.item', { month: r.month_label, key: r.month })),
            h('span', { class: 'meta' }, t('reports.meta', { schools: r.schools, percent: r.on_time_percent,
              time: fmtDateTime(r.built_at) }))),
          h('div', { class: 'actions' },
            downloadButton(t('reports.pdf'), () => svc.monthlyReportFile(r.id, 'pdf'), `${name}.pdf`, out,
              t('reports.pdfOf', { month: r.month_label, key: r.month })),
            downloadButton(t('reports.xlsx'), () => svc.monthlyReportFile(r.id, 'xlsx'), `${name}.xlsx`, out,
              t('reports.xlsxOf', { month: r.month_label, key: r.month }))));
      }));
  const section = h('section', { class: 'card', id: 'bao-cao-hang-thang', 'aria-labelledby': 'mr-title' },
    h('h2', { id: 'mr-title' }, t('reports.title')), reports && reports.length ? h('p', {}, t('reports.intro')) : null, body, out);
  if (current) setTimeout(() => section.scrollIntoView({ block: 'start' }), 0);
  return section;
}

/** Totals, ranked chart, table and the year's trend of one view. */
function viewSections(view, { rowsTitle, chartTitle, caption, link }) {
  const rows = view.rows;
  return [
    h('section', { class: 'card', 'aria-labelledby': 'dv-total' }, h('h2', { id: 'dv-total' }, t('dashboard.total')),
      progressTable([{ ...view.total, name: view.name }], { full: true })),
    rows.length ? [
      h('section', { class: 'card', 'aria-labelledby': 'ds-chart' }, h('h2', { id: 'ds-chart' }, rowsTitle), progressChart(rows, chartTitle)),
      h('section', { class: 'card', 'aria-labelledby': 'ds-table' }, h('h2', { id: 'ds-table' }, t('district.table')),
        progressTable(rows, { ranked: true, full: true, caption, link }))]
      : h('section', { class: 'card' }, emptyState(t('district.empty'), t('district.emptyText'))),
    h('section', { class: 'card', 'aria-labelledby': 'dv-trend' }, h('h2', { id: 'dv-trend' }, t('dashboard.trend', { year: view.year })),
      trendChart(view.trend, t('dashboard.trend', { year: view.year }))),
  ];
}

const ZERO = { owed: 0, on_time: 0, late: 0, missing: 0, awaiting_approval: 0, awaiting_signature: 0, signing_overdue: 0,
  signed_late: 0, approved: 0, avg_approval_hours: null, late_or_missing_share: null };

export const districtPage = {
  title: 'district.title',
  roles: DISTRICT,
  async render(el, ctx, user) {
    const year = svc.schoolYearOf();
    const period = ctx.query.get('ky') || year;
    const unitId = ctx.query.get('don-vi');
    const province = !unitId && user.roles.has('chuyen_vien_so') && user.province;
    const level = province ? 'province' : 'unit';
    const id = province ? user.province : (unitId || user.district);
    const [view, unitSchools, monthly] = await Promise.all([svc.dashboard(level, id, { year, period }),
      province ? Promise.resolve([]) : svc.unitSchools(id).catch(() => []),
      monthlyReportsSection(level, id, ctx.query.get('bao-cao'))]);
    // A school onboarded a moment ago is listed at once (identity's list), with no figures yet.
    const listed = new Set(view.rows.map((r) => r.id));
    for (const s of unitSchools) {
      if (!listed.has(s.id)) view.rows.push({ kind: 'school', id: s.id, name: s.name, ...ZERO });
    }
    const q = (extra) => `?ky=${encodeURIComponent(period)}${extra || ''}`;
    const here = (p) => `/phong?ky=${encodeURIComponent(p)}${unitId ? `&don-vi=${encodeURIComponent(unitId)}` : ''}`;
    mount(el,
      unitId && user.roles.has('chuyen_vien_so') ? h('nav', { 'aria-label': t('district.breadcrumb') }, h('ol', { class: 'crumbs' },
        h('li', {}, h('a', { href: `/phong${q()}` }, t('dashboard.province_crumb'))), h('li', {}, view.name))) : null,
      h('div', { class: 'page-head' }, h('div', {},
        h('h1', {}, province ? t('dashboard.province') : t('district.title')),
        h('p', {}, province ? t('dashboard.provinceIntro') : t('dashboard.unitIntro')))),
      periodPicker(period, (p) => navigate(here(p))),
      exportButton(level, id, { year, period }, `bang-theo-doi-${id}-${period}`),
      province
        ? viewSections(view, { rowsTitle: t('dashboard.units'), chartTitle: t('dashboard.unitsChart'), caption: t('dashboard.unitsCaption'),
          link: (r) => `/phong${q(`&don-vi=${encodeURIComponent(r.id)}`)}` })
        : viewSections(view, { rowsTitle: t('district.ranked'), chartTitle: t('district.chart'), caption: t('district.tableCaption'),
          link: (r) => `/phong/truong/${encodeURIComponent(r.id)}${q()}` }),
      monthly);
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
    const year = svc.schoolYearOf();
    const period = ctx.query.get('ky') || year;
    const view = await svc.dashboard('school', schoolId, { year, period });  // tổ and teachers in one answer
    const unitList = (await svc.units(schoolId)).filter((u) => u.kind !== 'lop');
    const unit = unitId ? unitList.find((u) => u.id === unitId) : null;
    if (unitId && !unit) ctx.notFound();
    const base = `/phong/truong/${encodeURIComponent(schoolId)}`;
    const q = (extra) => `?ky=${encodeURIComponent(period)}${extra || ''}`;
    const crumbs = [h('li', {}, h('a', { href: `/phong${q()}` }, t('district.title'))),
      h('li', {}, unit ? h('a', { href: base + q() }, view.name) : view.name)];
    let title = view.name;
    let body;
    const teams = view.rows.filter((r) => r.kind === 'to');
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
      const staff = await svc.people(schoolId).catch(() => []);
      const names = new Map(staff.flatMap((p) => [[p.id, p.full_name], [p.username, p.full_name]]));
      const totals = teams.find((r) => r.id === unit.id);
      const teachers = view.rows.filter((r) => r.kind === 'teacher' && r.unit === unit.id).map((r) => ({ ...r, name: names.get(r.id) || r.id }));
      body = [
        totals ? progressTable([{ ...totals, name: unit.name }], { full: true }) : null,
        h('h2', {}, t('dashboard.teachersRanked')),
        teachers.length ? progressTable(teachers, { ranked: true, full: true,
          link: (r) => `${base}${q(`&to=${encodeURIComponent(unit.id)}&gv=${encodeURIComponent(r.id)}`)}` }) : emptyState(t('district.noRows'))];
    } else {
      body = teams.length ? [progressChart(teams, t('district.chartUnits')),
        progressTable(teams, { ranked: true, full: true, link: (r) => `${base}${q(`&to=${encodeURIComponent(r.id)}`)}` }),
        trendChart(view.trend, t('dashboard.trend', { year: view.year }))] : emptyState(t('district.noRows'));
    }
    mount(el,
      h('nav', { 'aria-label': t('district.breadcrumb') }, h('ol', { class: 'crumbs' }, crumbs)),
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, title))),
      unit || person ? null : exportButton('school', schoolId, { year, period }, `bang-theo-doi-${schoolId}-${period}`),
      h('section', { class: 'card' }, body));
  },
};

/** ?don-vi=<unit id>: a school of that unit (province staff name one of their province's units). */
export const onboardPage = {
  title: 'onboard.title',
  roles: ['truong_phong', 'chuyen_vien_so'],
  async render(el, ctx, user) {
    const unitId = ctx.query.get('don-vi');
    const unit = unitId ? await svc.unit(unitId) : null;
    // the Sở names the unit; a unit's head onboards in their own unit
    const choices = !unit && !user.district && user.province ? await svc.provinceUnits(user.province) : [];
    const out = h('div', { 'aria-live': 'polite' });
    const levels = ['mam_non', 'tieu_hoc', 'thcs', 'thpt'];
    const btn = h('button', { type: 'submit', class: 'btn' }, t('onboard.submit'));
    const form = h('form', { class: 'card', 'aria-labelledby': 'ob-form' },
      h('h2', { id: 'ob-form' }, t('onboard.school')),
      choices.length ? field(t('onboard.unit'), h('select', { name: 'district_id', required: true },
        choices.map((c) => h('option', { value: c.id }, c.name)))) : null,
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
            ...(unit || v.district_id ? { district_id: unit ? unit.id : v.district_id } : {}),
          });
          form.reset();
          mount(out, alertBox('ok', t('onboard.done', { name: school.name || v.name }), t('onboard.doneDetail')));
        } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    mount(el, h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('onboard.title')),
      unit ? h('p', {}, t('onboard.forUnit', { name: unit.name })) : null, h('p', {}, t('onboard.intro')))), form);
  },
};
