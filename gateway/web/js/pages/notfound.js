/** The page shown for unknown URLs and for anything the user may not see (an API 404). */
import { h, mount } from '../core/dom.js';
import { t } from '../core/i18n.js';

export default {
  public: true,
  title: 'notfound.title',
  render(el, ctx, user) {
    mount(el, h('section', { class: 'notfound', 'aria-labelledby': 'nf-title' },
      h('span', { class: 'code', 'aria-hidden': 'true' }, '404'),
      h('h1', { id: 'nf-title' }, t('notfound.title')),
      h('p', {}, t('notfound.text')),
      h('div', { class: 'actions center' },
        h('a', { class: 'btn', href: '/' }, user ? t('notfound.home') : t('notfound.start')))));
  },
};
