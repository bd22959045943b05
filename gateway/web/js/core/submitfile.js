/**
 * Upload a file into a book and submit it in one step: the file goes to the documents service
 * as a resumable upload (resumable.js: chunks, progress, Huỷ, retries, continues after a dropped
 * connection or a reload), then the new version is submitted to approvals (or, for a returned
 * submission, added as its new version). The book's limits are shown beside the file input and
 * checked before any byte is sent; any refusal (locked period, wrong type, size) is shown in
 * Vietnamese beside the form. An upload left unfinished is offered again: "Tiếp tục tải lên (62%)".
 *
 * If the session ends while the form is open, what was typed and the chosen file are kept
 * (keep.js) and put back when the person is signed in again and back on the page; a page
 * whose form opens from a button calls `reopenKept` so that the kept form opens by itself.
 */
import { h, mount, errorAlert, alertBox, busy, field } from './dom.js';
import { t } from './i18n.js';
import { dropzone, progressBar } from './dropzone.js';
import { resumableUpload, checkFile, limitsText, pendingUpload, pendingFile, discardUpload, isCancelled } from './resumable.js';
import { keepForm, isKept, takeKept, forget } from './keep.js';
import * as svc from '../services.js';

/** The key a form is kept under on its page: its obligation, and the returned submission it answers. */
function formKey(obligation, returned) { return `submit:${obligation.id}:${returned ? returned.id : 'new'}`; }

/**
 * Open the kept form of this obligation: `openers` are [button, returned] pairs (null buttons
 * skipped); the first button whose form is kept, or has an unfinished upload, is clicked once the
 * page is shown.
 */
export function reopenKept(obligation, ...openers) {
  const found = openers.find(([button, returned]) => button
    && (isKept(formKey(obligation, returned)) || pendingUpload(formKey(obligation, returned))));
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

/** The limits of the obligation's book ({max_bytes, formats}): the address's, else from my addresses. */
async function bookLimits(obligation, address) {
  if (address && address.max_bytes) return address;
  try {
    return (await svc.myAddresses()).find((a) => a.book === obligation.book_type) || address || null;
  } catch { return address || null; }
}

/**
 * obligation: {id, book_type, period_key}; address: the documents slot ({owner_key, formats, max_bytes});
 * returned: the returned submission being answered (has id and document_id), or null;
 * perDocument: a new document of a per-document obligation (a học bạ per student), whose title
 * (the student's name) is asked for and given to documents as the document's title.
 */
export function submitForm({ obligation, address, returned, perDocument = false, onDone }) {
  const accept = address && address.formats ? address.formats.map((f) => ACCEPT[f] || `.${f}`).join(',') : null;
  const out = h('div', { 'aria-live': 'polite' });
  let limits = address && address.max_bytes ? address : null;
  let fileProblem = false;
  const limitsReady = bookLimits(obligation, address).then((found) => { limits = found; drop.setLimits(limitsText(found)); return found; });
  const drop = dropzone({
    accept, label: t('mywork.pickFile'),
    hint: address && address.formats ? t('mywork.dropHintFormats', { formats: address.formats.join(', ').toUpperCase() }) : t('mywork.dropHint'),
    onChange: async (file) => {
      const why = file ? await checkFile(file, limits || await limitsReady) : null;
      if (why) mount(out, alertBox('error', why));
      else if (fileProblem) mount(out);
      fileProblem = Boolean(why);
    },
  });
  drop.setLimits(limitsText(limits));
  const prog = progressBar(t('mywork.uploading'));
  const label = returned ? t('mywork.resubmit') : t('mywork.uploadSubmit');
  const button = h('button', { type: 'submit', class: 'btn' }, label);
  const cancel = h('button', { type: 'button', class: 'btn secondary', hidden: true }, t('resumable.cancel'));
  const offer = h('div', { class: 'resume-offer', hidden: true });
  const title = perDocument ? h('input', { type: 'text', name: 'title', maxlength: '300', autocomplete: 'off', 'aria-required': 'true' }) : null;
  const form = h('form', { class: 'submit-form', 'aria-label': label },
    title ? field(t('mywork.studentName'), title, t('mywork.studentNameHint')) : null,
    offer, drop.el, prog.el, out, h('div', { class: 'actions upload-actions' }, button, cancel));
  const key = formKey(obligation, returned);
  keepForm(form, key, () => ({ fields: title ? { title: title.value } : {}, file: drop.file }));
  restoreKept(key, { title, drop, out, form });
  let job = null;

  const send = (file) => busy(button, async () => {
    mount(out);
    const why = await checkFile(file, limits || await limitsReady);
    if (why) { mount(out, alertBox('error', why)); return; }
    offer.hidden = true;
    const meta = returned ? { document_id: returned.document_id } : {
      book: obligation.book_type, period: obligation.period_key, owner_key: address ? address.owner_key : undefined,
      title: title ? title.value.trim().normalize('NFC') : undefined };
    job = resumableUpload({
      key, file, meta,
      onProgress: (a, b) => prog.update(a, b),
      onWait: (sent) => prog.note(t('resumable.waiting', { pct: Math.floor(sent * 100) })),
    });
    cancel.hidden = false;
    try {
      const uploaded = await job.promise;
      cancel.hidden = true;
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
      mount(out, isCancelled(err) ? alertBox('info', t('resumable.cancelled')) : errorAlert(err));
      showOffer();
    } finally {
      job = null;
      cancel.hidden = true;
    }
  });

  /** "Tiếp tục tải lên (62%)" for an upload of this form left unfinished (a dropped connection, a reload). */
  function showOffer() {
    const pending = pendingUpload(key);
    offer.hidden = !pending;
    if (!pending) return;
    const pct = Math.floor((100 * (pending.offset || 0)) / pending.size);
    const resume = h('button', { type: 'button', class: 'btn' }, t('resumable.resume', { pct }));
    const discard = h('button', { type: 'button', class: 'btn secondary' }, t('resumable.discard'));
    resume.addEventListener('click', async () => {
      const file = await pendingFile(key);
      if (title && !title.value.trim() && pending.meta && pending.meta.title) title.value = pending.meta.title;
      if (file) send(file instanceof File ? file : new File([file], pending.name, { lastModified: pending.lastModified }));
      else mount(out, alertBox('info', t('resumable.chooseAgain', { name: pending.name.normalize('NFC') })));
    });
    discard.addEventListener('click', async () => { await discardUpload(key); offer.hidden = true; mount(out); });
    mount(offer, alertBox('info', t('resumable.unfinished', { name: pending.name.normalize('NFC'), pct })),
      h('div', { class: 'actions' }, resume, discard));
  }
  showOffer();

  cancel.addEventListener('click', () => { if (job) job.cancel(); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (title && !title.value.trim()) { title.setAttribute('aria-invalid', 'true'); mount(out, alertBox('error', t('mywork.needStudent'))); title.focus(); return; }
    if (!drop.file) { mount(out, alertBox('error', t('mywork.needFile'))); return; }
    send(drop.file);
  });
  return form;
}
