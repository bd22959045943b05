/**
 * The school admin's pages for one person's account: the school's accounts by name (a way in from
 * the navigation), and a person's page: give or revoke a role, lock or unlock the account, a
 * temporary password to hand over, and a reset of the second factor. Each act that changes the
 * account is confirmed first with the person's name and what will happen; identity checks every
 * one of them again (another school's person is "not found", a teacher is refused in Vietnamese).
 */
import { h, mount, emptyState, field, errorAlert, busy, alertBox } from '../core/dom.js';
import { t, roleName } from '../core/i18n.js';
import { confirmSummary } from '../core/confirm.js';
import { forgetNames } from '../core/names.js';
import * as svc from '../services.js';

const GRANTABLE = ['giao_vien', 'to_truong', 'to_pho', 'pho_hieu_truong', 'tong_phu_trach', 'van_thu', 'ke_toan', 'quan_tri'];
const APPOINTED = new Set(['hieu_truong']); // appointed by the district: the school neither grants nor revokes it

/** A person's page. The id goes in the query: usernames have dots, and a path ending ".quantri" would be taken for a file. */
export const personLink = (id) => `/truong/tai-khoan/nguoi?${new URLSearchParams({ id })}`;

function head(title, intro) {
  return h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, title), intro ? h('p', {}, intro) : null));
}

function statusBadge(p) {
  return h('span', { class: `badge ${p.active ? 'ok' : 'bad'}` }, p.active ? t('people.active') : t('people.locked'));
}

export const accountsPage = {
  title: 'people.listTitle',
  roles: ['hieu_truong', 'quan_tri'],
  async render(el, ctx, user) {
    const list = (await svc.people(user.tenant)).sort((a, b) => a.full_name.localeCompare(b.full_name, 'vi'));
    const filter = h('input', { type: 'search', name: 'q', autocomplete: 'off' });
    const items = list.map((p) => h('li', { dataset: { name: p.full_name.toLocaleLowerCase('vi') } },
      h('div', { class: 'grow' }, h('a', { class: 'title pp-tap', href: personLink(p.id) }, p.full_name),
        h('span', { class: 'meta' }, t('people.account', { id: p.id }))),
      statusBadge(p)));
    const shown = h('p', { class: 'meta', 'aria-live': 'polite' }, t('people.count', { n: list.length }));
    filter.addEventListener('input', () => {
      const q = filter.value.trim().toLocaleLowerCase('vi').normalize('NFC');
      let n = 0;
      for (const li of items) { li.hidden = q !== '' && !li.dataset.name.includes(q); if (!li.hidden) n += 1; }
      shown.textContent = t('people.count', { n });
    });
    mount(el, head(t('people.listTitle'), t('people.listIntro')),
      h('section', { class: 'card', 'aria-labelledby': 'pp-list' },
        h('h2', { id: 'pp-list' }, t('people.listHeading')),
        field(t('people.filter'), filter, t('people.filterHint')), shown,
        list.length ? h('ul', { class: 'list' }, items) : emptyState(t('people.empty'), t('people.emptyText'))));
  },
};

/** "Văn thư (Tổ văn phòng)": a role and the unit it is held in, by name. */
function roleText(m, unitName) {
  return m.unit ? t('people.roleIn', { role: roleName(m.role), unit: unitName.get(m.unit) || m.unit }) : roleName(m.role);
}

