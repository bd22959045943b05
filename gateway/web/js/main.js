/**
 * The application shell: header (brand, language switch, user, sign-out), navigation by role,
 * routes, and the rules every page shares: sign-in required unless public, a role check that
 * shows "not found" to those who may not see a page, and an API 404 turned into that page.
 * On phones a bottom tab bar holds the role's main places and "Thêm", which opens the full navigation.
 */
import { h, mount, alertBox } from './core/dom.js';
import { t, setLang, currentLang, onLangChange } from './core/i18n.js';
import * as router from './core/router.js';
import { restore, currentUser, signIn, signOut, completeSignIn, onAuthChange } from './core/auth.js';
import { ApiError } from './core/api.js';
import { ROUTES, NAV, TABS } from './routes.js';
import notFoundPage from './pages/notfound.js';
import { bell, onUnreadCount } from './core/bell.js';
import * as svc from './services.js';
import { schoolPicker } from './pages/account.js';

const main = () => document.getElementById('main');
let lastRender = null;

function hasAny(user, roles) {
  if (!roles) return true;
  return !!user && roles.some((r) => user.roles.has(r));
}

function logo() {
  const tpl = document.createElement('template');
  tpl.innerHTML = '<svg class="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="6" fill="#fff"/><path d="M9 7h10l4 4v14H9z" fill="#0b5cad"/><path d="M12 17l3 3 6-6" stroke="#fff" stroke-width="2.5" fill="none"/></svg>';
  return tpl.content.firstChild;
}

/**
 * The person's name and, once identity says it, the school (or unit) they work for now; read once per
 * person and school (someone of two schools switching gets the new school's name, not the one read
 * with the token it replaced).
 */
const orgNames = new Map(); // "sub tenant" → Promise of the name, shared by every render of the header
function whoAmI(user) {
  const key = `${user.sub} ${user.tenant || ''}`;
  const org = h('small', { class: 'org' });
  const el = h('span', { class: 'who', title: user.name }, user.name, org);
  if (!orgNames.has(key)) {
    orgNames.set(key, svc.me().then((me) => {
      if (me.tenant !== (user.tenant || null)) throw new Error('answered for a token since replaced');
      return me.organisation || '';
    }).catch((err) => { orgNames.delete(key); throw err; }));
  }
  orgNames.get(key).then((name) => { org.textContent = name; }).catch(() => null);
  return el;
}

function renderHeader(user) {
  const header = document.getElementById('app-header');
  const nav = document.getElementById('app-nav');
  const langButton = (code, label) => h('button', {
    type: 'button', lang: code, 'aria-pressed': String(currentLang() === code),
    onclick: () => { setLang(code); },
  }, label);
  const menu = h('button', {
    type: 'button', class: 'btn-header menu-toggle', 'aria-controls': 'app-nav', 'aria-expanded': 'false',
    onclick: (ev) => {
      const open = nav.classList.toggle('collapsed') === false;
      ev.currentTarget.setAttribute('aria-expanded', String(open));
    },
  }, t('nav.menu'));
  mount(header,
    h('a', { class: 'brand', href: '/' }, logo(), 'HoSo', h('small', {}, t('app.tagline'))),
    h('div', { class: 'header-tools' },
      user ? bell() : null,
      user ? menu : null,
      h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('app.language') }, langButton('vi', 'VI'), langButton('en', 'EN')),
      user ? whoAmI(user) : null,
      user ? schoolPicker(user) : null,
      user
        ? h('button', { type: 'button', class: 'btn-header', onclick: () => signOut() }, t('app.signOut'))
        : h('button', { type: 'button', class: 'btn-header', onclick: () => signIn(location.pathname + location.search) }, t('app.signIn'))));
  renderNav(user);
}

/** Of `paths`, the one the open page belongs to: itself, or the longest path it lies under. */
function currentOf(paths) {
  const here = location.pathname;
  const under = paths.filter((p) => here === p || (p !== '/' && here.startsWith(`${p}/`)));
  return under.sort((a, b) => b.length - a.length)[0] || null;
}

