/**
 * Upload a file into a book and submit it in one step: the file goes to the documents service
 * (with upload progress), then the new version is submitted to approvals (or, for a returned
 * submission, added as its new version). Any refusal (locked period, wrong type, size) is shown
 * in Vietnamese beside the form.
 *
 * If the session ends while the form is open, what was typed and the chosen file are kept
 * (keep.js) and put back when the person is signed in again and back on the page; a page
 * whose form opens from a button calls `reopenKept` so that the kept form opens by itself.
 */
import { h, mount, errorAlert, alertBox, busy, field } from './dom.js';
import { t } from './i18n.js';
import { dropzone, progressBar } from './dropzone.js';
import { keepForm, isKept, takeKept, forget } from './keep.js';
import * as svc from '../services.js';

/** The key a form is kept under on its page: its obligation, and the returned submission it answers. */
function formKey(obligation, returned) { return `submit:${obligation.id}:${returned ? returned.id : 'new'}`; }

/**
 * Open the kept form of this obligation: `openers` are [button, returned] pairs (null buttons
 * skipped); the first button whose form is kept is clicked once the page is shown.
 */
export function reopenKept(obligation, ...openers) {
  const found = openers.find(([button, returned]) => button && isKept(formKey(obligation, returned)));
  if (found) setTimeout(() => { if (found[0].isConnected && found[0].getAttribute('aria-expanded') !== 'true') found[0].click(); }, 0);
}

/** Put a kept form back: the typed fields, and the file as if chosen again. */
async function restoreKept(key, { title, drop, out, form }) {
  const saved = await takeKept(key);
  if (!saved) return;
  if (title && typeof saved.fields.title === 'string') title.value = saved.fields.title;
  if (saved.file) {
    const dt = new DataTransfer();
    dt.items.add(saved.file instanceof File ? saved.file : new File([saved.file], 'file'));
    drop.input.files = dt.files;
    drop.input.dispatchEvent(new Event('change'));
  }
  mount(out, alertBox('info', saved.file ? t('session.restoredFile', { name: saved.file.name.normalize('NFC') }) : t('session.restored')));
  form.scrollIntoView({ block: 'center' });
}

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
  const key = formKey(obligation, returned);
  keepForm(form, key, () => ({ fields: title ? { title: title.value } : {}, file: drop.file }));
  restoreKept(key, { title, drop, out, form });
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
        await forget(key);
        if (onDone) onDone(result);
      } catch (err) {
        prog.hide();
        mount(out, errorAlert(err));
      }
    });
  });
  return form;
}
