/**
 * A file picker that also accepts drag and drop, with a progress bar for the upload and, when
 * known, the limits of what it takes (size, formats) beside the input.
 * The native <input type=file> stays the keyboard- and screen-reader-accessible control;
 * the drop area around it is a convenience for mouse users.
 */
import { h, fmtBytes, uid } from './dom.js';
import { t } from './i18n.js';

export function dropzone({ name = 'file', accept, label, hint, required = false, onChange } = {}) {
  const id = uid('file');
  const input = h('input', { type: 'file', id, name, accept: accept || null, required, class: 'file-input' });
  const chosen = h('p', { class: 'file-name', 'aria-live': 'polite' }, t('upload.none'));
  const limitsLine = h('p', { class: 'upload-limits', hidden: true });
  const zone = h('div', { class: 'dropzone' },
    input,
    h('label', { for: id, class: 'btn secondary file-button' }, label || t('upload.choose')),
    h('p', { class: 'hint' }, hint || t('upload.drop')),
    limitsLine,
    chosen);
  let file = null;
  const setFile = (f) => {
    file = f || null;
    chosen.textContent = file ? `${file.name.normalize('NFC')} (${fmtBytes(file.size)})` : t('upload.none');
    if (onChange) onChange(file);
  };
  input.addEventListener('change', () => setFile(input.files[0]));
  zone.addEventListener('click', (ev) => { if (ev.target === zone) input.click(); });
  zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    const f = ev.dataTransfer.files[0];
    if (f) {
      const dt = new DataTransfer();
      dt.items.add(f);
      input.files = dt.files;
      setFile(f);
    }
  });
  return {
    el: zone, input, get file() { return file; }, reset() { input.value = ''; setFile(null); },
    /** Show the book's limits ("Tối đa 30 MB · PDF, DOCX") beside the input; '' hides the line. */
    setLimits(text) { limitsLine.textContent = text; limitsLine.hidden = !text; },
  };
}

/** A labelled progress bar; update(loaded, total) moves it and says the percentage. */
export function progressBar(labelText) {
  const id = uid('prog');
  const bar = h('progress', { id, max: '100', value: '0', 'aria-label': labelText });
  const text = h('span', { class: 'progress-label', 'aria-live': 'polite' }, '');
  const el = h('div', { class: 'field', hidden: true }, h('label', { for: id }, labelText), bar, text);
  return {
    el,
    update(loaded, total) {
      el.hidden = false;
      const pct = total ? Math.round((loaded / total) * 100) : 0;
      bar.value = pct;
      text.textContent = total ? `${pct}% — ${fmtBytes(loaded)} / ${fmtBytes(total)}` : '';
    },
    done(message) { el.hidden = false; bar.value = 100; text.textContent = message || ''; },
    /** Say something about the upload under way beside its figures (waiting for the network…). */
    note(message) { el.hidden = false; text.textContent = message; },
    hide() { el.hidden = true; bar.value = 0; text.textContent = ''; },
  };
}
