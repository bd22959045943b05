/**
 * Upload a file into a book and submit it in one step: the file goes to the documents service
 * (with upload progress), then the new version is submitted to approvals (or, for a returned
 * submission, added as its new version). Any refusal (locked period, wrong type, size) is shown
 * in Vietnamese beside the form.
 */
import { h, mount, errorAlert, alertBox, busy, field } from './dom.js';
import { t } from './i18n.js';
import { dropzone, progressBar } from './dropzone.js';
import * as svc from '../services.js';

const ACCEPT = { pdf: '.pdf,application/pdf', docx: '.docx', xlsx: '.xlsx', jpeg: '.jpg,.jpeg,image/jpeg', png: '.png,image/png' };

/**
 * obligation: {id, book_type, period_key}; address: the documents slot ({owner_key, formats});
 * returned: the returned submission being answered (has id and document_id), or null;
 * perDocument: a new document of a per-document obligation (a học bạ per student), whose title
 * (the student's name) is asked for and given to documents as the document's title.
 */
export function submitForm({ obligation, address, returned, perDocument = false, onDone }) {
  const accept = address && address.formats ? address.formats.map((f) => ACCEPT[f] || `.${f}`).join(',') : null;
  const drop = dropzone({ accept, label: t('mywork.pickFile'), hint: address && address.formats ? t('mywork.dropHintFormats', { formats: address.formats.join(', ').toUpperCase() }) : t('mywork.dropHint') });
  const prog = progressBar(t('mywork.uploading'));
  const out = h('div', { 'aria-live': 'polite' });
  const label = returned ? t('mywork.resubmit') : t('mywork.uploadSubmit');
  const button = h('button', { type: 'submit', class: 'btn' }, label);
  const title = perDocument ? h('input', { type: 'text', name: 'title', maxlength: '300', autocomplete: 'off', 'aria-required': 'true' }) : null;
  const form = h('form', { class: 'submit-form', 'aria-label': label },
    title ? field(t('mywork.studentName'), title, t('mywork.studentNameHint')) : null,
    drop.el, prog.el, out, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (title && !title.value.trim()) { title.setAttribute('aria-invalid', 'true'); mount(out, alertBox('error', t('mywork.needStudent'))); title.focus(); return; }
    if (!drop.file) { mount(out, alertBox('error', t('mywork.needFile'))); return; }
    await busy(button, async () => {
      mount(out);
      try {
        const uploaded = await svc.uploadFile({
          file: drop.file, book: obligation.book_type, period: obligation.period_key,
          ownerKey: address ? address.owner_key : undefined, documentId: returned ? returned.document_id : undefined,
          title: title ? title.value.trim().normalize('NFC') : undefined,
          idempotencyKey: crypto.randomUUID(),
        }, (a, b) => prog.update(a, b));
        prog.done(t('mywork.uploaded'));
        const version = uploaded.version;
        const result = returned
          ? await svc.resubmit(returned.id, { versionId: version.id, sha256: version.sha256 })
          : await svc.submit({ obligationId: obligation.id, documentId: uploaded.document.id, versionId: version.id, sha256: version.sha256 });
        mount(out, alertBox('ok', t('mywork.submitted')));
        drop.reset();
        if (onDone) onDone(result);
      } catch (err) {
        prog.hide();
        mount(out, errorAlert(err));
      }
    });
  });
  return form;
}
