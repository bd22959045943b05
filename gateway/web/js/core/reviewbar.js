/**
 * The review bar: Duyệt / Trả lại / Góp ý / Tiếp, kept at the bottom of the screen (above any
 * bottom navigation) so a decision never needs scrolling past the document. Trả lại and Góp ý
 * open a small sheet just above the bar for the comment, then send it when pressed again with a
 * comment typed (approvals refuses a return or a comment without one); Duyệt sends the comment
 * too when one is typed. The bar's controls are real buttons in reading order after the document.
 */
import { h, mount, field, errorAlert, busy } from './dom.js';
import { t } from './i18n.js';
import * as svc from '../services.js';

/**
 * sub: the submission shown; next: go to the next item (null when there is none);
 * onDecided(decision): after an approval or a return; onCommented(sub): after a comment, with the
 * submission as approvals now has it. Returns the sheet and the bar, to be placed after the document.
 */
export function reviewBar({ sub, next, onDecided, onCommented }) {
  const comment = h('textarea', { name: 'comment', rows: '3', maxlength: '5000' });
  const prompt = h('div', { class: 'sheet-prompt', 'aria-live': 'polite' });
  const close = h('button', { type: 'button', class: 'btn secondary small' }, t('review.closeSheet'));
  const sheet = h('section', { class: 'review-sheet', id: `sheet-${sub.id}`, 'aria-labelledby': `sheet-title-${sub.id}`, hidden: true },
    h('div', { class: 'sheet-head' }, h('h3', { id: `sheet-title-${sub.id}` }, t('review.sheetTitle')), close),
    h('p', { class: 'meta' }, t('review.sheetHelp')),
    field(t('queue.comment'), comment), prompt);
  const approve = h('button', { type: 'button', class: 'btn', 'data-action': 'approve' }, t('queue.approve'));
  const ret = h('button', { type: 'button', class: 'btn danger', 'data-action': 'return', 'aria-controls': sheet.id, 'aria-expanded': 'false' }, t('queue.return'));
  const note = h('button', { type: 'button', class: 'btn secondary', 'data-action': 'comment', 'aria-controls': sheet.id, 'aria-expanded': 'false' }, t('review.comment'));
  const onward = h('button', { type: 'button', class: 'btn secondary', 'data-action': 'next', disabled: !next }, t('review.next'));
  let opener = null;

  const open = (button, message) => {
    sheet.hidden = false;
    opener = button;
    for (const b of [ret, note]) b.setAttribute('aria-expanded', 'true');
    comment.setAttribute('aria-invalid', 'true');
    mount(prompt, h('p', { role: 'alert' }, message));
    comment.focus();
  };
  const shut = () => {
    sheet.hidden = true;
    for (const b of [ret, note]) b.setAttribute('aria-expanded', 'false');
    mount(prompt);
    comment.removeAttribute('aria-invalid');
    if (opener) opener.focus();
  };
  close.addEventListener('click', shut);
  sheet.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); shut(); } });
  const text = () => comment.value.trim();
  const failed = (err) => { sheet.hidden = false; mount(prompt, errorAlert(err)); };

  approve.addEventListener('click', () => busy(approve, async () => {
    try { await svc.decide(sub.id, 'approve', text()); } catch (err) { failed(err); return; }
    onDecided('approve');
  }));
  ret.addEventListener('click', () => {
    if (sheet.hidden || !text()) { open(ret, t('queue.needComment')); return; }
    busy(ret, async () => {
      try { await svc.decide(sub.id, 'return', text()); } catch (err) { failed(err); return; }
      onDecided('return');
    });
  });
  note.addEventListener('click', () => {
    if (sheet.hidden || !text()) { open(note, t('queue.needCheckComment')); return; }
    busy(note, async () => {
      let updated;
      try { updated = await svc.comment(sub.id, text()); } catch (err) { failed(err); return; }
      comment.value = '';
      shut();
      onCommented(updated);
    });
  });
  if (next) onward.addEventListener('click', next);

  const bar = h('div', { class: 'review-bar', role: 'group', 'aria-label': t('review.barLabel') }, approve, ret, note, onward);
  return [sheet, bar];
}
