/**
 * "Đăng nhập bằng tài khoản khác" (/truong/dang-nhap-ngoai for a school's hiệu trưởng or quản trị,
 * /phong/dang-nhap-ngoai for an oversight unit's trưởng phòng): the outside OpenID Connect provider
 * the organisation lets its people sign in with (identity's GET|PUT|DELETE
 * /schools/<id>/federation or /districts/<id>/federation). The redirect URI to register with the
 * provider is shown first; the client secret is write-only (left empty on a change, the stored one
 * is kept). Identity checks the provider's discovery document when saving and answers in Vietnamese.
 */
import { h, mount, field, errorAlert, busy, alertBox, formValues, fmtDateTime } from '../core/dom.js';
import { t } from '../core/i18n.js';
import * as svc from '../services.js';

/** Whose configuration this page edits: the caller's school, else the caller's unit. */
function orgOf(user) {
  return user.tenant ? { kind: 'schools', id: user.tenant } : { kind: 'districts', id: user.district };
}

function configForm(state, org, onDone) {
  const f = state.federation || {};
  const out = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'btn' }, t('federation.save'));
  const input = (name, value, attrs = {}) => h('input', { name, value: value || '', autocomplete: 'off', spellcheck: 'false', ...attrs });
  const form = h('form', { class: 'stack', 'aria-labelledby': 'fed-form' },
    h('h2', { id: 'fed-form' }, t(state.federation ? 'federation.change' : 'federation.setUp')),
    field(t('federation.displayName'), input('display_name', f.display_name || t('federation.displayNameDefault'), { required: true, maxlength: '120' }),
      t('federation.displayNameHint')),
    field(t('federation.issuer'), input('issuer', f.issuer, { type: 'url', required: true, inputmode: 'url' }), t('federation.issuerHint')),
    field(t('federation.clientId'), input('client_id', f.client_id, { required: true })),
    field(t('federation.clientSecret'), input('client_secret', '', { type: 'password', required: !state.federation, autocomplete: 'new-password' }),
      t(state.federation ? 'federation.secretKept' : 'federation.secretHint')),
    field(t('federation.domains'), input('email_domains', (f.email_domains || []).join(', ')), t('federation.domainsHint')),
    out, h('div', { class: 'actions' }, save));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const body = { display_name: v.display_name, issuer: v.issuer, client_id: v.client_id,
      email_domains: (v.email_domains || '').split(/[\s,;]+/).filter(Boolean) };
    if (v.client_secret) body.client_secret = v.client_secret;
    busy(save, async () => {
      try {
        await svc.saveFederation(org.kind, org.id, body);
        onDone(t('federation.saved', { name: body.display_name }));
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

export const federationPage = {
  title: 'federation.title',
  roles: ['hieu_truong', 'quan_tri', 'truong_phong'],
  async render(el, ctx, user, notice) {
    const org = orgOf(user);
    const state = await svc.federation(org.kind, org.id);
    const reload = (msg) => federationPage.render(el, ctx, user, alertBox('ok', msg))
      .then(() => el.querySelector('.page-head h1').focus());
    const out = h('div', { 'aria-live': 'polite' }, notice || null);
    const current = state.federation;
    const remove = current ? h('button', { type: 'button', class: 'btn secondary', onclick: (ev) => busy(ev.currentTarget, async () => {
      try {
        await svc.removeFederation(org.kind, org.id);
        await reload(t('federation.removed', { name: current.display_name }));
      } catch (err) { mount(out, errorAlert(err)); }
    }) }, t('federation.remove')) : null;
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('federation.title')), h('p', {}, t('federation.intro')))),
      out,
      h('section', { class: 'card', 'aria-labelledby': 'fed-now' },
        h('h2', { id: 'fed-now' }, t('federation.now')),
        current ? h('div', {},
          h('p', {}, h('strong', {}, current.display_name)),
          h('p', { class: 'meta' }, t('federation.nowIssuer', { issuer: current.issuer })),
          h('p', { class: 'meta' }, current.email_domains.length
            ? t('federation.nowDomains', { domains: current.email_domains.join(', ') }) : t('federation.anyDomain')),
          h('p', { class: 'meta' }, t('federation.updated', { time: fmtDateTime(current.updated_at) })),
          h('div', { class: 'actions' }, remove))
          : h('p', {}, t('federation.none')),
        h('p', {}, t('federation.redirect')), h('p', {}, h('code', { class: 'redirect-uri' }, state.redirect_uri)),
        h('p', { class: 'hint' }, t('federation.rules'))),
      h('section', { class: 'card' }, configForm(state, org, reload)));
  },
};
