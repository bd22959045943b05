/**
 * Sign-in with OpenID Connect: authorization code + PKCE (S256 via WebCrypto) against the
 * identity service behind the gateway. Tokens live in memory and in sessionStorage: they
 * survive a reload of the tab but not its closing, and are never shared with other tabs or
 * written to localStorage or cookies readable by scripts of other pages.
 *
 * The access token is refreshed a minute before it expires, and on a 401 once; one refresh is
 * in flight at a time whatever the number of requests waiting for it (identity rotates refresh
 * tokens and ends the whole family when one is used twice). When identity refuses the refresh,
 * the session has ended: `onSessionEnd` listeners hear who it was (to keep their forms and say
 * so); a network failure is not an ending (the refresh is tried again).
 */
const ISSUER_PATH = '/api/identity';
const CLIENT_ID = 'hoso-web';
const STORE = 'hoso.tokens';
const PENDING = 'hoso.pkce';
const LAST_RETURN = 'hoso.returned-to';
const REFRESH_MARGIN_MS = 60_000;
const RETRY_MS = 15_000;

let discovery = null;
let tokens = null;
let refreshTimer = null;
let refreshing = null;
let ended = false;
const listeners = new Set();
const endListeners = new Set();
const signInListeners = new Set();
const signOutListeners = new Set();

export function onAuthChange(fn) { listeners.add(fn); }
function emit() { for (const fn of listeners) fn(currentUser()); }

/** fn(user) when identity refused to refresh: the session of `user` ended while the page was open. */
export function onSessionEnd(fn) { endListeners.add(fn); }
/** fn(user) after a completed sign-in. */
export function onSignIn(fn) { signInListeners.add(fn); }
/** fn() before signing out; a returned promise is awaited before the page leaves. */
export function onSignOut(fn) { signOutListeners.add(fn); }

/** True once this page's session ended (until the next sign-in). */
export function sessionEnded() { return ended; }

function b64url(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function randomString(n = 32) { return b64url(crypto.getRandomValues(new Uint8Array(n))); }
async function s256(text) { return b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))); }

/** Decode a JWT's payload (no verification: the services verify; the UI only reads claims). */
export function decodeJwt(token) {
  const part = token.split('.')[1];
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export function redirectUri() { return `${location.origin}/auth/callback`; }

async function config() {
  if (!discovery) {
    const res = await fetch(`${ISSUER_PATH}/.well-known/openid-configuration`, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error('discovery');
    discovery = await res.json();
  }
  return discovery;
}

/** Rewrite an endpoint URL from discovery onto this origin (the issuer may be configured with another host). */
function sameOrigin(url) {
  const u = new URL(url, location.origin);
  return u.origin === location.origin ? u.toString() : `${location.origin}${u.pathname}${u.search}`;
}

function save(next) {
  tokens = next;
  if (next) sessionStorage.setItem(STORE, JSON.stringify(next));
  else sessionStorage.removeItem(STORE);
  schedule();
  emit();
}

function schedule() {
  clearTimeout(refreshTimer);
  if (!tokens || !tokens.refresh_token) return;
  const wait = Math.max(5_000, tokens.expires_at - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(() => {
    refresh().catch((err) => {
      if (!err.refused && tokens) refreshTimer = setTimeout(() => schedule(), RETRY_MS);
    });
  }, wait);
}

/**
 * The session is over: forget the tokens and tell the listeners whose session it was.
 * Idempotent: a second call (another request failing the same way) changes nothing.
 */
export function endSession() {
  const who = currentUser();
  if (!tokens) return;
  ended = true;
  save(null);
  for (const fn of endListeners) fn(who);
}

function fromResponse(body) {
  return {
    access_token: body.access_token,
    refresh_token: body.refresh_token || (tokens && tokens.refresh_token) || null,
    id_token: body.id_token || (tokens && tokens.id_token) || null,
    expires_at: Date.now() + (Number(body.expires_in) || 300) * 1000,
  };
}

async function tokenRequest(params) {
  const cfg = await config();
  const res = await fetch(sameOrigin(cfg.token_endpoint), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...params }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(body.error_description || body.error || 'token');
    err.body = body;
    err.refused = res.status >= 400 && res.status < 500; // identity said no: not a network hiccup
    throw err;
  }
  return body;
}

/** Restore tokens kept in this tab's sessionStorage. */
export function restore() {
  try {
    const raw = sessionStorage.getItem(STORE);
    if (raw) {
      tokens = JSON.parse(raw);
      if (tokens.expires_at <= Date.now() && !tokens.refresh_token) tokens = null;
    }
  } catch { tokens = null; }
  schedule();
}

/**
 * Start sign-in: remember the PKCE verifier and state, then go to the authorization endpoint.
 * `tenant` asks for a token of that school (a person working in two schools choosing one): identity's
 * session is still open, so the round trip comes straight back.
 */
export async function signIn(returnTo = location.pathname + location.search, { tenant } = {}) {
  const cfg = await config();
  const verifier = randomString(48);
  const state = randomString(16);
  const nonce = randomString(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, returnTo, tenant: tenant || null }));
  const url = new URL(sameOrigin(cfg.authorization_endpoint));
  url.search = new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri(),
    scope: 'openid profile offline_access', state, nonce,
    code_challenge: await s256(verifier), code_challenge_method: 'S256', ...(tenant ? { tenant } : {}),
  }).toString();
  location.assign(url.toString());
}

