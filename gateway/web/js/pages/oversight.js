/**
 * The oversight level of the tree: the Sở's page lists its oversight units (Phòng GD&ĐT,
 * UBND xã/phường) with their schools and onboards a new one; a unit's page shows its schools and
 * its staff, adds staff and links to onboarding a school of the unit. Phone first: lists, not
 * wide tables.
 */
import { h, mount, emptyState, field, errorAlert, busy, alertBox, formValues } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { navigate } from '../core/router.js';
import * as svc from '../services.js';

const PROVINCE = ['chuyen_vien_so'];
const UNIT_STAFF = ['truong_phong', 'chuyen_vien'];
const KINDS = ['ubnd_phuong', 'ubnd_xa', 'phong_gddt'];

function head(title, intro) {
  return h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, title), intro ? h('p', {}, intro) : null));
}

function unitLink(unit) {
  return `/don-vi/${encodeURIComponent(unit.id)}`;
}

function unitForm(provinceId, onDone) {
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('oversight.addUnit'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'ov-new' },
    h('h2', { id: 'ov-new' }, t('oversight.newUnit')),
    field(t('oversight.kind'), h('select', { name: 'kind', required: true },
      KINDS.map((k) => h('option', { value: k }, t(`oversight.kinds.${k}`))))),
    field(t('oversight.unitName'), h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' }), t('oversight.unitNameHint')),
    field(t('oversight.unitSlug'), h('input', { type: 'text', name: 'slug', required: true, pattern: '[a-z0-9-]+', autocomplete: 'off' }), t('oversight.unitSlugHint')),
    out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    busy(btn, async () => {
      try {
        const unit = await svc.onboardUnit({ province_id: provinceId, kind: v.kind, name: v.name.normalize('NFC'), slug: v.slug });
        form.reset();
        mount(out, alertBox('ok', t('oversight.unitDone', { name: unit.name })));
        onDone();
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

/** The Sở's page: every oversight unit of the province, and a form to add one. */
export const provincePage = {
  title: 'oversight.provinceTitle',
  roles: PROVINCE,
  async render(el, ctx, user) {
    if (!user.province) ctx.notFound();
    const list = h('section', { class: 'card', 'aria-labelledby': 'ov-units' });
    const draw = async () => {
      const units = await svc.provinceUnits(user.province);
      mount(list, h('h2', { id: 'ov-units' }, t('oversight.units', { n: units.length })),
        units.length ? h('ul', { class: 'list' }, units.map((u) => h('li', {},
          h('div', { class: 'grow' },
            h('a', { class: 'title', href: unitLink(u) }, u.name),
            h('span', { class: 'meta' }, [u.kind_name, t('oversight.schoolCount', { n: u.school_count ?? 0 })].join(' · '))))))
          : emptyState(t('oversight.noUnits'), t('oversight.noUnitsText')));
    };
    await draw();
    mount(el, head(t('oversight.provinceTitle'), t('oversight.provinceIntro')), list,
      unitForm(user.province, () => draw().catch((err) => mount(list, errorAlert(err)))));
  },
};

function staffForm(unit, onDone) {
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('oversight.addStaff'));
  const commune = unit.kind !== 'phong_gddt';
  const form = h('form', { class: 'card', 'aria-labelledby': 'ov-staff-new' },
    h('h2', { id: 'ov-staff-new' }, t('oversight.newStaff')),
    field(t('oversight.staffName'), h('input', { type: 'text', name: 'full_name', required: true, autocomplete: 'off' })),
    field(t('oversight.staffUsername'), h('input', { type: 'text', name: 'username', required: true, autocomplete: 'off' }), t('oversight.staffUsernameHint')),
    field(t('oversight.staffEmail'), h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' })),
    field(t('oversight.staffRole'), h('select', { name: 'role' }, ['chuyen_vien', 'truong_phong'].map((r) =>
      h('option', { value: r }, t(`oversight.roles.${commune ? 'commune' : 'phong'}.${r}`))))),
    out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    busy(btn, async () => {
      try {
        const done = await svc.addUnitStaff(unit.id, { full_name: v.full_name.normalize('NFC'), username: v.username, email: v.email, role: v.role });
        form.reset();
        mount(out, alertBox('ok', t('oversight.staffDone', { name: done.staff.full_name }),
          done.temporary_password ? t('oversight.temporaryPassword', { password: done.temporary_password }) : null));
        onDone();
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

/** A unit's page (/don-vi: my own unit; /don-vi/:unit: one of my province's units for the Sở). */
export const unitPage = {
  title: 'oversight.unitTitle',
  roles: [...UNIT_STAFF, ...PROVINCE],
  async render(el, ctx, user) {
    const unitId = ctx.params.unit || user.district;
    if (!unitId) { if (user.province) { navigate('/so', { replace: true }); return; } ctx.notFound(); }
    const unit = await svc.unit(unitId);
    const mayAdd = user.roles.has('chuyen_vien_so') || (user.roles.has('truong_phong') && user.district === unit.id);
    const schools = await svc.unitSchools(unit.id);
    const staffCard = h('section', { class: 'card', 'aria-labelledby': 'ov-staff' });
    const drawStaff = async () => {
      const staff = await svc.unitStaff(unit.id);
      mount(staffCard, h('h2', { id: 'ov-staff' }, t('oversight.staff', { n: staff.length })),
        staff.length ? h('ul', { class: 'list' }, staff.map((s) => h('li', {},
          h('div', { class: 'grow' }, h('span', { class: 'title' }, s.full_name),
            h('span', { class: 'meta' }, [s.role_name, s.email || s.phone || ''].filter(Boolean).join(' · '))))))
          : emptyState(t('oversight.noStaff')));
    };
    await drawStaff();
    const crumbs = user.roles.has('chuyen_vien_so')
      ? h('nav', { 'aria-label': t('district.breadcrumb') }, h('ol', { class: 'crumbs' },
        h('li', {}, h('a', { href: '/so' }, t('oversight.provinceTitle'))), h('li', {}, unit.name)))
      : null;
    mount(el, crumbs, head(unit.name, unit.kind_name),
      h('section', { class: 'card', 'aria-labelledby': 'ov-schools' },
        h('h2', { id: 'ov-schools' }, t('oversight.schools', { n: schools.length })),
        schools.length ? h('ul', { class: 'list' }, schools.map((s) => h('li', {},
          h('div', { class: 'grow' }, h('a', { class: 'title', href: `/phong/truong/${encodeURIComponent(s.id)}` }, s.name),
            h('span', { class: 'meta' }, (s.levels || []).map((l) => t(`level.${l}`)).join(', '))))))
          : emptyState(t('oversight.noSchools'), mayAdd ? t('oversight.noSchoolsText') : null),
        mayAdd ? h('div', { class: 'actions' }, h('a', { class: 'btn', href: `/phong/them-truong?don-vi=${encodeURIComponent(unit.id)}` }, t('oversight.addSchool'))) : null),
      staffCard,
      mayAdd ? staffForm(unit, () => drawStaff().catch((err) => mount(staffCard, errorAlert(err)))) : null);
  },
};
