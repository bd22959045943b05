/**
 * Upload a file into a book and submit it in one step: the file goes to the documents service
 * (with upload progress), then the new version is submitted (or resubmitted) to approvals.
 * Any refusal (locked period, wrong type, size) is shown in Vietnamese beside the form.
 */
import { h, mount, errorAlert, alertBox, busy, field } from './dom.js';
import { t } from './i18n.js';
import { dropzone, progressBar } from './dropzone.js';
import * as svc from '../services.js';

export function submitForm({ obligation, submissionId, onDone, accept }) {
  const drop = dropzone({ accept, label: t('mywork.pickFile'), hint: t('mywork.dropHint') });
  const prog = progressBar(t('mywork.uploading'));
  const note = h('textarea', { name: 'note', rows: '2' });
  const out = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'btn' }, submissionId ? t('mywork.resubmit') : t('mywork.uploadSubmit'));
  const form = h('form', { class: 'submit-form', 'aria-label': submissionId ? t('mywork.resubmit') : t('mywork.uploadSubmit') },
    drop.el, field(t('mywork.note'), note), prog.el, out, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!drop.file) { mount(out, alertBox('error', t('mywork.needFile'))); return; }
    await busy(button, async () => {
      mount(out);
      try {
        const version = await svc.uploadVersion({
          file: drop.file, bookType: obligation.book_type, period: obligation.period, unit: obligation.unit,
          idempotencyKey: crypto.randomUUID(),
        }, (a, b) => prog.update(a, b));
        prog.done(t('mywork.uploaded'));
        const versionId = version.id || version.version_id;
        const body = { version_id: versionId, obligation_id: obligation.id, note: note.value.trim().normalize('NFC') || null };
        const result = submissionId ? await svc.resubmit(submissionId, body) : await svc.submit(body);
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