function safeReturn(path) {
  return typeof path === 'string' && path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/auth/') ? path : '/';
}

/**
 * Finish sign-in on /auth/callback: check state, exchange the code; returns where to go next.
 * A callback visited again while signed in (the back button after sign-in brings the browser
 * through identity back to a callback whose round trip is over) is not a failure: it returns
 * the page the last sign-in went to.
 */
export async function completeSignIn(query) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  const signedIn = Boolean(tokens); // an expired access token is refreshed (or the session's end shown) on the page
  const used = !pending || query.get('state') !== pending.state;
  if (signedIn && used) return safeReturn(sessionStorage.getItem(LAST_RETURN));
  sessionStorage.removeItem(PENDING);
  if (query.get('error')) {
    const err = new Error(query.get('error_description') || query.get('error'));
    // a school asked for while signed in and refused (no role there): the tab keeps its current school
    err.code = signedIn && pending && pending.tenant && query.get('state') === pending.state ? 'school' : 'denied';
    err.returnTo = safeReturn(pending && pending.returnTo);
    throw err;
  }
  if (!pending || !query.get('code') || query.get('state') !== pending.state) {
    const err = new Error('state'); err.code = 'state'; throw err;
  }
  const body = await tokenRequest({
    grant_type: 'authorization_code', code: query.get('code'),
    redirect_uri: redirectUri(), code_verifier: pending.verifier,
  });
  ended = false;
  const replaced = tokens;
  save(fromResponse(body));
  if (replaced && replaced.refresh_token) revokeRefresh(replaced.refresh_token).catch(() => null);
  const next = safeReturn(pending.returnTo);
  sessionStorage.setItem(LAST_RETURN, next);
  const user = currentUser();
  await Promise.all([...signInListeners].map((fn) => fn(user)));
  return next;
}

/**
 * Exchange the refresh token for new tokens; concurrent callers share one request. A refusal
 * by identity ends the session (rejects with err.refused); a network failure keeps the tokens.
 */
export function refresh() {
  if (!tokens || !tokens.refresh_token) return Promise.reject(Object.assign(new Error('no refresh token'), { refused: true }));
  if (!refreshing) {
    refreshing = tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
      .then((body) => { save(fromResponse(body)); })
      .catch((err) => { if (err.refused) endSession(); throw err; })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

/**
 * After a 401 for a request sent with `usedToken`: refresh unless another request already did
 * (then the current token is newer and is simply used). Resolves to the token to retry with.
 */
export async function refreshAfter(usedToken) {
  if (tokens && usedToken && tokens.access_token !== usedToken) return tokens.access_token;
  await refresh();
  return tokens ? tokens.access_token : null;
}

/** A valid access token, refreshing first when it is about to expire; null when signed out. */
export async function accessToken() {
  if (!tokens) return null;
  if (tokens.expires_at - Date.now() < 10_000) {
    try { await refresh(); } catch { /* ended: no tokens left; offline: the old token, the request says why */ }
  }
  return tokens ? tokens.access_token : null;
}

/** Revoke a refresh token (RFC 7009): its family gets no new token. */
async function revokeRefresh(token) {
  const cfg = await config();
  if (!cfg.revocation_endpoint) return;
  await fetch(sameOrigin(cfg.revocation_endpoint), {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, token, token_type_hint: 'refresh_token' }),
  });
}

/** Sign out: revoke the refresh token, forget everything, and end the identity session. */
export async function signOut() {
  const old = tokens;
  await Promise.all([...signOutListeners].map((fn) => Promise.resolve(fn()).catch(() => null)));
  sessionStorage.removeItem(LAST_RETURN);
  save(null);
  try {
    const cfg = await config();
    if (old && old.refresh_token) await revokeRefresh(old.refresh_token);
    if (cfg.end_session_endpoint) {
      const url = new URL(sameOrigin(cfg.end_session_endpoint));
      url.searchParams.set('post_logout_redirect_uri', `${location.origin}/`);
      url.searchParams.set('client_id', CLIENT_ID);
      if (old && old.id_token) url.searchParams.set('id_token_hint', old.id_token);
      location.assign(url.toString());
      return;
    }
  } catch { /* signed out locally in any case */ }
  location.assign('/');
}

/**
 * The signed-in user as the UI needs it, from the access token's claims:
 * {sub, name, tenant, district, roles:Set, unitRoles:[[role, unit]], act:[...]}.
 */
export function currentUser() {
  if (!tokens) return null;
  try {
    const c = decodeJwt(tokens.access_token);
    const roles = new Set(c.roles || []);
    for (const [role] of c.unit_roles || []) roles.add(role);
    for (const d of c.act || []) roles.add(d.role);
    return {
      sub: c.sub, name: c.name || c.preferred_username || c.sub, tenant: c.tenant || null,
      tenantName: c.tenant_name || null, district: c.district || null, province: c.province || null,
      roles, unitRoles: c.unit_roles || [], act: c.act || [], claims: c,
    };
  } catch { return null; }
}
