/**
 * Uploads that survive a weak connection: the tus 1.0.0 protocol against documents' /uploads.
 *
 * The file is checked against its book's limits before anything is sent (`checkFile`), then a
 * session is opened (POST with Upload-Length and Upload-Metadata: the server refuses a file too
 * large for its book before any byte) and the file goes in chunks of 1 MiB (PATCH at the server's
 * offset). A failed chunk is retried with a growing wait; while the browser is offline it waits for
 * the connection to come back, then asks the server how much it holds (HEAD) and goes on from
 * there. Huỷ stops the chunk in flight and deletes the session. So that a reload can continue, the
 * session ({upload path, file name, size, lastModified, what it is for}) is kept in localStorage
 * and the File itself in IndexedDB through keep.js, under the person's own key.
 */
import { api, upload, ApiError } from './api.js';
import { currentUser } from './auth.js';
import { t } from './i18n.js';
import { keepUploadFile, keptUploadFile, forgetUploadFile } from './keep.js';

export const CHUNK = 1024 * 1024;
const INDEX = 'hoso.uploads';
const TUS = { 'Tus-Resumable': '1.0.0' };
const BASE = '/api/documents/v1';
const MAX_FAILURES = 8;
const DAY = 24 * 60 * 60 * 1000;

const EXTENSIONS = { pdf: ['pdf'], docx: ['docx'], xlsx: ['xlsx'], jpeg: ['jpg', 'jpeg'], png: ['png'] };
const MAGIC = { pdf: [[0x25, 0x50, 0x44, 0x46]], docx: [[0x50, 0x4b, 0x03, 0x04]], xlsx: [[0x50, 0x4b, 0x03, 0x04]],
  jpeg: [[0xff, 0xd8, 0xff]], png: [[0x89, 0x50, 0x4e, 0x47]] };

/** A size as the limits say it: "30 MB", "2 GB", "512 KB". */
export function sizeText(bytes) {
  const units = [[1024 ** 3, 'GB'], [1024 ** 2, 'MB'], [1024, 'KB']];
  const [div, unit] = units.find(([d]) => bytes >= d) || units[2];
  return `${Number((bytes / div).toFixed(1)).toLocaleString('vi-VN')} ${unit}`;
}

/** "Tối đa 30 MB · PDF, DOCX" for a book's limits ({max_bytes, formats}); '' when none are known. */
export function limitsText(limits) {
  if (!limits || !limits.max_bytes) return '';
  return t('resumable.limits', { max: sizeText(limits.max_bytes), formats: (limits.formats || []).join(', ').toUpperCase() });
}

/**
 * Why `file` cannot go into a book with `limits` ({max_bytes, formats, book_name}), or null when it can:
 * the size, the name's extension and the first bytes (the server sniffs them too), read locally.
 */
export async function checkFile(file, limits) {
  if (!limits) return null;
  const name = file.name.normalize('NFC');
  const formats = (limits.formats || []).join(', ').toUpperCase();
  if (limits.max_bytes && file.size > limits.max_bytes) {
    return t('resumable.tooLarge', { name, size: sizeText(file.size), max: sizeText(limits.max_bytes) });
  }
  if (!file.size) return t('resumable.empty', { name });
  const allowed = limits.formats || [];
  if (!allowed.length) return null;
  const ext = (name.split('.').pop() || '').toLowerCase();
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  const fits = allowed.some((f) => (EXTENSIONS[f] || [f]).includes(ext)
    && (!MAGIC[f] || MAGIC[f].some((m) => m.every((b, i) => head[i] === b))));
  return fits ? null : t('resumable.wrongType', { name, formats });
}

function readIndex() {
  try { return JSON.parse(localStorage.getItem(INDEX) || '{}') || {}; } catch { return {}; }
}
function writeIndex(index) {
  if (Object.keys(index).length) localStorage.setItem(INDEX, JSON.stringify(index));
  else localStorage.removeItem(INDEX);
}
function entryId(key) { const user = currentUser(); return user ? `${user.sub}|${key}` : null; }

/** The upload left unfinished on this form (`key`) by the signed-in person: {name, size, offset, ...} or null. */
export function pendingUpload(key) {
  const id = entryId(key);
  const entry = id ? readIndex()[id] : null;
  if (!entry) return null;
  if (Date.now() - entry.at > DAY) { forgetUpload(key); return null; }
  return entry;
}

function saveEntry(key, entry) {
  const index = readIndex();
  index[entryId(key)] = entry;
  writeIndex(index);
}

/** Forget the unfinished upload of `key` here (the session on the server ends by itself or by Huỷ). */
export async function forgetUpload(key) {
  const id = entryId(key);
  if (!id) return;
  const index = readIndex();
  delete index[id];
  writeIndex(index);
  await forgetUploadFile(key);
}

/** Huỷ an upload left unfinished on this form: the server deletes what it received; it is forgotten here. */
export async function discardUpload(key) {
  const entry = pendingUpload(key);
  if (entry) await api('documents', entry.path, { method: 'DELETE', headers: TUS }).catch(() => null);
  await forgetUpload(key);
}

/** The File kept for the unfinished upload of `key`, or null when the browser no longer has it. */
export function pendingFile(key) { return keptUploadFile(key); }

