/**
 * Văn thư: issue signed học bạ in batch (the school's organisational signature), recall an issued
 * one with a reason, and produce exports (ZIP with manifest, background job with progress) and
 * print-ready PDFs.
 */
import { h, mount, emptyState, field, fmtDateTime, errorAlert, busy, alertBox, stateBadge, toast } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { runBatch } from '../core/batch.js';
import { progressBar } from '../core/dropzone.js';
import * as svc from '../services.js';

const TABS = ['phat-hanh', 'da-phat-hanh', 'xuat-in'];

async function issueTab(page, el, ctx) {
  const ready = await svc.signingQueue();
  const checks = new Map();
  const out = h('div', { 'aria-live': 'polite' });
  const pin = h('input', { type: 'password', name: 'pin', autocomplete: 'off' });
  const btn = h('button', { type: 'submit', class: 'btn', disabled: true }, t('clerk.issueN', { n: 0 }));
  const refresh = () => { const n = [...checks.values()].filter((c) => c.checked).length; btn.textContent = t('clerk.issueN', { n }); btn.disabled = n === 0; };
  const form = h('form', { class: 'card', 'aria-labelledby': 'issue-title' },
    h('h2', { id: 'issue-title' }, t('clerk.ready', { n: ready.length })),
    ready.length ? [
      h('label', { class: 'checkbox' }, h('input', { type: 'checkbox', onchange: (ev) => { for (const c of checks.values()) c.checked = ev.target.checked; refresh(); } }), t('queue.selectAll')),
      h('ul', { class: 'list' }, ready.map((d) => {
        const box = h('input', { type: 'checkbox', onchange: refresh, 'aria-label': t('queue.pick', { title: d.title }) });
        checks.set(d.id || d.document_id, box);
        return h('li', {}, box, h('div', { class: 'grow' }, h('span', { class: 'title' }, d.title), h('span', { class: 'meta' }, [d.class_name, d.owner_name].filter(Boolean).join(' · '))), stateBadge(d.state || 'signed'));
      })),
      field(t('clerk.pin'), pin, t('clerk.pinHint')),
      out,
      h('div', { class: 'actions' }, btn)] : emptyState(t('clerk.noneReady'), t('clerk.noneReadyText')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const ids = [...checks.entries()].filter(([, c]) => c.checked).map(([id]) => id);
    busy(btn, async () => {
      try { await runBatch(out, { document_ids: ids, pin: pin.value, issue: true }); pin.value = ''; } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

async function issuedTab(page, el, ctx) {
  const list = await svc.issued();
  return h('section', { class: 'card', 'aria-labelledby': 'issued-title' },
    h('h2', { id: 'issued-title' }, t('clerk.issued', { n: list.length })),
    list.length ? h('ul', { class: 'list' }, list.map((d) => {
      const reason = h('input', { type: 'text', name: 'reason' });
      const out = h('div', { 'aria-live': 'polite' });
      const btn = h('button', { type: 'submit', class: 'btn danger small' }, t('clerk.recall'));
      const form = h('form', { 'aria-label': t('clerk.recallOf', { title: d.title }) }, field(t('clerk.reason'), reason), out, btn);
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        if (!reason.value.trim()) { reason.setAttribute('aria-invalid', 'true'); mount(out, alertBox('error', t('clerk.needReason'))); reason.focus(); return; }
        busy(btn, async () => {
          try { await svc.recall(d.id || d.document_id, reason.value.trim()); toast(t('clerk.recalled')); page.render(el, ctx); } catch (err) { mount(out, errorAlert(err)); }
        });
      });
      const recalled = (d.state || d.status) === 'recalled';
      return h('li', {},
        h('div', { class: 'grow' },
          h('span', { class: 'title' }, d.title),
          h('span', { class: 'meta' }, [d.code ? t('clerk.code', { code: d.code }) : null, t('clerk.issuedAt', { time: fmtDateTime(d.issued_at) })].filter(Boolean).join(' · ')),
          d.code ? h('a', { href: `/tra-cuu/${encodeURIComponent(d.code)}`, class: 'meta' }, t('clerk.verifyLink')) : null,
          recalled && d.recall_reason ? h('div', { class: 'meta' }, t('verify.recallReason', { reason: d.recall_reason })) : null),
        stateBadge(recalled ? 'recalled' : 'issued'),
        recalled ? null : h('details', { class: 'full' }, h('summary', {}, t('clerk.recall')), form));
    })) : emptyState(t('clerk.noneIssued'), t('clerk.noneIssuedText')));
}

async function exportTab(page, el, ctx) {
  const out = h('div', { 'aria-live': 'polite' });
  const scope = h('select', { name: 'scope' },
    ['school_year', 'unit', 'book_type'].map((s) => h('option', { value: s }, t(`clerk.scope.${s}`))));
  const year = h('input', { type: 'text', name: 'school_year', value: '2025-2026' });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('clerk.startExport'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'exp-title' },
    h('h2', { id: 'exp-title' }, t('clerk.export')), h('p', {}, t('clerk.exportIntro')),
    h('div', { class: 'row' }, field(t('clerk.scopeLabel'), scope), field(t('clerk.year'), year)), out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      const prog = progressBar(t('clerk.exporting'));
      mount(out, prog.el);
      try {
        let job = await svc.startExport({ scope: scope.value, school_year: year.value.trim() });
        while (!['done', 'completed', 'failed'].includes(job.status || job.state)) {
          prog.update(job.progress ?? job.done ?? 0, job.total ?? 100);
          await new Promise((r) => setTimeout(r, 700));
          job = await svc.exportStatus(job.id);
        }
        if ((job.status || job.state) === 'failed') { mount(out, alertBox('error', t('clerk.exportFailed'), job.error)); return; }
        prog.done(t('clerk.exportReady'));
        const href = await svc.exportDownloadUrl(job.id);
        out.append(h('a', { class: 'btn secondary', href, download: `hoso-${year.value}.zip` }, t('clerk.downloadZip')));
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });

  const printOut = h('div', { 'aria-live': 'polite' });
  const book = h('select', { name: 'book_type' },
    [['ke_hoach_bai_day', 'clerk.print.lessonPlans'], ['so_dang_bo', 'clerk.print.register'], ['hoc_ba', 'clerk.print.hocBa']].map(([v, k]) => h('option', { value: v }, t(k))));
  const month = h('input', { type: 'month', name: 'period' });
  const printBtn = h('button', { type: 'submit', class: 'btn secondary' }, t('clerk.makePrint'));
  const printForm = h('form', { class: 'card', 'aria-labelledby': 'print-title' },
    h('h2', { id: 'print-title' }, t('clerk.printTitle')), h('p', {}, t('clerk.printIntro')),
    h('div', { class: 'row' }, field(t('clerk.book'), book), field(t('clerk.month'), month)), printOut, h('div', { class: 'actions' }, printBtn));
  printForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(printBtn, async () => {
      try {
        const href = await svc.printPdfUrl({ book_type: book.value, period: month.value });
        mount(printOut, h('a', { class: 'btn', href, target: '_blank', rel: 'noopener' }, t('clerk.openPrint')));
      } catch (err) { mount(printOut, errorAlert(err)); }
    });
  });
  return h('div', { class: 'grid two' }, form, printForm);
}

export default {
  title: 'clerk.title',
  roles: ['van_thu'],
  async render(el, ctx) {
    const tab = TABS.includes(ctx.query.get('muc')) ? ctx.query.get('muc') : TABS[0];
    const body = await ({ 'phat-hanh': issueTab, 'da-phat-hanh': issuedTab, 'xuat-in': exportTab })[tab](this, el, ctx);
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('clerk.title')), h('p', {}, t('clerk.intro')))),
      h('nav', { class: 'tabs', 'aria-label': t('clerk.sections') }, TABS.map((k) => h('a', { href: `/van-thu?muc=${k}`, 'aria-current': k === tab ? 'page' : null }, t(`clerk.tab.${k}`)))),
      body);
  },
};
