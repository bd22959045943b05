/**
 * "Chứng thư số của tôi": the signing certificates of the signed-in person (and, for the văn thư,
 * the school's seal): who they name, who issued them, how long they stay valid, their state;
 * registering a PKCS#12 file, a USB token's certificate or a remote-signing account; revoking one,
 * and, for those who may (school administrator, trưởng phòng), unlocking one locked by wrong PINs.
 * Every change asks for a confirmation first. The PKCS#12 password is sent once and never kept:
 * the form is emptied as soon as the request is answered, whatever the answer.
 */
import { h, mount, field, fmtDate, alertBox, errorAlert, busy, toast, emptyState, uid } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { confirmSummary } from '../core/confirm.js';
import { namesOf } from '../core/names.js';
import * as svc from '../services.js';

const DAY = 86_400_000;

/** A credential's state as people read it: revoked, locked, expired, or valid with the days left. */
function credentialState(c, now = new Date()) {
  if (c.revoked) return { key: 'revoked', tone: 'bad' };
  if (c.locked) return { key: 'locked', tone: 'warn' };
  const end = new Date(c.not_after);
  if (end < now) return { key: 'expired', tone: 'bad' };
  if (new Date(c.not_before) > now) return { key: 'notYet', tone: 'warn' };
  return { key: 'valid', tone: 'ok' };
}

function daysLeft(c, now = new Date()) {
  return Math.max(0, Math.floor((new Date(c.not_after) - now) / DAY));
}