function rolesSection(ctx, p, unitName, confirmBox) {
  const rows = p.memberships.map((m) => {
    const what = roleText(m, unitName);
    const revoke = APPOINTED.has(m.role) ? h('span', { class: 'meta' }, t('people.appointed'))
      : h('button', { type: 'button', class: 'btn secondary', 'aria-label': t('people.revokeOf', { role: what }), onclick: async (ev) => {
        const yes = await confirmSummary(confirmBox, {
          title: t('people.revokeConfirm', { role: what, name: p.full_name }),
          lines: [t('people.revokeEffect', { name: p.full_name, role: what }), t('people.tokenLag')],
          confirmLabel: t('people.revoke'),
        });
        if (!yes) { ev.currentTarget.focus(); return; }
        await ctx.act(() => svc.revokeRole(ctx.school, m.id), t('people.revoked', { role: what, name: p.full_name }));
      } }, t('people.revoke'));
    return h('li', { dataset: { membership: m.id } }, h('div', { class: 'grow' }, h('span', { class: 'title' }, what)), revoke);
  });
  return h('section', { class: 'card', 'aria-labelledby': 'pp-roles' },
    h('h2', { id: 'pp-roles' }, t('people.roles')),
    rows.length ? h('ul', { class: 'list' }, rows) : h('p', {}, t('people.noRoles')),
    grantForm(ctx, p, confirmBox));
}

function grantForm(ctx, p, confirmBox) {
  const role = h('select', { name: 'role' }, GRANTABLE.map((r) => h('option', { value: r }, roleName(r))));
  const unit = h('select', { name: 'unit' }, h('option', { value: '' }, t('staff.wholeSchool')), ctx.units.map((u) => h('option', { value: u.slug }, u.name)));
  const btn = h('button', { type: 'submit', class: 'btn' }, t('people.grant'));
  const form = h('form', { class: 'pp-grant', 'aria-labelledby': 'pp-grant' },
    h('h3', { id: 'pp-grant' }, t('people.grantFor', { name: p.full_name })),
    h('div', { class: 'row' }, field(t('staff.role'), role), field(t('staff.unit'), unit, t('staff.unitHint'))),
    h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const chosen = ctx.units.find((u) => u.slug === unit.value);
    const what = chosen ? t('people.roleIn', { role: roleName(role.value), unit: chosen.name }) : roleName(role.value);
    const yes = await confirmSummary(confirmBox, {
      title: t('people.grantConfirm', { role: what, name: p.full_name }),
      lines: [t('people.grantEffect', { name: p.full_name, role: what }), t('people.tokenLag')],
      confirmLabel: t('people.grant'),
    });
    if (!yes) { btn.focus(); return; }
    await busy(btn, () => ctx.act(() => svc.grantRole(ctx.school, p.id, role.value, unit.value), t('people.granted', { role: what, name: p.full_name })));
  });
  return form;
}

function accountSection(ctx, p, confirmBox, secretBox) {
  const action = (label, confirm, work, done) => h('button', { type: 'button', class: 'btn secondary', onclick: async (ev) => {
    const button = ev.currentTarget;
    const yes = await confirmSummary(confirmBox, { ...confirm, confirmLabel: label });
    if (!yes) { button.focus(); return; }
    await busy(button, () => ctx.act(work, done));
  } }, label);
  const name = p.full_name;
  const lock = p.active
    ? action(t('people.lock'), { title: t('people.lockConfirm', { name }), lines: [t('people.lockEffect', { name }), t('people.lockSessions', { name })] },
      () => svc.setPersonActive(ctx.school, p.id, false), t('people.lockedDone', { name }))
    : action(t('people.unlock'), { title: t('people.unlockConfirm', { name }), lines: [t('people.unlockEffect', { name })] },
      () => svc.setPersonActive(ctx.school, p.id, true), t('people.unlockedDone', { name }));
  const reset = action(t('people.reset'), { title: t('people.resetConfirm', { name }), lines: [t('people.resetEffect', { name }), t('people.resetSessions', { name })] },
    async () => { const r = await svc.resetPassword(ctx.school, p.id); return () => secretNote(p, r.temporary_password); },
    t('people.resetDone', { name }));
  const factor = action(t('people.factorReset'), { title: t('people.factorConfirm', { name }), lines: [t('people.factorEffect', { name }), t('people.resetSessions', { name })] },
    () => svc.resetSecondFactor(ctx.school, p.id), t('people.factorDone', { name }));
  const sessions = action(t('people.endSessions'), { title: t('people.endSessionsConfirm', { name }), lines: [t('people.resetSessions', { name }), t('people.endSessionsEffect', { name })] },
    () => svc.endPersonSessions(ctx.school, p.id), t('people.endSessionsDone', { name }));
  return h('section', { class: 'card', 'aria-labelledby': 'pp-account' },
    h('h2', { id: 'pp-account' }, t('people.accountActions')),
    ctx.self ? h('p', {}, t('people.selfNote'))
      : h('div', { class: 'actions pp-actions' }, lock, p.active ? reset : null, p.active && p.totp_enabled ? factor : null, p.active ? sessions : null),
    secretBox);
}

