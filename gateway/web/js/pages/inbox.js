/**
 * The inbox (Thông báo): my notifications newest first, unread ones marked; opening one marks it
 * read and goes to the exact page it names; "mark all read"; more on demand.
 */
import { h, mount, emptyState, errorAlert, busy, fmtDateTime, toast } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { navigate } from '../core/router.js';
import { bellChanged } from '../core/bell.js';
import * as svc from '../services.js';

function row(item, state) {
  const unread = !item.read_at;
  const open = async (ev) => {
    ev.preventDefault();
    if (unread) {
      try { await svc.markRead(item.id); state.unread = Math.max(0, state.unread - 1); bellChanged(state.unread); } catch { /* the link still opens */ }
    }
    if (item.link) navigate(item.link);
  };
  const title = item.link
    ? h('a', { href: item.link, onclick: open }, item.title)
    : h('span', {}, item.title);
  const li = h('li', { class: `card inbox-item${unread ? ' unread' : ''}`, 'data-testid': 'inbox-item' },
    h('p', { class: 'title' }, unread ? h('span', { class: 'badge info' }, t('inbox.new')) : null, ' ', title),
    h('p', {}, item.body),
    h('p', { class: 'meta' }, fmtDateTime(item.created_at), (item.deliveries || []).filter((d) => d.channel !== 'inbox')
      .map((d) => ` · ${t(`notifySettings.channel.${d.channel}`, {}, d.channel)}: ${t(`delivery.${d.state}`, {}, d.state)}`).join('')));
  if (unread && !item.link) {
    // a notice with nowhere to go (e.g. a new-device sign-in) is marked read by its own button
    const done = h('button', { type: 'button', class: 'btn secondary' }, t('inbox.markOne'));
    done.addEventListener('click', () => busy(done, async () => {
      await svc.markRead(item.id);
      state.unread = Math.max(0, state.unread - 1);
      bellChanged(state.unread);
      li.classList.remove('unread');
      li.querySelector('.badge')?.remove();
      done.remove();
    }).catch(() => toast(t('error.generic'), 'error')));
    li.append(h('div', { class: 'actions' }, done));
  }
  return li;
}

export const inboxPage = {
  title: 'inbox.title',
  async render(el, ctx) {
    const onlyUnread = ctx.query.get('chua-doc') === '1';
    const page = await svc.inbox({ unread: onlyUnread });
    const state = { unread: page.unread, cursor: page.next_cursor };
    bellChanged(state.unread);
    const list = h('ul', { class: 'list' }, page.items.map((i) => row(i, state)));
    const out = h('div', { 'aria-live': 'polite' });
    const more = h('button', { type: 'button', class: 'btn secondary', hidden: !state.cursor }, t('inbox.more'));
    more.addEventListener('click', () => busy(more, async () => {
      try {
        const next = await svc.inbox({ unread: onlyUnread, cursor: state.cursor });
        list.append(...next.items.map((i) => row(i, state)));
        state.cursor = next.next_cursor;
        more.hidden = !state.cursor;
      } catch (err) { mount(out, errorAlert(err)); }
    }));
    const allRead = h('button', { type: 'button', class: 'btn secondary', disabled: !state.unread }, t('inbox.markAll'));
    allRead.addEventListener('click', () => busy(allRead, async () => {
      try {
        await svc.markAllRead();
        bellChanged(0);
        navigate(location.pathname + location.search, { replace: true });
      } catch (err) { mount(out, errorAlert(err)); }
    }));
    const filter = h('a', { href: onlyUnread ? '/thong-bao' : '/thong-bao?chua-doc=1', class: 'btn secondary' },
      onlyUnread ? t('inbox.showAll') : t('inbox.showUnread'));
    mount(el,
      h('h1', {}, t('inbox.title')),
      h('p', { class: 'meta' }, state.unread ? t('inbox.unreadCount', { count: state.unread }) : t('inbox.allRead')),
      h('div', { class: 'actions' }, allRead, filter, h('a', { href: '/cai-dat-thong-bao', class: 'btn secondary' }, t('inbox.settings'))),
      out,
      page.items.length ? list : emptyState(t('inbox.emptyTitle'), t('inbox.emptyText')),
      h('div', { class: 'actions' }, more));
  },
};
