/**
 * The application shell: header (brand, language switch, user, sign-out), navigation by role,
 * routes, and the rules every page shares: sign-in required unless public, a role check that
 * shows "not found" to those who may not see a page, and an API 404 turned into that page.
 */
import { h, mount, alertBox } from './core/dom.js';
import { t, setLang, currentLang, onLangChange } from './core/i18n.js';
import * as router from './core/router.js';
import { restore, currentUser, signIn, signOut, completeSignIn, onAuthChange } from './core/auth.js';
import { ApiError } from './core/api.js';
import { ROUTES, NAV } from './routes.js';
import notFoundPage from './pages/notfound.js';
import { bell } from './core/bell.js';
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

/** The person's name and, once identity says it, the school (or unit) they work for now; read once per sign-in. */
const orgNames = new Map();
function whoAmI(user) {
  const org = h('small', { class: 'org' }, orgNames.get(user.sub) || '');
  const el = h('span', { class: 'who', title: user.name }, user.name, org);
  if (!orgNames.has(user.sub)) {
    orgNames.set(user.sub, '');
    svc.me().then((me) => { orgNames.set(user.sub, me.organisation || ''); org.textContent = me.organisation || ''; })
      .catch(() => orgNames.delete(user.sub));
  }
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

function renderNav(user) {
  const nav = document.getElementById('app-nav');
  nav.setAttribute('aria-label', t('nav.label'));
  if (!user) { nav.hidden = true; return; }
  nav.hidden = false;
  nav.classList.add('collapsed');
  const here = location.pathname;
  const groups = [h('li', { class: 'nav-user' }, t('nav.signedInAs', { name: user.name }))];
  for (const group of NAV) {
    const links = group.items.filter((item) => hasAny(user, item.roles));
    if (!links.length) continue;
    groups.push(h('li', { class: 'nav-group', 'aria-hidden': 'true' }, t(group.label)));
    for (const item of links) {
      const current = here === item.path || (item.path !== '/' && here.startsWith(`${item.path}/`));
      groups.push(h('li', {}, h('a', { href: item.path, 'aria-current': current ? 'page' : null }, t(item.label))));
    }
  }
  mount(nav, h('ul', {}, groups));
}

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
