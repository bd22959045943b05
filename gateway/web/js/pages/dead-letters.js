/**
 * Thư lỗi (for the school's or the platform's administrator): deliveries that failed for good,
 * with the reason, and a "Gửi lại" button that queues one again (the replay is audited).
 */
import { h, mount, emptyState, errorAlert, busy, fmtDateTime, toast } from '../core/dom.js';
import { t } from '../core/i18n.js';
import * as svc from '../services.js';

function row(d) {
  const again = h('button', { type: 'button', class: 'btn secondary' }, t('deadLetters.replay'));
  const state = h('span', { class: 'badge bad' }, t('deadLetters.dead'));
  again.addEventListener('click', () => busy(again, async () => {
    try {
      await svc.replayDelivery(d.id);
      state.className = 'badge info';
      state.textContent = t('deadLetters.queued');
      again.remove();
      toast(t('deadLetters.replayed'), 'success');
    } catch (err) { toast(err.title || t('error.generic'), 'error'); }
  }));
  return h('tr', { 'data-testid': 'dead-letter' },
    h('td', {}, d.title, h('p', { class: 'meta' }, fmtDateTime(d.created_at))),
    h('td', {}, d.recipient, d.school ? h('p', { class: 'meta' }, d.school) : null),
    h('td', {}, t(`notifySettings.channel.${d.channel}`, {}, d.channel), h('p', { class: 'meta' }, d.address)),
    h('td', {}, d.last_error || '', h('p', { class: 'meta' }, t('deadLetters.attempts', { count: d.attempts }))),
    h('td', {}, state, ' ', again));
}

export const deadLettersPage = {
  title: 'deadLetters.title',
  async render(el) {
    const out = h('div', { 'aria-live': 'polite' });
    const page = await svc.deadDeliveries();
    let cursor = page.next_cursor;
    const body = h('tbody', {}, page.items.map(row));
    const more = h('button', { type: 'button', class: 'btn secondary', hidden: !cursor }, t('inbox.more'));
    more.addEventListener('click', () => busy(more, async () => {
      try {
        const next = await svc.deadDeliveries(cursor);
        body.append(...next.items.map(row));
        cursor = next.next_cursor;
        more.hidden = !cursor;
      } catch (err) { mount(out, errorAlert(err)); }
    }));
    mount(el,
      h('h1', {}, t('deadLetters.title')),
      h('p', { class: 'meta' }, t('deadLetters.intro')),
      out,
      page.items.length
        ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('app.scrollTable') },
          h('table', {}, h('thead', {}, h('tr', {},
            ['message', 'recipient', 'channel', 'reason', 'state'].map((k) => h('th', { scope: 'col' }, t(`deadLetters.col.${k}`))))),
          body))
        : emptyState(t('deadLetters.emptyTitle'), t('deadLetters.emptyText')),
      h('div', { class: 'actions' }, more));
  },
};

export default deadLettersPage;