function renderNav(user) {
  const nav = document.getElementById('app-nav');
  nav.setAttribute('aria-label', t('nav.label'));
  if (!user) { nav.hidden = true; return; }
  nav.hidden = false;
  nav.classList.add('collapsed');
  const here = currentOf(NAV.flatMap((group) => group.items.map((item) => item.path)));
  const groups = [h('li', { class: 'nav-user' }, t('nav.signedInAs', { name: user.name }))];
  for (const group of NAV) {
    const links = group.items.filter((item) => hasAny(user, item.roles));
    if (!links.length) continue;
    groups.push(h('li', { class: 'nav-group', 'aria-hidden': 'true' }, t(group.label)));
    for (const item of links) {
      const current = here === item.path;
      groups.push(h('li', {}, h('a', { href: item.path, 'aria-current': current ? 'page' : null }, t(item.label))));
    }
  }
  mount(nav, h('ul', {}, groups));
  renderTabbar(user);
}

const PAGE_ROLES = new Map(ROUTES.map(([path, page]) => [path, page.roles]));
const TAB_ICONS = {
  '/': 'M4 11l8-7 8 7v9h-5v-6H9v6H4z',
  '/viec-cua-toi': 'M9 3h6v2h4v16H5V5h4zm0 2v2h6V5zm-1 7l2 2 5-5 1.4 1.4L10 16.8 6.6 13.4z',
  '/duyet': 'M4 4h16v12H13l-5 4v-4H4zm4.5 5.5L7 11l3 3 6-6-1.5-1.5L10 11z',
  '/ky-so': 'M15.5 3.5l5 5L9 20H4v-5zM4 22h16v-1.5H4z',
  '/van-thu': 'M3 6h18v13H3zm2 2v.5l7 4.5 7-4.5V8l-7 4.5z',
  '/thong-bao': 'M12 3a6 6 0 0 0-6 6v3.6L4.3 16a1 1 0 0 0 .9 1.5h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6zm0 19a2.6 2.6 0 0 0 2.5-2h-5A2.6 2.6 0 0 0 12 22z',
  '/tra-cuu': 'M10 3a7 7 0 0 1 5.6 11.2l5.1 5.1-1.4 1.4-5.1-5.1A7 7 0 1 1 10 3zm0 2a5 5 0 1 0 0 10 5 5 0 0 0 0-10z',
  '/truong/tien-do': 'M4 20V10h3v10zm6.5 0V4h3v16zM17 20v-7h3v7z',
  '/truong/nhan-su': 'M9 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8zm-7 9a7 7 0 0 1 14 0zm15-9a3 3 0 1 0 0-6v6zm1 9h4a6 6 0 0 0-5-5.9 8.9 8.9 0 0 1 1 5.9z',
  '/truong/quy-che': 'M6 3h9l4 4v14H6zm2 6v2h8V9zm0 4v2h8v-2zm0 4v2h5v-2z',
  '/phong': 'M3 20V9l9-5 9 5v11h-6v-6H9v6z',
  '/phong/dot-kiem-tra': 'M5 4h14v17H5zm3 4v2h8V8zm0 4v2h8v-2zm0 4v2h5v-2z',
  '/don-vi': 'M4 21V7l5-3 5 3v3h6v11zm3-10v2h2v-2zm0 4v2h2v-2zm9 0v2h2v-2z',
  '/so': 'M12 2l9 5v2H3V7zM5 11h2v7H5zm6 0h2v7h-2zm6 0h2v7h-2zM3 20h18v2H3z',
  more: 'M4 6h16v2H4zm0 5h16v2H4zm0 5h16v2H4z',
};

function tabIcon(key) {
  const tpl = document.createElement('template');
  tpl.innerHTML = `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${TAB_ICONS[key] || TAB_ICONS['/']}" fill="currentColor"/></svg>`;
  return tpl.content.firstChild;
}

/** The person's bottom tabs: the first TABS rule their roles match, without pages they may not open. */
function tabsFor(user) {
  const rule = TABS.find((r) => !r.roles || r.roles.some((role) => user.roles.has(role)));
  return rule.paths.filter((path) => hasAny(user, PAGE_ROLES.get(path)));
}

function closeSheet() {
  const nav = document.getElementById('app-nav');
  if (nav.classList.contains('collapsed')) return;
  nav.classList.add('collapsed');
  for (const b of document.querySelectorAll('[aria-controls="app-nav"]')) b.setAttribute('aria-expanded', 'false');
}

/**
 * The bottom tab bar (shown below 768 px by the stylesheet): the main places with aria-current on
 * the one open, the inbox's unread count as a badge, and "Thêm" opening the full navigation above
 * the bar (Escape or a second tap closes it).
 */
