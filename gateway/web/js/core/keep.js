/**
 * Forms kept across a sign-in: when a session ends while a form is open, what the person typed
 * and the file she chose are kept until she is signed in again and back on the same page.
 *
 * The typed fields go to sessionStorage (this tab only) and the chosen File to IndexedDB (files
 * are stored there as Blobs), both keyed by the person's `sub`, the page (path + query) and the
 * form's own key. Nothing is kept for anyone else: a sign-in drops every kept form that is not
 * this person's and still listed by this tab, and signing out drops them all. The same store keeps
 * the File of a person's unfinished resumable upload (resumable.js) until it completes or is cancelled.
 */
import { onSessionEnd, onSignIn, onSignOut, currentUser } from './auth.js';

const INDEX = 'hoso.kept-forms';
const DB_NAME = 'hoso-kept-files';
const FILES = 'files';

/** Forms on the page now: element → {key, collect() → {fields, file}}. */
const live = new Map();
let saving = Promise.resolve();

function here() { return location.pathname + location.search; }

function readIndex() {
  try { return JSON.parse(sessionStorage.getItem(INDEX) || 'null') || { sub: null, forms: {} }; } catch { return { sub: null, forms: {} }; }
}
function writeIndex(index) {
  if (index.sub && Object.keys(index.forms).length) sessionStorage.setItem(INDEX, JSON.stringify(index));
  else sessionStorage.removeItem(INDEX);
}

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => { req.result.createObjectStore(FILES); };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Run one IndexedDB request on the files store and resolve with its result once committed. */
async function withFiles(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(FILES, mode);
      const req = work(tx.objectStore(FILES));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally { db.close(); }
}

function fileKey(sub, id) { return `${sub}|${id}`; }

/**
 * Keep the form `el` if the session ends while it is on the page. `collect()` returns
 * {fields: {name: value}, file: File|null}, what the person has typed and chosen so far.
 */
export function keepForm(el, key, collect) {
  for (const [other] of live) if (!other.isConnected) live.delete(other);
  live.set(el, { key, collect });
}

/** Whether a kept form is on the page now (so the notice can say it is kept). */
export function formsOnPage() {
  for (const [el] of live) if (el.isConnected) return true;
  return false;
}

/** Save every form on the page for `who` (called when their session ends). */
function snapshot(who) {
  if (!who || !who.sub) return saving;
  const index = readIndex();
  if (index.sub !== who.sub) { index.sub = who.sub; index.forms = {}; }
  const files = [];
  for (const [el, { key, collect }] of live) {
    if (!el.isConnected) { live.delete(el); continue; }
    const { fields = {}, file = null } = collect();
    const id = `${here()}#${key}`;
    index.forms[id] = { page: here(), key, fields, file: file ? { name: file.name, size: file.size } : null, at: Date.now() };
    if (file) files.push([fileKey(who.sub, id), file]);
  }
  writeIndex(index);
  saving = Promise.all(files.map(([k, file]) => withFiles('readwrite', (store) => store.put(file, k)))).catch(() => null);
  return saving;
}

/** Wait until the forms being kept are written (before the page leaves for sign-in). */
export function kept() { return saving; }

/** Whether a form with `key` is kept for the signed-in person on this page. */
export function isKept(key) {
  const user = currentUser();
  const index = readIndex();
  return Boolean(user && index.sub === user.sub && index.forms[`${here()}#${key}`]);
}

/**
 * Take back a kept form of this page: {fields, file} (file null when none was chosen or it
 * could not be read), or null when nothing is kept. It is forgotten once taken.
 */
export async function takeKept(key) {
  if (!isKept(key)) return null;
  const user = currentUser();
  const index = readIndex();
  const id = `${here()}#${key}`;
  const entry = index.forms[id];
  let file = null;
  if (entry.file) {
    file = await withFiles('readonly', (store) => store.get(fileKey(user.sub, id))).catch(() => null);
  }
  await forget(key);
  return { fields: entry.fields || {}, file: file instanceof Blob ? file : null };
}

/** Forget a kept form of this page (after it was submitted, or taken back). */
export async function forget(key) {
  const index = readIndex();
  const id = `${here()}#${key}`;
  if (!index.forms[id]) return;
  delete index.forms[id];
  writeIndex(index);
  await withFiles('readwrite', (store) => store.delete(fileKey(index.sub, id))).catch(() => null);
}

function uploadKey(sub, key) { return `${sub}|upload:${key}`; }

/**
 * Keep the File of an unfinished resumable upload (resumable.js) for the signed-in person, so
 * that after a reload the form can continue it; `key` is the form's own key.
 */
export async function keepUploadFile(key, file) {
  const user = currentUser();
  if (user) await withFiles('readwrite', (store) => store.put(file, uploadKey(user.sub, key))).catch(() => null);
}

/** The File kept for an unfinished upload of the signed-in person, or null. */
export async function keptUploadFile(key) {
  const user = currentUser();
  if (!user) return null;
  const file = await withFiles('readonly', (store) => store.get(uploadKey(user.sub, key))).catch(() => null);
  return file instanceof Blob ? file : null;
}

/** Forget the File of an upload that finished or was cancelled. */
export async function forgetUploadFile(key) {
  const user = currentUser();
  if (user) await withFiles('readwrite', (store) => store.delete(uploadKey(user.sub, key))).catch(() => null);
}

/**
 * Drop every kept file except the forms this tab keeps for `sub` and `sub`'s unfinished uploads
 * (nothing crosses people).
 */
async function keepOnly(sub) {
  const index = readIndex();
  if (index.sub !== sub) { index.sub = null; index.forms = {}; writeIndex(index); }
  const wanted = new Set(Object.keys(index.forms).map((id) => fileKey(sub, id)));
  const keys = await withFiles('readonly', (store) => store.getAllKeys()).catch(() => []);
  const mine = sub ? uploadKey(sub, '') : null;
  const stale = (keys || []).filter((k) => !wanted.has(k) && !(mine && String(k).startsWith(mine)));
  if (stale.length) await withFiles('readwrite', (store) => { for (const k of stale) store.delete(k); return null; }).catch(() => null);
}

onSessionEnd((who) => { snapshot(who); });
onSignIn((user) => keepOnly(user ? user.sub : null));
onSignOut(() => keepOnly(null));
