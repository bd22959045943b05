/**
 * Signing: the documents whose signature is my turn; sign one or a batch with one PIN
 * (or one confirmation on the remote provider's app), with progress and per-document failures.
 */
import { h, mount, emptyState, field, fmtDateTime, errorAlert, busy, alertBox } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { runBatch } from '../core/batch.js';
import * as svc from '../services.js';

export default {
  title: 'signing.title',
  roles: ['giao_vien', 'hieu_truong', 'pho_hieu_truong', 'van_thu'],
  async render(el, ctx, user) {
    const list = await svc.signingQueue();
    const out = h('div', { 'aria-live': 'polite' });
    const checks = new Map();
    const pin = h('input', { type: 'password', name: 'pin', autocomplete: 'off', inputmode: 'numeric' });
    const signBtn = h('button', { type: 'submit', class: 'btn', disabled: true }, t('signing.signN', { n: 0 }));
    const refresh = () => {
      const n = [...checks.values()].filter((c) => c.checked).length;
      signBtn.textContent = t('signing.signN', { n });
      signBtn.disabled = n === 0;
    };
    const form = h('form', { class: 'card', 'aria-labelledby': 'sign-list' },
      h('h2', { id: 'sign-list' }, t('signing.waiting', { n: list.length })),
      h('label', { class: 'checkbox' }, h('input', { type: 'checkbox', onchange: (ev) => { for (const c of checks.values()) c.checked = ev.target.checked; refresh(); } }), t('queue.selectAll')),
      h('ul', { class: 'list' }, list.map((d) => {
        const box = h('input', { type: 'checkbox', onchange: refresh, 'aria-label': t('queue.pick', { title: d.title }) });
        checks.set(d.id || d.document_id, box);
        return h('li', {}, box, h('div', { class: 'grow' },
          h('span', { class: 'title' }, d.title || d.book_name),
          h('span', { class: 'meta' }, [d.owner_name || d.submitter_name, d.role_label, t('signing.approvedAt', { time: fmtDateTime(d.approved_at) })].filter(Boolean).join(' · '))));
      })),
      field(t('signing.pin'), pin, t('signing.pinHint')),
      out,
      h('div', { class: 'actions' }, signBtn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const ids = [...checks.entries()].filter(([, c]) => c.checked).map(([id]) => id);
      busy(signBtn, async () => {
        try {
          await runBatch(out, { document_ids: ids, pin: pin.value });
          pin.value = '';
          setTimeout(() => this.render(el, ctx, user).then(() => el.querySelector('#sign-out')?.replaceChildren(...out.childNodes)), 300);
        } catch (err) { mount(out, errorAlert(err)); }
      });
    });
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('signing.title')), h('p', {}, t('signing.intro')))),
      h('div', { id: 'sign-out' }),
      list.length ? form : h('section', { class: 'card' }, emptyState(t('signing.empty'), t('signing.emptyText'))));
  },
};