/** What the person receives after a reset: the account name and the temporary password, shown once, here only. */
function secretNote(p, secret) {
  return h('div', { class: 'alert ok pp-secret', role: 'status' },
    h('strong', {}, t('people.secretTitle', { name: p.full_name })),
    h('dl', {},
      h('dt', {}, t('people.secretLogin')), h('dd', {}, h('code', {}, p.id)),
      h('dt', {}, t('people.secretPassword')), h('dd', {}, h('code', { class: 'pp-password' }, secret))),
    h('p', {}, t('people.secretHandOver', { name: p.full_name })));
}

export const personPage = {
  title: 'people.title',
  roles: ['giao_vien', 'tong_phu_trach', 'to_truong', 'to_pho', 'van_thu', 'ke_toan', 'pho_hieu_truong', 'hieu_truong', 'quan_tri'],
  async render(el, ctx, user, notice, secret) {
    const school = user.tenant;
    const id = ctx.query.get('id');
    if (!id) ctx.notFound();
    const [p, units] = await Promise.all([svc.person(school, id), svc.units(school).catch(() => [])]);
    const unitName = new Map(units.map((u) => [u.id, u.name]));
    const out = h('div', { 'aria-live': 'polite', tabindex: '-1' }, notice || null);
    const confirmBox = h('div');
    const secretBox = h('div', { 'aria-live': 'polite' }, secret || null);
    const page = {
      school, units, self: id === user.sub,
      /** Do one act; on success draw the page again with what was done on top (and what to hand over, if any). */
      act: async (work, done) => {
        let result;
        try { result = await work(); } catch (err) { mount(out, errorAlert(err)); out.focus(); return; }
        forgetNames();
        const said = alertBox('ok', done);
        said.setAttribute('tabindex', '-1');
        try {
          await this.render(el, ctx, user, said, typeof result === 'function' ? result() : null);
        } catch (err) {
          if (err.status !== 404) throw err;
          mount(el, head(p.full_name), said, alertBox('info', t('people.gone', { name: p.full_name })),
            h('a', { class: 'btn secondary', href: '/truong/tai-khoan' }, t('people.back')));
        }
        said.focus();
      },
    };
    const details = [
      [t('people.login'), p.id], [t('people.email'), p.email], [t('people.phone'), p.phone],
      [t('people.position'), p.position], [t('people.staffId'), p.staff_id],
      [t('people.factor'), p.totp_enabled ? t('people.factorOn') : t('people.factorOff')],
    ].filter(([, v]) => v);
    document.title = `${p.full_name} — HoSo`;
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, p.full_name), h('p', {}, statusBadge(p), ' ', t('people.intro'))),
        h('a', { class: 'pp-tap', href: '/truong/tai-khoan' }, t('people.back'))),
      out, confirmBox,
      h('section', { class: 'card', 'aria-labelledby': 'pp-who' },
        h('h2', { id: 'pp-who' }, t('people.details')),
        h('dl', { class: 'pp-details' }, details.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
      rolesSection(page, p, unitName, confirmBox),
      accountSection(page, p, confirmBox, secretBox));
  },
};
