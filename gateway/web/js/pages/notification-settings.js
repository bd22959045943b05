/**
 * Cài đặt thông báo: for each kind of message, whether it also comes by e-mail and by Zalo (the
 * inbox always gets everything). Security and overdue messages are locked on, with the reason.
 * The Zalo phone is entered here; addresses that could not be delivered to are shown at the top.
 */
import { h, mount, alertBox, errorAlert, busy, field, toast } from '../core/dom.js';
import { t } from '../core/i18n.js';
import * as svc from '../services.js';

const CHANNELS = ['email', 'zalo'];

function grid(settings, out) {
  const cell = (row, channel) => {
    const c = row.channels[channel];
    const box = h('input', {
      type: 'checkbox', checked: c.on, disabled: c.locked || !c.available,
      'aria-label': t('notifySettings.cellLabel', { kind: row.name, channel: t(`notifySettings.channel.${channel}`) }),
      'data-kind': row.kind, 'data-channel': channel,
    });
    box.addEventListener('change', async () => {
      box.disabled = true;
      try {
        await svc.changeNotificationSettings([{ kind: row.kind, channel, on: box.checked }]);
        toast(t('notifySettings.saved'), 'success');
      } catch (err) {
        box.checked = !box.checked;
        mount(out, errorAlert(err));
      } finally { box.disabled = c.locked || !c.available; }
    });
    return h('td', {}, box, c.locked ? h('span', { class: 'meta' }, ' ', t('notifySettings.locked')) : null);
  };
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('app.scrollTable') },
    h('table', { 'data-testid': 'notify-grid' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('notifySettings.kind')),
        h('th', { scope: 'col' }, t('notifySettings.channel.inbox')),
        CHANNELS.map((c) => h('th', { scope: 'col' }, t(`notifySettings.channel.${c}`))))),
      h('tbody', {}, settings.kinds.map((row) => h('tr', {},
        h('th', { scope: 'row' }, row.name, row.locked_reason ? h('p', { class: 'meta' }, row.locked_reason) : null),
        h('td', {}, h('input', { type: 'checkbox', checked: true, disabled: true, 'aria-label': t('notifySettings.inboxAlways') })),
        CHANNELS.map((c) => cell(row, c)))))));
}

function zaloForm(settings, rerender, out) {
  const input = h('input', { type: 'tel', name: 'phone', value: settings.zalo_phone || '', autocomplete: 'tel',
    placeholder: '0905 123 456' });
  const save = h('button', { type: 'submit', class: 'btn' }, t('notifySettings.zaloSave'));
  const form = h('form', { class: 'card' },
    h('h2', {}, t('notifySettings.zaloTitle')),
    h('p', { class: 'meta' }, t('notifySettings.zaloHint')),
    field(t('notifySettings.zaloPhone'), input),
    h('div', { class: 'actions' }, save));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(save, async () => {
      try { rerender(await svc.setZaloPhone(input.value.trim() || null)); toast(t('notifySettings.saved'), 'success'); }
      catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

export const notificationSettingsPage = {
  title: 'notifySettings.title',
  async render(el) {
    const out = h('div', { 'aria-live': 'polite' });
    const draw = (settings) => mount(el,
      h('h1', {}, t('notifySettings.title')),
      h('p', { class: 'meta' }, t('notifySettings.intro'), ' ', h('a', { href: '/thong-bao' }, t('notifySettings.back'))),
      settings.problems.map((p) => alertBox('warn', t('notifySettings.undeliverable'), p.message)),
      settings.email ? h('p', {}, t('notifySettings.email', { email: settings.email })) : null,
      out,
      grid(settings, out),
      settings.zalo_phone ? null : h('p', { class: 'meta' }, t('notifySettings.zaloOff')),
      zaloForm(settings, draw, out));
    draw(await svc.notificationSettings());
  },
};

export default notificationSettingsPage;
