/**
 * Signing: the documents whose signature is my turn; sign one or a batch with one PIN (or one
 * confirmation on the remote provider's app), with progress and per-document failures.
 */
import { h, mount, emptyState, field, errorAlert, busy, alertBox, stateBadge } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { runBatch } from '../core/batch.js';
import { mySigningTurn, credentialFields } from '../core/signpanel.js';
import { worklist, rememberId, forget, idFrom } from '../core/worklist.js';
import { namesOf } from '../core/names.js';
import * as svc from '../services.js';

/** Submissions waiting for my signature: my own (GVCN) and those in my worklist. */
export async function myTurns(user, pick = (sub) => mySigningTurn(sub, user).length > 0) {
  const own = await svc.myObligations().then((obs) => obs.map((o) => o.submission_id).filter(Boolean)).catch(() => []);
  const ids = [...new Set([...own, ...worklist(user)])];
  const subs = await Promise.all(ids.map((id) => svc.submission(id).catch((err) => {
    if (err.status === 404) forget(user, id);
    return null;
  })));
  return subs.filter((s) => s && pick(s));
}

export function addByLink(user, onAdded) {
  const input = h('input', { type: 'text', name: 'link', autocomplete: 'off', spellcheck: 'false' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'add-link' },
    h('h2', { id: 'add-link' }, t('signing.addTitle')),
    field(t('signing.addLabel'), input, t('signing.addHint')), out,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn secondary' }, t('signing.add'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = idFrom(input.value);
    if (!id) return;
    try { await svc.submission(id); rememberId(user, id); onAdded(); } catch (err) { mount(out, errorAlert(err)); }
  });
  return form;
}

export function pickList(subs, names, onChange) {
  const checks = new Map();
  const all = h('input', { type: 'checkbox', onchange: (ev) => { for (const c of checks.values()) c.checked = ev.target.checked; onChange(); } });
  const list = h('ul', { class: 'list' }, subs.map((s) => {
    const label = `${s.book_name} — ${names.get(s.submitter) || s.submitter} — ${svc.periodLabel(s.period_key)}`;
    const box = h('input', { type: 'checkbox', onchange: onChange, 'aria-label': t('queue.pick', { title: label }) });
    checks.set(s.id, box);
    return h('li', {}, box, h('div', { class: 'grow' },
      h('a', { class: 'title', href: `/bai-nop/${encodeURIComponent(s.id)}` }, s.book_name),
      h('span', { class: 'meta' }, [names.get(s.submitter) || s.submitter, svc.periodLabel(s.period_key)].join(' · '))),
    stateBadge(s.state));
  }));
  return { checks, el: [h('label', { class: 'checkbox' }, all, t('queue.selectAll')), list], chosen: () => [...checks.entries()].filter(([, c]) => c.checked).map(([id]) => id) };
}

export default {
  title: 'signing.title',
  roles: ['giao_vien', 'hieu_truong', 'pho_hieu_truong'],
  async render(el, ctx, user, notice) {
    const subs = await myTurns(user, (s) => mySigningTurn(s, user).some((step) => !step.organisation));
    const names = await namesOf(user.tenant, user);
    const out = h('div', { 'aria-live': 'polite' });
    const btn = h('button', { type: 'submit', class: 'btn', disabled: true }, t('signing.signN', { n: 0 }));
    const picker = pickList(subs, names, () => { const n = picker.chosen().length; btn.textContent = t('signing.signN', { n }); btn.disabled = n === 0; });
    const cf = await credentialFields(false);
    const form = h('form', { class: 'card', 'aria-labelledby': 'sign-list' },
      h('h2', { id: 'sign-list' }, t('signing.waiting', { n: subs.length })),
      picker.el, cf.fields, out, cf.creds.length ? h('div', { class: 'actions' }, btn) : null);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      busy(btn, async () => {
        try {
          const node = h('div');
          await runBatch(node, { submissionIds: picker.chosen(), credentialId: cf.select.value, pin: cf.pin.value }, new Map(subs.map((s) => [s.id, `${s.book_name} — ${names.get(s.submitter) || s.submitter}`])));
          await this.render(el, ctx, user, node);
        } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('signing.title')), h('p', {}, t('signing.intro')))),
      h('div', { id: 'sign-out', 'aria-live': 'polite' }, notice || null),
      subs.length ? form : h('section', { class: 'card' }, emptyState(t('signing.empty'), t('signing.emptyText'))),
      addByLink(user, () => this.render(el, ctx, user, alertBox('ok', t('signing.added')))));
  },
};
