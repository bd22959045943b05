/**
 * Public verification (no sign-in): upload a signed PDF or type the code printed on it, and see
 * each signature (valid or not, signer, certificate chain, time), whether the document changed
 * after signing, and whether it was recalled.
 */
import { h, mount, field, alertBox, errorAlert, fmtDateTime, busy } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { dropzone, progressBar } from '../core/dropzone.js';
import { navigate } from '../core/router.js';
import * as svc from '../services.js';

function resultView(result) {
  const recalled = !!result.recalled;
  const sigs = result.signatures || [];
  const allValid = sigs.length > 0 && sigs.every((s) => s.valid) && !result.modified_after_signing;
  let verdict;
  if (recalled) verdict = alertBox('error', t('verify.recalled'), result.recall_reason ? t('verify.recallReason', { reason: result.recall_reason }) : null);
  else if (!sigs.length) verdict = alertBox('warn', t('verify.noSignature'));
  else if (allValid) verdict = alertBox('ok', t('verify.valid'));
  else verdict = alertBox('error', t('verify.invalid'), result.modified_after_signing ? t('verify.modified') : null);

  const doc = result.document || {};
  return h('section', { class: 'card', 'aria-labelledby': 'verify-result' },
    h('h2', { id: 'verify-result' }, t('verify.result')),
    verdict,
    h('dl', { class: 'kv' },
      doc.title ? [h('dt', {}, t('verify.docTitle')), h('dd', {}, doc.title)] : null,
      doc.school_name ? [h('dt', {}, t('verify.school')), h('dd', {}, doc.school_name)] : null,
      result.code ? [h('dt', {}, t('verify.code')), h('dd', {}, result.code)] : null,
      result.sha256 ? [h('dt', {}, 'SHA-256'), h('dd', { class: 'mono' }, result.sha256)] : null,
      result.issued_at ? [h('dt', {}, t('verify.issuedAt')), h('dd', {}, fmtDateTime(result.issued_at))] : null,
      [h('dt', {}, t('verify.changed')), h('dd', {}, result.modified_after_signing ? t('verify.changedYes') : t('verify.changedNo'))]),
    sigs.length ? h('h3', {}, t('verify.signatures', { n: sigs.length })) : null,
    sigs.length ? h('ol', { class: 'list' }, sigs.map((s) => h('li', {},
      h('div', { class: 'grow' },
        h('span', { class: 'title' }, s.signer_name || s.signer || t('verify.unknownSigner')),
        h('span', { class: 'meta' }, [s.role, s.organisation].filter(Boolean).join(' · ')),
        h('div', { class: 'meta' }, t('verify.signedAt', { time: fmtDateTime(s.signed_at || s.signing_time) })),
        (s.chain && s.chain.length) ? h('details', {}, h('summary', {}, t('verify.chain')),
          h('ol', {}, s.chain.map((c) => h('li', {}, typeof c === 'string' ? c : (c.subject || JSON.stringify(c)))))) : null,
        s.problem ? h('div', { class: 'meta' }, s.problem) : null),
      h('span', { class: `badge ${s.valid ? 'ok' : 'bad'}` }, s.valid ? t('verify.sigValid') : t('verify.sigInvalid'))))) : null);
}

export default {
  public: true,
  title: 'verify.title',
  async render(el, ctx) {
    const out = h('div', { id: 'verify-output' });
    const drop = dropzone({ accept: 'application/pdf,.pdf', label: t('verify.pickPdf'), hint: t('verify.dropPdf') });
    const prog = progressBar(t('verify.uploading'));
    const uploadForm = h('form', { class: 'card', 'aria-labelledby': 'verify-by-file' },
      h('h2', { id: 'verify-by-file' }, t('verify.byFile')),
      drop.el, prog.el,
      h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'submit' }, t('verify.check'))));
    uploadForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!drop.file) { mount(out, alertBox('error', t('verify.needFile'))); return; }
      await busy(ev.submitter || uploadForm.querySelector('button'), async () => {
        try {
          const result = await svc.verifyFile(drop.file, (a, b) => prog.update(a, b));
          prog.hide();
          mount(out, resultView(result));
        } catch (err) { prog.hide(); mount(out, errorAlert(err)); }
      });
      out.querySelector('h2, [role=alert]')?.focus?.();
    });

    const codeInput = h('input', { type: 'text', name: 'code', autocomplete: 'off', required: true, value: ctx.params.code || '', spellcheck: 'false' });
    const codeForm = h('form', { class: 'card', 'aria-labelledby': 'verify-by-code' },
      h('h2', { id: 'verify-by-code' }, t('verify.byCode')),
      field(t('verify.codeLabel'), codeInput, t('verify.codeHint')),
      h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'submit' }, t('verify.check'))));
    codeForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const code = codeInput.value.trim();
      if (code) navigate(`/tra-cuu/${encodeURIComponent(code)}`);
    });

    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('verify.title')), h('p', {}, t('verify.intro')))),
      h('div', { class: 'grid two' }, uploadForm, codeForm),
      out);

    if (ctx.params.code) {
      try {
        mount(out, resultView(await svc.verifyCode(ctx.params.code)));
      } catch (err) {
        mount(out, err.status === 404 ? alertBox('error', t('verify.codeUnknown'), t('verify.codeUnknownDetail')) : errorAlert(err));
      }
    }
  },
};
