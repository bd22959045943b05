/**
 * A confirmation with a summary before an act that cannot be undone in one click (a legal
 * signature on a batch, issuing, bulk approval): the person reads what exactly will happen to
 * which documents, then confirms or goes back. Inline, not a browser dialog, so it reads well on
 * a phone and a screen reader announces it.
 */
import { h, mount } from './dom.js';
import { t } from './i18n.js';

/** Show the summary in `box`; resolves true on confirm, false on "Quay lại" (the box is emptied either way). */
export function confirmSummary(box, { title, lines, confirmLabel }) {
  return new Promise((resolve) => {
    const yes = h('button', { type: 'button', class: 'btn' }, confirmLabel);
    const no = h('button', { type: 'button', class: 'btn secondary' }, t('confirm.back'));
    const done = (answer) => { mount(box); resolve(answer); };
    yes.addEventListener('click', () => done(true));
    no.addEventListener('click', () => done(false));
    const panel = h('div', { class: 'alert warn confirm', role: 'alertdialog', 'aria-labelledby': 'confirm-title', tabindex: '-1' },
      h('strong', { id: 'confirm-title' }, title),
      h('ol', { class: 'confirm-list' }, lines.map((line) => h('li', {}, line))),
      h('div', { class: 'actions' }, yes, no));
    mount(box, panel);
    panel.focus();
  });
}
