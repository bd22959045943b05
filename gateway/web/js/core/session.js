/**
 * What the person sees when her session ends while a page is open: a Vietnamese notice
 * "Phiên đăng nhập đã hết hạn" at the top of the page with a "Đăng nhập lại" button that
 * signs her in again and brings her back to the same page (the page's forms are kept by
 * keep.js meanwhile). Requests refused for the same reason get `sessionError()`, worded alike.
 */
import { h } from './dom.js';
import { t } from './i18n.js';
import { onSessionEnd, signIn } from './auth.js';
import { kept, formsOnPage } from './keep.js';

const NOTICE_ID = 'session-ended';

/** The error a request gets when there is no session left: the notice's words, never the server's. */
export function sessionErrorFields() {
  return { status: 401, title: t('session.expired'), detail: t('session.expiredText'), code: 'session_expired' };
}

/** Sign in again and come back here, once the kept forms are written. */
async function signInAgain(button) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  await kept();
  await signIn(location.pathname + location.search);
}

/** Show the notice at the top of the main landmark (once) and move focus to its button. */
export function showSessionEnded() {
  const main = document.getElementById('main');
  if (!main || document.getElementById(NOTICE_ID)) return;
  const button = h('button', { type: 'button', class: 'btn', onclick: (ev) => signInAgain(ev.currentTarget) }, t('session.signInAgain'));
  const notice = h('section', { id: NOTICE_ID, class: 'alert warn', role: 'alert', 'aria-labelledby': `${NOTICE_ID}-title` },
    h('h2', { id: `${NOTICE_ID}-title` }, t('session.expired')),
    h('p', {}, t('session.expiredText')),
    formsOnPage() ? h('p', {}, t('session.keptText')) : null,
    h('div', { class: 'actions' }, button));
  const loading = main.querySelector(':scope > .loading');
  if (loading) loading.remove();
  main.prepend(notice);
  notice.scrollIntoView({ block: 'start' });
  button.focus({ preventScroll: true });
}

onSessionEnd(() => showSessionEnded());
