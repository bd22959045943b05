/**
 * Inspectors: lesson plans much alike another teacher's or an earlier year's, in the caller's
 * scope, most alike first, both plans side by side with a link to read each one.
 * The wording is a measure («Giống … đến 92%»), never an accusation.
 */
import { h, mount, emptyState, errorAlert, busy, field } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { navigate } from '../core/router.js';
import * as svc from '../services.js';

const OVERSIGHT = ['truong_phong', 'chuyen_vien', 'chuyen_vien_so'];
const LEVELS = ['0.8', '0.9', '0.7', '0.6', '0.5'];

function planCard(side, heading) {
  const out = h('div', { 'aria-live': 'polite' });
  const open = h('button', { type: 'button', class: 'btn secondary' }, t('similar.open'));
  open.addEventListener('click', () => busy(open, async () => {
    try {
      window.open(await svc.similarPlanPdfUrl(side.viewer), '_blank', 'noopener');
    } catch (err) { mount(out, errorAlert(err)); }
  }));
  return h('div', { class: 'grow similar-side' },
    h('h3', {}, heading),
    h('p', { class: 'title' }, side.title),
    h('p', { class: 'meta' }, t('similar.who', { teacher: side.teacher, school: side.school_name })),
    h('p', { class: 'meta' }, t('similar.when', { period: side.period_label || side.period })),
    side.viewer ? h('div', { class: 'actions' }, open) : h('p', { class: 'meta' }, side.viewer_notice), out);
}

function pairRow(item) {
  return h('li', { class: 'card similar-pair' },
    h('p', { class: 'title' }, h('strong', {}, item.text)),
    h('p', { class: 'meta' }, t(`similar.relation.${item.relation}`), ' · ', t('similar.estimate', { percent: Math.floor(item.estimate * 100) })),
    h('div', { class: 'split' }, planCard(item.a, t('similar.newer')), planCard(item.b, t('similar.older'))));
}

export const similarPage = {
  title: 'similar.title',
  roles: OVERSIGHT,
  async render(el, ctx) {
    const year = ctx.query.get('nam') || svc.schoolYearOf();
    const min = LEVELS.includes(ctx.query.get('muc')) ? ctx.query.get('muc') : '0.8';
    const school = ctx.query.get('truong') || '';
    const schools = await svc.schools().catch(() => []);
    const yearInput = h('input', { type: 'text', name: 'nam', value: year, pattern: '\\d{4}-\\d{4}', required: true, inputmode: 'numeric' });
    const minSelect = h('select', { name: 'muc' }, LEVELS.map((v) => h('option', { value: v, selected: v === min }, t('similar.atLeast', { percent: Math.round(Number(v) * 100) }))));
    const schoolSelect = h('select', { name: 'truong' }, h('option', { value: '' }, t('similar.allSchools')),
      schools.map((s) => h('option', { value: s.id, selected: s.id === school }, s.name)));
    const form = h('form', { class: 'card filters', 'aria-label': t('similar.filters') },
      field(t('similar.year'), yearInput, t('similar.yearHint')), field(t('similar.min'), minSelect), field(t('similar.school'), schoolSelect),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('similar.show'))));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams({ nam: yearInput.value.trim(), muc: minSelect.value, ...(schoolSelect.value ? { truong: schoolSelect.value } : {}) });
      navigate(`/phong/ke-hoach-giong-nhau?${q}`);
    });
    let body;
    try {
      const items = await svc.similarPlans({ school_year: year, min, ...(school ? { school } : {}) });
      body = items.length
        ? [h('p', {}, t('similar.count', { count: items.length })), h('ul', { class: 'list similar-list' }, items.map(pairRow))]
        : emptyState(t('similar.empty'), t('similar.emptyText'));
    } catch (err) { body = errorAlert(err); }
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('similar.title')), h('p', {}, t('similar.intro')))),
      form, h('section', { 'aria-label': t('similar.results') }, body));
  },
};
