/**
 * The district's floors (/phong/muc-san): the minimum deadline every school of the district must keep
 * for each book item, grouped by book with names (approvals' GET /district/rules). The trưởng phòng
 * changes a floor's figures (PUT /district/rules/<book>/<item>); the answer says the new floor in words
 * and that schools with a looser rule now follow it. Other district staff read the list.
 */
import { h, mount, emptyState, field, errorAlert, busy, alertBox, formValues } from '../core/dom.js';
import { t } from '../core/i18n.js';
import * as svc from '../services.js';

const WEEKDAYS = new Set(['weekday', 'start_weekday', 'end_weekday']);

/** The editable figures of a rule: every number it holds (weekdays as a choice), in the rule's own order. */
function figureControl(name, value) {
  if (WEEKDAYS.has(name)) {
    return h('select', { name }, [0, 1, 2, 3, 4, 5, 6].map((d) => h('option', { value: String(d), selected: d === value }, t(`weekday.${d}`))));
  }
  return h('input', { type: 'number', name, value: String(value), required: true, inputmode: 'numeric', step: '1' });
}

function floorForm(row, onSaved) {
  const rule = row.district_rule || {};
  const figures = Object.entries(rule).filter(([k, v]) => k !== 'kind' && typeof v === 'number');
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('schoolpages.floors.save'));
  const title = floorTitle(row);
  const form = h('form', { class: 'floor-form', 'aria-label': t('schoolpages.floors.editFor', { book: title }) },
    h('p', { class: 'meta' }, t('schoolpages.floors.kind', { kind: t(`rules.kind.${rule.kind}`, {}, rule.kind) })),
    figures.length ? h('div', { class: 'row' }, figures.map(([k, v]) => field(t(`rules.param.${k}`, {}, k), figureControl(k, v))))
      : h('p', {}, t('schoolpages.floors.noFigures')),
    out, figures.length ? h('div', { class: 'actions' }, btn) : null);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const typed = formValues(form);
    const next = { ...rule };
    for (const [k] of figures) next[k] = Number(typed[k]);
    busy(btn, async () => {
      try {
        const saved = await svc.setDistrictRule(row.book_type, row.item, next);
        onSaved(row, saved);
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

function floorTitle(r) {
  return r.label && r.label !== r.book_name ? `${r.book_name} — ${r.label}` : r.book_name;
}

export const floorsPage = {
  title: 'schoolpages.floors.title',
  roles: ['truong_phong', 'chuyen_vien', 'chuyen_vien_so'],
  async render(el, ctx, user, notice, opened = null) {
    const rows = await svc.districtRules();
    const mayEdit = user.roles.has('truong_phong');
    const books = [...new Map(rows.map((r) => [r.book_type, r.book_name])).entries()];
    const saved = (row, answer) => floorsPage.render(el, ctx, user, alertBox('ok',
      t('schoolpages.floors.saved', { book: floorTitle(row) }), t('schoolpages.floors.effect', { text: answer.text })), row.book_type)
      .then(() => el.querySelector('.page-head h1').focus());
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('schoolpages.floors.title')), h('p', {}, t('schoolpages.floors.intro')))),
      h('div', { id: 'floors-out', 'aria-live': 'polite' }, notice || null),
      mayEdit ? null : alertBox('info', t('schoolpages.floors.readOnly')),
      rows.length ? books.map(([slug, name]) => h('details', { class: 'card book-group', dataset: { book: slug }, open: opened === slug },
        h('summary', {}, h('h2', {}, name), h('span', { class: 'meta' }, t('schoolpages.floors.count', { n: rows.filter((r) => r.book_type === slug).length }))),
        h('ul', { class: 'list' }, rows.filter((r) => r.book_type === slug).map((r) => h('li', { dataset: { book: r.book_type, item: r.item } },
          h('div', { class: 'grow' },
            h('span', { class: 'title' }, r.label || r.book_name),
            h('span', { class: 'floor-text' }, r.district_text),
            h('span', { class: 'meta' }, t(r.set_by_district ? 'schoolpages.floors.byDistrict' : 'schoolpages.floors.byCatalog')),
            mayEdit ? h('details', { class: 'floor-edit' },
              h('summary', { class: 'btn secondary' }, t('schoolpages.floors.change')),
              floorForm(r, saved)) : null))))))
        : emptyState(t('schoolpages.floors.empty')));
  },
};
