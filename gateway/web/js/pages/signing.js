/**
 * Signing: the documents whose signature is my turn (approvals' signing queue, every page); sign one or a batch with one PIN (or one
 * confirmation on the remote provider's app), with progress and per-document failures.
 */
import { h, mount, emptyState, errorAlert, busy, stateBadge } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { runBatch } from '../core/batch.js';
import { credentialFields } from '../core/signpanel.js';
import { namesOf, subjectOf } from '../core/names.js';
import { confirmSummary } from '../core/confirm.js';
import * as svc from '../services.js';

/** My signing step on a queue item (the step of my order), or undefined. */
export function myStep(item) {
  return ((item.signing && item.signing.steps) || []).find((step) => step.order === item.my_order && !step.signed_by);
}

/** What waits for me now, from approvals' signing queue: documents to sign (action "sign") and to issue ("issue"). */
export async function myTurns(pick) {
  return (await svc.signingQueue()).filter(pick);
}

export function pickList(subs, names, onChange) {
  const checks = new Map();
  const all = h('input', { type: 'checkbox', onchange: (ev) => { for (const c of checks.values()) c.checked = ev.target.checked; onChange(); } });
  const list = h('ul', { class: 'list' }, subs.map((s) => {
    const label = `${subjectOf(s)} — ${names.get(s.submitter) || s.submitter} — ${s.period_label}`;
    const box = h('input', { type: 'checkbox', onchange: onChange, 'aria-label': t('queue.pick', { title: label }) });
    checks.set(s.id, box);
    return h('li', {}, box, h('div', { class: 'grow' },
      h('a', { class: 'title', href: `/bai-nop/${encodeURIComponent(s.id)}` }, subjectOf(s)),
      h('span', { class: 'meta' }, [names.get(s.submitter) || s.submitter, s.period_label].join(' · '))),
    stateBadge(s.state));
  }));
  return { checks, el: [h('label', { class: 'checkbox' }, all, t('queue.selectAll')), list], chosen: () => [...checks.entries()].filter(([, c]) => c.checked).map(([id]) => id) };
}

export default {
  title: 'signing.title',
  roles: ['giao_vien', 'hieu_truong', 'pho_hieu_truong'],
  async render(el, ctx, user, notice) {
    const subs = await myTurns((s) => s.action === 'sign' && myStep(s) && !myStep(s).organisation);
    const names = await namesOf(user.tenant, user);
    const out = h('div', { 'aria-live': 'polite' });
    const btn = h('button', { type: 'submit', class: 'btn', disabled: true }, t('signing.signN', { n: 0 }));
    const picker = pickList(subs, names, () => { const n = picker.chosen().length; btn.textContent = t('signing.signN', { n }); btn.disabled = n === 0; });
    const cf = await credentialFields(false);
    const form = h('form', { class: 'card', 'aria-labelledby': 'sign-list' },
      h('h2', { id: 'sign-list' }, t('signing.waiting', { n: subs.length })),
      picker.el, cf.fields, out, cf.creds.length ? h('div', { class: 'actions' }, btn) : null);
    const labels = new Map(subs.map((s) => [s.id, `${subjectOf(s)} — ${names.get(s.submitter) || s.submitter} — ${s.period_label}`]));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const chosen = picker.chosen();
      const ok = await confirmSummary(out, {
        title: t('signing.confirmTitle', { n: chosen.length, signer: user.name }),
        lines: chosen.map((id) => labels.get(id)), confirmLabel: t('signing.confirmSign', { n: chosen.length }),
      });
      if (!ok) return;
      busy(btn, async () => {
        try {
          const node = h('div');
          mount(out, node); // progress, and the signing agent's job id and pairing code, shown while it runs
          await runBatch(node, { submissionIds: chosen, credentialId: cf.select.value, pin: cf.pin.value }, labels);
          await this.render(el, ctx, user, node);
        } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('signing.title')), h('p', {}, t('signing.intro'),
        ' ', h('a', { href: '/chung-thu-so' }, t('certs.nav'))))),
      h('div', { id: 'sign-out', 'aria-live': 'polite' }, notice || null),
      subs.length ? form : h('section', { class: 'card' }, emptyState(t('signing.empty'), t('signing.emptyText'))));
  },
};