/** Read a File as base64 (no data: prefix). */
async function base64Of(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** A certificate given as a file (DER or PEM) or pasted (PEM or base64) → base64 of its DER. */
async function certificateBase64(file, pasted) {
  let text = (pasted || '').trim();
  if (!text && file) {
    const head = new TextDecoder().decode(new Uint8Array(await file.slice(0, 64).arrayBuffer()));
    if (!head.includes('-----BEGIN')) return base64Of(file);
    text = await file.text();
  }
  return text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

function credentialItem(c, { names, user, onChange, mayUnlock }) {
  const state = credentialState(c);
  const out = h('div', { 'aria-live': 'polite' });
  const actions = h('div', { class: 'actions' });
  const act = (label, danger, lines, run, done) => {
    const btn = h('button', { type: 'button', class: `btn small${danger ? ' danger' : ' secondary'}` }, label);
    btn.addEventListener('click', async () => {
      const ok = await confirmSummary(out, { title: lines.title, lines: lines.lines, confirmLabel: label });
      if (!ok) return;
      await busy(btn, async () => {
        try { await run(); toast(done); onChange(); } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    actions.append(btn);
  };
  const summary = `${c.subject} — ${t(`signing.kind.${c.kind}`, {}, c.kind)}`;
  if (!c.revoked && (c.owner_id === user.sub || c.owner_kind === 'organisation')) {
    act(t('certs.revoke'), true, { title: t('certs.revokeTitle'), lines: [summary, t('certs.revokeWarn')] },
      () => svc.revokeCredential(c.id), t('certs.revoked'));
  }
  if (c.locked && mayUnlock) {
    act(t('certs.unlock'), false, { title: t('certs.unlockTitle'), lines: [summary] },
      () => svc.unlockCredential(c.id), t('certs.unlocked'));
  }
  const owner = c.owner_id !== user.sub && c.owner_kind !== 'organisation' ? (names.get(c.owner_id) || c.owner_id) : null;
  return h('li', { class: 'cert', dataset: { credential: c.id } },
    h('div', { class: 'grow' },
      h('strong', { class: 'title' }, c.subject),
      h('span', { class: 'meta' }, [
        c.organisation && c.organisation !== c.subject ? c.organisation : null,
        t(`signing.kind.${c.kind}`, {}, c.kind),
        owner ? t('certs.holder', { name: owner }) : null,
      ].filter(Boolean).join(' · ')),
      h('dl', { class: 'cert-facts' },
        h('dt', {}, t('certs.issuer')), h('dd', {}, c.issuer || '—'),
        h('dt', {}, t('certs.validity')),
        h('dd', {}, t('certs.validFromTo', { from: fmtDate(c.not_before), to: fmtDate(c.not_after) }),
          state.key === 'valid' ? h('span', { class: 'cert-days' }, ` — ${t('certs.daysLeft', { n: daysLeft(c) })}`) : null)),
      out),
    h('span', { class: `badge ${state.tone}` }, t(`certs.state.${state.key}`)),
    actions);
}

/**
 * A registration form: `controls` inside, one submit button; `send()` registers and resolves with
 * the new credential (or null when it told the person what is missing). Whatever the answer, the
 * form's secrets are cleared (`afterSend`); on success the form is emptied and the list redrawn.
 */
function registerForm({ title, submit, controls, send, afterSend = () => {}, onDone }) {
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn' }, submit);
  const form = h('form', { class: 'stack', 'aria-label': title }, controls, out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      try {
        const made = await send(out);
        afterSend();
        if (!made) return;
        form.reset();
        toast(t('certs.registered', { name: made.subject }));
        onDone();
      } catch (err) {
        afterSend(err);
        mount(out, errorAlert(err));
      }
    });
  });
  return form;
}

function sealBox(user) {
  return user.roles.has('van_thu') ? h('input', { type: 'checkbox', name: 'organisation' }) : null;
}

function pkcs12Form(user, onDone) {
  const file = h('input', { type: 'file', name: 'p12', accept: '.p12,.pfx,application/x-pkcs12', required: true });
  const pin = h('input', { type: 'password', name: 'pin', autocomplete: 'off', required: true });
  const seal = sealBox(user);
  return registerForm({
    title: t('certs.p12Title'), submit: t('certs.p12Submit'), onDone,
    controls: [field(t('certs.p12File'), file, t('certs.p12FileHint')), field(t('certs.p12Pin'), pin, t('certs.p12PinHint')),
      seal ? h('label', { class: 'checkbox' }, seal, t('certs.seal')) : null],
    send: async () => svc.registerPkcs12({ p12: await base64Of(file.files[0]), pin: pin.value, organisation: seal ? seal.checked : false }),
    afterSend: (err) => {
      pin.value = ''; // the password goes once, and never stays in the page
      if (err && err.field === 'pin') { pin.setAttribute('aria-invalid', 'true'); pin.focus(); } else pin.removeAttribute('aria-invalid');
    },
  });
}

function tokenForm(user, onDone) {
  const file = h('input', { type: 'file', name: 'certificate', accept: '.cer,.crt,.der,.pem' });
  const pasted = h('textarea', { name: 'pasted', rows: '4', autocomplete: 'off', spellcheck: 'false' });
  const seal = sealBox(user);
  return registerForm({
    title: t('certs.tokenTitle'), submit: t('certs.tokenSubmit'), onDone,
    controls: [h('p', { class: 'hint' }, t('certs.tokenIntro')),
      h('pre', { class: 'agent-command' }, h('code', {}, `python -m services.signing.agent --module <${t('agent.module')}> certificates`)),
      field(t('certs.tokenFile'), file), field(t('certs.tokenPaste'), pasted),
      seal ? h('label', { class: 'checkbox' }, seal, t('certs.seal')) : null],
    send: async (out) => {
      const certificate = await certificateBase64(file.files[0], pasted.value);
      if (!certificate) { mount(out, alertBox('error', t('certs.tokenMissing'))); return null; }
      return svc.registerToken({ certificate, organisation: seal ? seal.checked : false });
    },
  });
}

function remoteForm(onDone) {
  const listId = uid('providers');
  const provider = h('input', { type: 'text', name: 'provider', required: true, list: listId, autocomplete: 'off' });
  const account = h('input', { type: 'text', name: 'account', required: true, autocomplete: 'off' });
  return registerForm({
    title: t('certs.remoteTitle'), submit: t('certs.remoteSubmit'), onDone,
    controls: [field(t('certs.remoteProvider'), provider, t('certs.remoteProviderHint')),
      h('datalist', { id: listId }, h('option', { value: 'simulated' })),
      field(t('certs.remoteAccount'), account, t('certs.remoteAccountHint'))],
    send: () => svc.registerRemote({ provider: provider.value.trim(), account: account.value.trim() }),
  });
}

const MAY_UNLOCK = ['quan_tri', 'truong_phong'];

export const certificatesPage = {
  title: 'certs.title',
  roles: ['giao_vien', 'hieu_truong', 'pho_hieu_truong', 'van_thu', 'quan_tri', 'truong_phong', 'chuyen_vien', 'chuyen_vien_so'],
  async render(el, ctx, user) {
    const mayUnlock = MAY_UNLOCK.some((r) => user.roles.has(r));
    const [mine, locked] = await Promise.all([
      svc.credentials(), mayUnlock ? svc.lockedCredentials().catch(() => []) : Promise.resolve([])]);
    const names = locked.length && user.tenant ? await namesOf(user.tenant, user) : new Map();
    const again = () => this.render(el, ctx, user);
    const opts = { names, user, onChange: again, mayUnlock };
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('certs.title')), h('p', {}, t('certs.intro')))),
      h('section', { class: 'card', 'aria-labelledby': 'certs-mine' },
        h('h2', { id: 'certs-mine' }, t('certs.mine', { n: mine.length })),
        mine.length ? h('ul', { class: 'list certs' }, mine.map((c) => credentialItem(c, opts)))
          : emptyState(t('certs.none'), t('certs.noneText'))),
      mayUnlock ? h('section', { class: 'card', 'aria-labelledby': 'certs-locked' },
        h('h2', { id: 'certs-locked' }, t('certs.lockedTitle', { n: locked.length })),
        locked.length ? h('ul', { class: 'list certs' }, locked.map((c) => credentialItem(c, opts)))
          : h('p', {}, t('certs.noneLocked'))) : null,
      h('section', { class: 'card', 'aria-labelledby': 'certs-add' },
        h('h2', { id: 'certs-add' }, t('certs.add')),
        h('p', {}, t('certs.addIntro')),
        h('details', { class: 'cert-add', open: true }, h('summary', {}, t('certs.p12Title')), pkcs12Form(user, again)),
        h('details', { class: 'cert-add' }, h('summary', {}, t('certs.tokenTitle')), tokenForm(user, again)),
        h('details', { class: 'cert-add' }, h('summary', {}, t('certs.remoteTitle')), remoteForm(again))));
  },
};
