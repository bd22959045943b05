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
  const sigs = result.signatures || [];
  const allValid = sigs.length > 0 && sigs.every((s) => s.valid);
  const changed = sigs.some((s) => s.changed_after_signing || s.intact === false);
  let kind = 'error';
  if (!result.recalled && allValid && (result.latest || !result.known)) kind = 'ok';
  else if (!sigs.length || (!result.recalled && allValid)) kind = 'warn';
  const verdict = alertBox(kind, result.recalled ? t('verify.recalled') : (result.summary || t(allValid ? 'verify.valid' : 'verify.invalid')),
    result.recalled && result.recall_reason ? t('verify.recallReason', { reason: result.recall_reason }) : (result.recalled ? result.summary : null));

  return h('section', { class: 'card', 'aria-labelledby': 'verify-result' },
    h('h2', { id: 'verify-result' }, t('verify.result')),
    verdict,
    h('dl', { class: 'kv' },
      result.code ? [h('dt', {}, t('verify.code')), h('dd', { class: 'verify-code' }, result.code)] : null,
      result.book_type ? [h('dt', {}, t('verify.docTitle')), h('dd', {}, t(`book.${result.book_type}`, {}, result.book_type))] : null,
      result.document_sha256 ? [h('dt', {}, 'SHA-256'), h('dd', { class: 'mono' }, result.document_sha256)] : null,
      result.recalled_at ? [h('dt', {}, t('verify.recalledAt')), h('dd', {}, fmtDateTime(result.recalled_at))] : null,
      sigs.length ? [h('dt', {}, t('verify.changed')), h('dd', {}, changed ? t('verify.changedYes') : t('verify.changedNo'))] : null,
      result.known === false && sigs.length ? [h('dt', {}, t('verify.registry')), h('dd', {}, t('verify.notRegistered'))] : null),
    sigs.length ? h('h3', {}, t('verify.signatures', { n: sigs.length })) : null,
    sigs.length ? h('ol', { class: 'list signatures' }, sigs.map((s) => h('li', {},
      h('div', { class: 'grow' },
        h('span', { class: 'title' }, s.signer || t('verify.unknownSigner')),
        s.organisation ? h('span', { class: 'meta' }, s.organisation) : null,
        h('div', { class: 'meta' }, t('verify.signedAt', { time: fmtDateTime(s.timestamp_at || s.signed_at) }),
          s.timestamp_at ? ` · ${t('verify.timestamped')}` : ''),
        h('div', { class: 'meta' }, s.verdict),
        (s.chain && s.chain.length) ? h('details', {}, h('summary', {}, t('verify.chain')),
          h('ol', {}, s.chain.map((c) => h('li', {}, typeof c === 'string' ? c : (c.subject || JSON.stringify(c)))))) : null),
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
