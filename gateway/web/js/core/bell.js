/**
 * The bell in the header: a link to the inbox carrying the unread count, on every page.
 * The count is one cheap call, refreshed on each navigation and every minute while the tab
 * is visible; a failure leaves the bell without a number rather than showing an error.
 */
import { h } from './dom.js';
import { t } from './i18n.js';
import * as svc from '../services.js';

const REFRESH_MS = 60_000;
let timer = null;
let lastCount = 0;
const countListeners = new Set();

/** Be told each unread count the bell shows (the phone's tab bar shows it too). */
export function onUnreadCount(fn) { countListeners.add(fn); }

function bellIcon() {
  const tpl = document.createElement('template');
  tpl.innerHTML = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false"><path d="M12 3a6 6 0 0 0-6 6v3.6L4.3 16a1 1 0 0 0 .9 1.5h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6zm0 19a2.6 2.6 0 0 0 2.5-2h-5A2.6 2.6 0 0 0 12 22z" fill="currentColor"/></svg>';
  return tpl.content.firstChild;
}

function paint(link, count) {
  lastCount = count;
  const badge = link.querySelector('.bell-count');
  badge.textContent = count > 99 ? '99+' : String(count);
  badge.hidden = count === 0;
  link.setAttribute('aria-label', count ? t('inbox.bellUnread', { count }) : t('inbox.bell'));
  for (const fn of countListeners) fn(count);
}

async function update(link) {
  try { paint(link, await svc.unreadCount()); } catch { /* offline or signed out: keep the last count */ }
}

/** The bell link for the header; starts (or restarts) its refresh. */
export function bell() {
  const link = h('a', { href: '/thong-bao', class: 'btn-header bell', 'data-testid': 'bell' },
    bellIcon(), h('span', { class: 'bell-count', hidden: true }, '0'));
  paint(link, lastCount);
  update(link);
  clearInterval(timer);
  timer = setInterval(() => { if (document.visibilityState === 'visible' && link.isConnected) update(link); }, REFRESH_MS);
  return link;
}

/** Tell the bell the count changed (a page marked something read). */
export function bellChanged(count) {
  const link = document.querySelector('[data-testid="bell"]');
  if (link) paint(link, count);
}