function sameFile(entry, file) {
  return entry.name === file.name && entry.size === file.size && entry.lastModified === file.lastModified;
}

function metadata(values) {
  const b64 = (s) => btoa(Array.from(new TextEncoder().encode(s), (b) => String.fromCharCode(b)).join(''));
  return Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k} ${b64(String(v))}`).join(',');
}

/** Wait `ms`, or less if the connection comes back; while offline, until it does (looking again every 5 s). */
function waitForNetwork(ms) {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); window.removeEventListener('online', done); resolve(); };
    const timer = setTimeout(done, navigator.onLine ? ms : 5000);
    window.addEventListener('online', done);
  });
}

function backoff(failures) { return Math.min(15000, 500 * 2 ** failures) + Math.floor(Math.random() * 250); }

class Cancelled extends Error {}

/** Is this error a network failure or a server having a bad moment (worth waiting and trying again)? */
function transient(err) { return err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500); }

/**
 * Send `file` for the form `key`: meta is {book, period, owner_key, document_id, title}.
 * onProgress(sent, total); onWait(sentFraction) while waiting for the network.
 * Returns {promise → {version, document}, cancel()}.
 */
export function resumableUpload({ key, file, meta, onProgress = () => {}, onWait = () => {} }) {
  let cancelled = false;
  let abort = null;
  let path = null;

  const head = async () => {
    const res = await api('documents', path, { method: 'HEAD', raw: true, headers: TUS }).catch((err) => {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    });
    return res ? Number(res.headers.get('Upload-Offset')) : null;
  };

  const create = async () => {
    const res = await api('documents', '/uploads', { method: 'POST', raw: true, headers: {
      ...TUS, 'Upload-Length': String(file.size),
      'Upload-Metadata': metadata({ filename: file.name.normalize('NFC'), ...meta }) } });
    const where = new URL(res.headers.get('Location'), new URL(`${BASE}/uploads`, location.origin));
    path = where.pathname.slice(BASE.length);
    saveEntry(key, { path, name: file.name, size: file.size, lastModified: file.lastModified, type: file.type,
      meta, offset: 0, at: Date.now() });
    await keepUploadFile(key, file);
    return 0;
  };

  const run = async () => {
    const entry = pendingUpload(key);
    let offset = null;
    if (entry && sameFile(entry, file)) { path = entry.path; offset = await head(); }
    else if (entry) await forgetUpload(key);
    if (offset === null) offset = await create();
    let failures = 0;
    onProgress(offset, file.size);
    while (offset < file.size) {
      if (cancelled) throw new Cancelled();
      const chunk = file.slice(offset, offset + CHUNK);
      const controller = new AbortController();
      abort = () => controller.abort();
      try {
        const start = offset;
        await upload('documents', path, chunk, { method: 'PATCH', signal: controller.signal, headers: {
          ...TUS, 'Upload-Offset': String(start), 'Content-Type': 'application/offset+octet-stream' },
          onProgress: (loaded) => onProgress(start + loaded, file.size) });
        offset = start + chunk.size;
        failures = 0;
        saveEntry(key, { ...pendingUpload(key), offset });
        onProgress(offset, file.size);
      } catch (err) {
        if (cancelled) throw new Cancelled();
        if (err instanceof ApiError && err.status === 409) { offset = known(await head()); continue; }
        if (!transient(err)) {
          if (!(err instanceof ApiError && err.status === 401)) await forgetUpload(key);
          throw err;
        }
        failures += navigator.onLine ? 1 : 0;
        if (failures > MAX_FAILURES) { err.resumable = true; throw err; }
        onWait(offset / file.size);
        await waitForNetwork(backoff(failures));
        offset = known(await untilAnswered(head, () => cancelled));
      }
    }
    const done = await api('documents', path);
    await forgetUpload(key);
    return done;
  };

  let cancelling = null;
  const promise = run().catch(async (err) => {
    if (err instanceof Cancelled) {
      await cancelling;
      if (pendingUpload(key)) await discardUpload(key); // the session was opened while Huỷ was pressed
    } else if (err instanceof ApiError && err.status === 404) await forgetUpload(key);
    throw err;
  });
  return {
    promise,
    /** Huỷ: forget the upload here at once, stop the chunk in flight, delete the session on the server. */
    cancel() {
      if (cancelling) return cancelling;
      cancelled = true;
      const forgetting = forgetUpload(key);
      if (abort) abort();
      const where = path;
      cancelling = (async () => {
        if (where) await api('documents', where, { method: 'DELETE', headers: TUS }).catch(() => null);
        await forgetting;
      })();
      return cancelling;
    },
  };
}

/** The server's offset, or the Vietnamese "expired" failure when it no longer knows the session. */
function known(offset) {
  if (offset === null) throw new ApiError({ status: 404, title: t('resumable.expired') });
  return offset;
}

/** Ask `ask()` again (waiting for the network between tries) until it answers; Cancelled when `stopped()`. */
async function untilAnswered(ask, stopped) {
  for (let tries = 0; ; tries += navigator.onLine ? 1 : 0) {
    if (stopped()) throw new Cancelled();
    try { return await ask(); } catch (err) {
      if (!transient(err) || tries >= MAX_FAILURES) throw err;
      await waitForNetwork(backoff(tries + 1));
    }
  }
}

export function isCancelled(err) { return err instanceof Cancelled; }
