/**
 * The signing part of a submission: who signs in what order, who has signed, and — when it is
 * my turn — signing with my credential; for the văn thư, issuing a signed record and recalling
 * an issued one with a reason.
 */
import { h, mount, field, fmtDateTime, alertBox, errorAlert, busy, toast } from './dom.js';
import { t, roleName } from './i18n.js';
import { runBatch } from './batch.js';
import * as svc from '../services.js';

/** The signing steps of `sub` that are mine now (same order, not yet signed). */
export function mySigningTurn(sub, user) {
  if (sub.state !== 'signing' || !sub.signing) return [];
  const next = sub.signing.next_order;
  return (sub.signing.steps || []).filter((s) => s.order === next && !s.signed_by && (
    (s.role === 'gvcn' && sub.submitter === user.sub)
    || (s.role !== 'gvcn' && user.roles.has(s.role) && (!s.signer || s.signer === user.sub))));
}

/** A credential picker + PIN, shared by the one-document and the batch forms. */
export async function credentialFields(organisation) {
  const creds = (await svc.credentials().catch(() => [])).filter((c) => !c.revoked && (organisation ? c.owner_kind === 'organisation' : c.owner_kind !== 'organisation'));
  const select = h('select', { name: 'credential_id', required: true },
    creds.map((c) => h('option', { value: c.id }, `${c.subject}${c.organisation && c.organisation !== c.subject ? ` — ${c.organisation}` : ''} (${t(`signing.kind.${c.kind}`, {}, c.kind)}${c.locked ? `, ${t('signing.locked')}` : ''})`)));
  const pin = h('input', { type: 'password', name: 'pin', autocomplete: 'off', inputmode: 'numeric' });
  return {
    creds, select, pin,
    fields: creds.length
      ? [field(t(organisation ? 'signing.sealCredential' : 'signing.credential'), select), field(t('signing.pin'), pin, t('signing.pinHint'))]
      : [alertBox('warn', t('signing.noCredential')), h('p', {}, h('a', { href: '/chung-thu-so' }, t('certs.goRegister')))],
  };
}

export function signingSteps(sub, names) {
  const steps = (sub.signing && sub.signing.steps) || [];
  if (!steps.length) return null;
  return h('ol', { class: 'timeline signing-steps' }, steps.map((s) => h('li', {},
    h('strong', {}, `${t('signing.order', { n: s.order })}: ${roleName(s.role)}${s.organisation ? ` (${t('signing.seal')})` : ''}`),
    h('span', { class: 'when' }, s.signed_by
      ? t('signing.signedBy', { who: names.get(s.signed_by) || s.signed_by, time: fmtDateTime(s.signed_at) })
      : t('signing.notYet')))));
}

export async function signPanel(sub, user, names, onDone) {
  const box = h('section', { class: 'card', 'aria-labelledby': `sign-${sub.id}` }, h('h2', { id: `sign-${sub.id}` }, t('signing.panel')), signingSteps(sub, names));
  const mine = mySigningTurn(sub, user);
  const out = h('div', { 'aria-live': 'polite' });
  if (mine.length) {
    const organisation = mine.some((s) => s.organisation);
    const cf = await credentialFields(organisation);
    const btn = h('button', { type: 'submit', class: 'btn' }, organisation ? t('signing.sealNow') : t('signing.signNow'));
    const form = h('form', { class: 'sign-form' }, cf.fields, out, cf.creds.length ? h('div', { class: 'actions' }, btn) : null);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(btn, async () => {
        try {
          const b = await runBatch(out, { submissionIds: [sub.id], credentialId: cf.select.value, pin: cf.pin.value });
          if (b.signed) setTimeout(onDone, 600);
        } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    box.append(form);
  }
  if (sub.state === 'signed' && sub.issue_role && user.roles.has(sub.issue_role)) {
    const btn = h('button', { type: 'button', class: 'btn' }, t('clerk.issueOne'));
    btn.addEventListener('click', () => busy(btn, async () => {
      try { await svc.issueSubmission(sub.id); toast(t('clerk.issuedOne')); onDone(); } catch (err) { mount(out, errorAlert(err)); }
    }));
    box.append(out, h('div', { class: 'actions' }, btn));
  }
  if (sub.state === 'issued' && sub.issue_role && user.roles.has(sub.issue_role)) {
    const reason = h('input', { type: 'text', name: 'reason', autocomplete: 'off' });
    const btn = h('button', { type: 'submit', class: 'btn danger' }, t('clerk.recall'));
    const form = h('form', { 'aria-label': t('clerk.recall') }, field(t('clerk.reason'), reason), out, h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!reason.value.trim()) { reason.setAttribute('aria-invalid', 'true'); mount(out, alertBox('error', t('clerk.needReason'))); reason.focus(); return; }
      busy(btn, async () => {
        try { await svc.recallSubmission(sub.id, reason.value.trim()); toast(t('clerk.recalled')); onDone(); } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    box.append(h('details', {}, h('summary', {}, t('clerk.recall')), form));
  }
  return (sub.signing && sub.signing.steps && sub.signing.steps.length) || mine.length ? box : null;
}