function renderTabbar(user) {
  let bar = document.getElementById('app-tabbar');
  if (!user) { if (bar) bar.remove(); document.body.classList.remove('with-tabbar'); return; }
  if (!bar) {
    bar = h('nav', { id: 'app-tabbar', class: 'tabbar' });
    document.body.append(bar);
    document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeSheet(); });
  }
  bar.setAttribute('aria-label', t('phone.tabsLabel'));
  document.body.classList.add('with-tabbar');
  const paths = tabsFor(user);
  const here = currentOf(paths);
  const items = paths.map((path) => h('li', {}, h('a', { href: path, 'aria-current': path === here ? 'page' : null, dataset: { tab: path } },
    tabIcon(path), h('span', { class: 'tab-label' }, t(`phone.tab.${path}`)),
    path === '/thong-bao' ? h('span', { class: 'tab-count', hidden: true }) : null)));
  const more = h('button', {
    type: 'button', 'aria-controls': 'app-nav', 'aria-expanded': 'false',
    onclick: (ev) => {
      const nav = document.getElementById('app-nav');
      const open = nav.classList.toggle('collapsed') === false;
      ev.currentTarget.setAttribute('aria-expanded', String(open));
      if (open) nav.querySelector('a')?.focus();
    },
  }, tabIcon('more'), h('span', { class: 'tab-label' }, t('phone.more')));
  mount(bar, h('ul', {}, items, h('li', {}, more)));
}

onUnreadCount((count) => {
  const badge = document.querySelector('#app-tabbar .tab-count');
  if (!badge) return;
  badge.textContent = count > 99 ? '99+' : String(count);
  badge.hidden = count === 0;
  badge.closest('a').setAttribute('aria-label', count ? t('phone.inboxUnread', { label: t('phone.tab./thong-bao'), count }) : t('phone.tab./thong-bao'));
});

function showNotFound(ctx) {
  document.title = `${t('notfound.title')} — HoSo`;
  notFoundPage.render(main(), ctx, currentUser());
}

async function onNavigate(page, ctx) {
  lastRender = { page, ctx };
  const user = currentUser();
  renderHeader(user);
  const el = main();
  if (!page) { showNotFound(ctx); focusMain(); return; }
  if (!page.public && !user) {
    mount(el, landing());
    document.title = 'HoSo';
    focusMain();
    return;
  }
  if (!page.public && !hasAny(user, page.roles)) { showNotFound(ctx); focusMain(); return; }
  document.title = `${t(page.title)} — HoSo`;
  mount(el, h('p', { class: 'loading', role: 'status' }, t('app.loading')));
  ctx.notFound = () => { throw new ApiError({ status: 404 }); };
  try {
    await page.render(el, ctx, user);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) showNotFound(ctx);
    else if (err instanceof ApiError && err.status === 401) { /* sign-in redirect in progress */ }
    else {
      console.error(err);
      mount(el, h('h1', {}, t(page.title)), alertBox('error', err.title || t('error.generic'), err.detail || null));
    }
  }
  focusMain();
}

function focusMain() {
  const heading = main().querySelector('h1');
  if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus({ preventScroll: true }); } else main().focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function landing() {
  return h('section', { class: 'hero', 'aria-labelledby': 'hero-title' },
    h('h1', { id: 'hero-title' }, t('landing.title')),
    h('p', {}, t('landing.text')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', onclick: () => signIn(location.pathname + location.search) }, t('app.signIn')),
      h('a', { class: 'btn secondary', href: '/tra-cuu' }, t('landing.verify'))));
}

async function callback(el, ctx) {
  try {
    const next = await completeSignIn(ctx.query);
    await router.navigate(next, { replace: true });
  } catch (err) {
    if (err.code === 'school') {
      mount(el, h('h1', {}, t('callback.schoolTitle')), alertBox('error', t('callback.schoolRefused')),
        h('a', { class: 'btn', href: err.returnTo }, t('callback.back')));
      return;
    }
    mount(el, h('h1', {}, t('callback.title')),
      alertBox('error', t('callback.failed'), err.code === 'state' ? t('callback.state') : err.message),
      h('button', { type: 'button', class: 'btn', onclick: () => signIn('/') }, t('callback.retry')));
  }
}

restore();
for (const [path, page] of ROUTES) router.route(path, page);
router.route('/auth/callback', { public: true, title: 'callback.title', render: callback });
router.setNotFound(null);
router.setOnNavigate(onNavigate);
onLangChange(() => { if (lastRender) onNavigate(lastRender.page, lastRender.ctx); });
onAuthChange(() => renderHeader(currentUser()));
router.start();
