/**
 * History-API router. Routes are patterns like '/bai-nop/:id'; a route's `render(ctx)`
 * fills the main landmark. Links with data-link (or any same-origin <a>) navigate without reload.
 */
const routes = [];
let notFoundRoute = null;
let onNavigate = () => {};

export function route(pattern, handler) {
  const keys = [];
  const regex = new RegExp(`^${pattern.replace(/\/:(\w+)/g, (m, k) => { keys.push(k); return '/([^/]+)'; })}/?$`);
  routes.push({ pattern, regex, keys, handler });
}

export function setNotFound(handler) { notFoundRoute = handler; }
export function setOnNavigate(fn) { onNavigate = fn; }

export function match(pathname) {
  for (const r of routes) {
    const m = r.regex.exec(pathname);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
  }
  return null;
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState({}, '', url);
  else history.pushState({}, '', url);
  return render();
}

export async function render() {
  const url = new URL(location.href);
  const found = match(url.pathname);
  const ctx = { params: found ? found.params : {}, query: url.searchParams, path: url.pathname };
  const handler = found ? found.route.handler : notFoundRoute;
  await onNavigate(handler, ctx, found ? found.route.pattern : null);
}

export function start() {
  window.addEventListener('popstate', () => render());
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest('a');
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    if (a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
    if (a.pathname.startsWith('/api/')) return;
    ev.preventDefault();
    navigate(a.pathname + a.search + a.hash);
  });
  return render();
}
