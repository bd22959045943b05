/**
 * The one way pages talk to the services: `/api/<service>/v1/<path>` through the gateway,
 * with the bearer token added, JSON in and out, and RFC 9457 problem+json turned into an
 * ApiError whose title/detail are shown to the user (Vietnamese from the services; the
 * UI's own wording when a service gave none or the English switch is on).
 *
 * A 401 is retried once with a fresh token (one refresh for all requests that got it at the
 * same time); when none can be had, the session has ended: every such request fails with the
 * "Phiên đăng nhập đã hết hạn" wording (never the service's "Authorization: Bearer" text)
 * and the page shows the notice with "Đăng nhập lại".
 */
import { accessToken, refreshAfter, endSession, sessionEnded } from './auth.js';
import { t, currentLang } from './i18n.js';
import { sessionErrorFields, showSessionEnded } from './session.js';

export class ApiError extends Error {
  constructor({ status, title, detail, code, type, field, errors }) {
    super(title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.code = code; // the stable machine code: branch on it, never on title/detail
    this.type = type;
    this.field = field;
    this.errors = errors;
  }
}

function statusTitle(status) {
  const known = [400, 401, 403, 404, 409, 413, 415, 422, 423, 429, 500, 502, 503];
  return t(`error.status.${known.includes(status) ? status : 'other'}`);
}

/** Build an ApiError from a Response, reading problem+json when present. */
export async function problemFrom(res) {
  let body = {};
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) body = await res.json().catch(() => ({}));
  return problemFromBody(res.status, body);
}

export function problemFromBody(status, body = {}) {
  if (status === 401) return new ApiError({ ...sessionErrorFields(), type: body.type });
  const serverTitle = typeof body.title === 'string' ? body.title : (typeof body.error_description === 'string' ? body.error_description : null);
  const useServer = currentLang() === 'vi' && serverTitle;
  return new ApiError({
    status,
    title: useServer ? serverTitle.normalize('NFC') : statusTitle(status),
    detail: typeof body.detail === 'string' ? body.detail.normalize('NFC') : (useServer ? null : serverTitle),
    code: body.code, type: body.type, field: body.field, errors: body.errors,
  });
}

export function url(service, path, query) {
  const u = new URL(`/api/${service}/v1${path}`, location.origin);
  if (query) for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, v);
  return u.pathname + u.search;
}

/** The session is over for this request: make sure the person is told, and fail with the notice's words. */
function ended() {
  endSession();
  if (sessionEnded()) showSessionEnded();
  return new ApiError(sessionErrorFields());
}

/** A fresh token after a 401 sent with `used`, or null when the session cannot go on. */
async function retryToken(used) {
  if (!used) return null;
  try { return await refreshAfter(used); } catch (err) {
    if (err.refused) return null;
    throw new ApiError({ status: 0, title: t('error.network'), detail: t('error.networkDetail') });
  }
}

/**
 * Call a service. opts: {method, body (JSON), form (FormData), query, raw (return Response), anonymous}.
 * A 401 is retried once after a refresh; then the session has ended (see the module's doc).
 */
/** Send with my access token; after a 401, once more with a renewed one; a session that cannot be renewed ends. */
async function withToken(send, anonymous) {
  const token = anonymous ? null : await accessToken();
  if (!anonymous && !token && sessionEnded()) throw ended();
  let res = await send(token);
  if (res.status === 401 && !anonymous) {
    const fresh = await retryToken(token);
    if (fresh) res = await send(fresh);
    if (res.status === 401) throw ended();
  }
  return res;
}

export async function api(service, path, opts = {}) {
  const { method = 'GET', body, form, query, raw = false, anonymous = false, headers = {} } = opts;
  const send = async (token) => {
    const h = { Accept: 'application/json, application/problem+json', 'Accept-Language': currentLang(), ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    let payload;
    if (form) payload = form;
    else if (body !== undefined) { h['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
    try {
      return await fetch(url(service, path, query), { method, headers: h, body: payload });
    } catch {
      throw new ApiError({ status: 0, title: t('error.network'), detail: t('error.networkDetail') });
    }
  };
  const res = await withToken(send, anonymous);
  if (!res.ok) throw await problemFrom(res);
  if (raw) return res;
  if (res.status === 204) return null;
  const ct = res.headers.get('Content-Type') || '';
  return ct.includes('json') ? res.json() : res.text();
}

/** Items of a list response whatever its envelope ({items}, {data}, or a bare array). */
export function items(page) {
  if (!page) return [];
  if (Array.isArray(page)) return page;
  return page.items || page.data || page.results || [];
}

/**
 * Upload a body (a File sent raw, or FormData) with progress: XMLHttpRequest exposes upload
 * progress; fetch does not.
 * onProgress(loaded, total); `signal` (an AbortSignal) stops it. Resolves with the parsed JSON body;
 * rejects with an ApiError.
 */
export async function upload(service, path, body, { onProgress, method = 'POST', headers = {}, query, anonymous = false, signal } = {}) {
  const send = (token) => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    if (signal) signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.onabort = () => reject(new ApiError({ status: 0, title: t('error.network'), detail: t('error.networkDetail') }));
    xhr.open(method, url(service, path, query));
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Accept-Language', currentLang());
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (ev) => { if (onProgress && ev.lengthComputable) onProgress(ev.loaded, ev.total); };
    xhr.onerror = () => reject(new ApiError({ status: 0, title: t('error.network'), detail: t('error.networkDetail') }));
    xhr.onload = () => {
      let parsed = {};
      try { parsed = xhr.responseText ? JSON.parse(xhr.responseText) : {}; } catch { parsed = {}; }
      resolve({ status: xhr.status, body: parsed });
    };
    xhr.send(body);
  });
  const res = await withToken(send, anonymous);
  if (res.status >= 200 && res.status < 300) return res.body;
  throw problemFromBody(res.status, res.body);
}

/** Fetch a file with the bearer token and return an object URL (for PDF previews and downloads). */
/** The bytes of a download, read with my token. */
export async function blobOf(service, path, query) {
  const res = await api(service, path, { raw: true, query, headers: { Accept: '*/*' } });
  return res.blob();
}

export async function blobUrl(service, path, query) {
  return URL.createObjectURL(await blobOf(service, path, query));
}
