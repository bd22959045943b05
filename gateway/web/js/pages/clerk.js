/**
 * Văn thư: apply the school's organisational signature to signed học bạ and issue them in batch
 * (what waits comes from approvals' signing queue),
 * recall an issued one with a reason, and produce exports (ZIP with manifest, background job with
 * progress) and print-ready merged PDFs.
 */
import { h, mount, emptyState, field, fmtDateTime, errorAlert, busy, alertBox, stateBadge, toast } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { runBatch } from '../core/batch.js';
import { progressBar } from '../core/dropzone.js';
import { credentialFields } from '../core/signpanel.js';
import { myTurns, myStep, pickList } from './signing.js';
import { namesOf, subjectOf } from '../core/names.js';
import { confirmSummary } from '../core/confirm.js';
import { downloadSigned, signedFileName } from '../core/signedcopy.js';
import * as svc from '../services.js';

const TABS = ['phat-hanh', 'da-phat-hanh', 'xuat-in'];

async function issueTab(page, el, ctx, user, notice) {
  const sealable = (s) => s.action === 'sign' && Boolean(myStep(s) && myStep(s).organisation);
  const issuable = (s) => s.action === 'issue';
  const ready = await myTurns((s) => sealable(s) || issuable(s));
  const names = await namesOf(user.tenant, user);
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn', disabled: true }, t('clerk.issueN', { n: 0 }));
  const picker = pickList(ready, names, () => { const n = picker.chosen().length; btn.textContent = t('clerk.issueN', { n }); btn.disabled = n === 0; });
  const cf = await credentialFields(true);
  const form = h('form', { class: 'card', 'aria-labelledby': 'issue-title' },
    h('h2', { id: 'issue-title' }, t('clerk.ready', { n: ready.length })),
    ready.length ? [picker.el, cf.fields, out, h('div', { class: 'actions' }, btn)] : emptyState(t('clerk.noneReady'), t('clerk.noneReadyText')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const chosen = picker.chosen();
    const byId = new Map(ready.map((s) => [s.id, s]));
    const ok = await confirmSummary(out, {
      title: t('clerk.confirmTitle', { n: chosen.length }),
      lines: chosen.map((id) => `${subjectOf(byId.get(id))} — ${names.get(byId.get(id).submitter) || byId.get(id).submitter}`),
      confirmLabel: t('clerk.confirmIssue', { n: chosen.length }),
    });
    if (!ok) return;
    busy(btn, async () => {
      try {
        const report = h('div');
        const toSeal = chosen.filter((id) => sealable(byId.get(id)));
        let sealed = new Set();
        if (toSeal.length) {
          const b = await runBatch(report, { submissionIds: toSeal, credentialId: cf.select.value, pin: cf.pin.value },
            new Map(ready.map((s) => [s.id, `${subjectOf(s)} — ${names.get(s.submitter) || s.submitter}`])));
          sealed = new Set((b.items || []).filter((i) => i.status === 'signed').map((i) => i.submission_id));
        }
        const toIssue = chosen.filter((id) => sealed.has(id) || issuable(byId.get(id)));
        const failures = [];
        for (const id of toIssue) {
          try { await svc.issueSubmission(id); } catch (err) { failures.push(`${subjectOf(byId.get(id))}: ${err.detail || err.title}`); }
        }
        report.append(failures.length
          ? alertBox('error', t('clerk.issuePartial', { ok: toIssue.length - failures.length, n: toIssue.length }), failures.join('; '))
          : alertBox('ok', t('clerk.issuedN', { n: toIssue.length })));
        await page.render(el, ctx, user, report);
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return [h('div', { id: 'clerk-out', 'aria-live': 'polite' }, notice || null), form];
}

async function issuedTab(page, el, ctx, user) {
  const list = await svc.issuedList();
  const names = await namesOf(user.tenant, user);
  return [h('section', { class: 'card', 'aria-labelledby': 'issued-title' },
    h('h2', { id: 'issued-title' }, t('clerk.issued', { n: list.length })),
    list.length ? h('ul', { class: 'list' }, list.map((s) => {
      const recalled = s.state === 'recalled';
      const reason = h('input', { type: 'text', name: 'reason', autocomplete: 'off' });
      const out = h('div', { 'aria-live': 'polite' });
      const btn = h('button', { type: 'submit', class: 'btn danger small' }, t('clerk.recall'));
      const form = h('form', { 'aria-label': t('clerk.recallOf', { title: `${subjectOf(s)} — ${names.get(s.submitter) || s.submitter}` }) }, field(t('clerk.reason'), reason), out, btn);
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        if (!reason.value.trim()) { reason.setAttribute('aria-invalid', 'true'); mount(out, alertBox('error', t('clerk.needReason'))); reason.focus(); return; }
        busy(btn, async () => {
          try { await svc.recallSubmission(s.id, reason.value.trim()); toast(t('clerk.recalled')); page.render(el, ctx, user); } catch (err) { mount(out, errorAlert(err)); }
        });
      });
      const get = h('button', { type: 'button', class: 'btn secondary small' }, t('signed.download'));
      get.addEventListener('click', () => busy(get, async () => {
        try { await downloadSigned(await svc.signedCopy(s.id), signedFileName(s, names)); } catch (err) { mount(out, errorAlert(err)); }
      }));
      return h('li', {},
        h('div', { class: 'grow' },
          h('a', { class: 'title', href: `/bai-nop/${encodeURIComponent(s.id)}` }, `${subjectOf(s)} — ${names.get(s.submitter) || s.submitter}`),
          h('span', { class: 'meta' }, t('clerk.issuedAt', { time: fmtDateTime(s.issued_at) })),
          recalled && s.recall_reason ? h('div', { class: 'meta' }, t('verify.recallReason', { reason: s.recall_reason })) : null),
        stateBadge(s.state),
        h('div', { class: 'actions' }, get),
        recalled ? null : h('details', { class: 'full' }, h('summary', {}, t('clerk.recall')), form));
    })) : emptyState(t('clerk.noneIssued'), t('clerk.noneIssuedText')))];
}

async function exportJob(out, body, fileName) {
  const prog = progressBar(t('clerk.exporting'));
  mount(out, prog.el);
  let job = await svc.startExport(body);
  while (!['done', 'failed'].includes(job.status)) {
    prog.update(job.percent || 0, 100);
    await new Promise((r) => setTimeout(r, 700));
    job = await svc.exportStatus(job.id);
  }
  if (job.status === 'failed') { mount(out, alertBox('error', t('clerk.exportFailed'), job.error)); return; }
  prog.done(t('clerk.exportReady'));
  const href = await svc.exportFileUrl(job.id);
  out.append(h('a', { class: 'btn secondary', href, download: fileName }, body.kind === 'zip' ? t('clerk.downloadZip') : t('clerk.openPrint')));
}

async function exportTab() {
  const rules = await svc.deadlineRules().catch(() => []);
  const books = [...new Map(rules.map((r) => [r.book_type, r.book_name])).entries()];
  const year = svc.schoolYearOf();
  const bookSelect = (all) => h('select', { name: 'book' }, all ? h('option', { value: '' }, t('locks.allBooks')) : null, books.map(([slug, name]) => h('option', { value: slug }, name)));

  const out = h('div', { 'aria-live': 'polite' });
  const zipBook = bookSelect(true);
  const zipYear = h('input', { type: 'text', name: 'school_year', value: year });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('clerk.startExport'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'exp-title' },
    h('h2', { id: 'exp-title' }, t('clerk.export')), h('p', {}, t('clerk.exportIntro')),
    h('div', { class: 'row' }, field(t('clerk.book'), zipBook), field(t('clerk.year'), zipYear)), out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      try { await exportJob(out, { kind: 'zip', school_year: zipYear.value.trim(), book: zipBook.value || null }, `hoso-${zipYear.value}.zip`); } catch (err) { mount(out, errorAlert(err)); }
    });
  });

  const printOut = h('div', { 'aria-live': 'polite' });
  const printBook = bookSelect(false);
  const period = h('input', { type: 'text', name: 'period', placeholder: '2026-11', autocomplete: 'off' });
  const printBtn = h('button', { type: 'submit', class: 'btn secondary' }, t('clerk.makePrint'));
  const printForm = h('form', { class: 'card', 'aria-labelledby': 'print-title' },
    h('h2', { id: 'print-title' }, t('clerk.printTitle')), h('p', {}, t('clerk.printIntro')),
    h('div', { class: 'row' }, field(t('clerk.book'), printBook), field(t('clerk.period'), period, t('locks.periodHint'))), printOut, h('div', { class: 'actions' }, printBtn));
  printForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(printBtn, async () => {
      try { await exportJob(printOut, { kind: 'print', school_year: year, book: printBook.value, period: period.value.trim() || null }, `ban-in-${printBook.value}.pdf`); } catch (err) { mount(printOut, errorAlert(err)); }
    });
  });
  return h('div', { class: 'grid two' }, form, printForm);
}

export default {
  title: 'clerk.title',
  roles: ['van_thu'],
  async render(el, ctx, user, notice) {
    const tab = TABS.includes(ctx.query.get('muc')) ? ctx.query.get('muc') : TABS[0];
    const body = tab === 'phat-hanh' ? await issueTab(this, el, ctx, user, notice)
      : tab === 'da-phat-hanh' ? await issuedTab(this, el, ctx, user) : await exportTab();
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('clerk.title')), h('p', {}, t('clerk.intro')))),
      h('nav', { class: 'tabs', 'aria-label': t('clerk.sections') }, TABS.map((k) => h('a', { href: `/van-thu?muc=${k}`, 'aria-current': k === tab ? 'page' : null }, t(`clerk.tab.${k}`)))),
      body);
  },
};
