/** Start page: a greeting and the places this person works in, by role (each card is one tap target). */
import { h, mount } from '../core/dom.js';
import { t, roleName } from '../core/i18n.js';
import { NAV } from '../routes.js';

export default {
  title: 'home.title',
  render(el, ctx, user) {
    const cards = [];
    for (const group of NAV) {
      for (const item of group.items) {
        if (item.roles && !item.roles.some((r) => user.roles.has(r))) continue;
        cards.push(h('div', { class: 'card place' },
          h('h2', {}, h('a', { href: item.path }, t(item.label))),
          h('p', {}, t(`${item.label}Desc`))));
      }
    }
    const roles = [...user.roles].map(roleName).join(', ');
    mount(el,
      h('div', { class: 'page-head' }, h('div', {},
        h('h1', {}, t('home.hello', { name: user.name })),
        h('p', {}, roles ? t('home.roles', { roles }) : t('home.noRoles')))),
      user.act.length ? h('div', { class: 'alert info', role: 'status' }, user.act.map((d) => h('div', {}, t('home.acting', { role: roleName(d.role), who: d.on_behalf_of_name || d.on_behalf_of })))) : null,
      h('div', { class: 'grid two places' }, cards));
  },
};
