/**
 * Every call the web app makes to the services, in one place, named by what it does.
 * Paths are the services' public APIs behind the gateway (`/api/<service>/v1/...`).
 */
import { api, upload, items, blobUrl } from './core/api.js';

// ---------- signing: public verification ----------
export function verifyFile(file, onProgress) {
  const form = new FormData();
  form.append('file', file, file.name.normalize('NFC'));
  return upload('signing', '/verifications', form, { onProgress, anonymous: true });
}
export function verifyCode(code) {
  return api('signing', `/verifications/${encodeURIComponent(code)}`, { anonymous: true });
}

// ---------- documents ----------
export async function myAddresses(query) { return items(await api('documents', '/me/addresses', { query })); }
export function uploadVersion({ file, bookType, period, unit, title, idempotencyKey }, onProgress) {
  const form = new FormData();
  form.append('book_type', bookType);
  if (period) form.append('period', period);
  if (unit) form.append('unit', unit);
  if (title) form.append('title', title.normalize('NFC'));
  form.append('file', file, file.name.normalize('NFC'));
  return upload('documents', '/versions', form, { onProgress, headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} });
}
export function versionPdfUrl(versionId) { return blobUrl('documents', `/versions/${encodeURIComponent(versionId)}/content`, { rendition: 'pdf' }); }
export async function catalog() { return items(await api('documents', '/catalog')); }
export async function locks() { return items(await api('documents', '/locks')); }
export function createLock(body) { return api('documents', '/locks', { method: 'POST', body }); }
export function unlock(id, reason) { return api('documents', `/locks/${encodeURIComponent(id)}/unlock`, { method: 'POST', body: { reason } }); }
export function startExport(body) { return api('documents', '/exports', { method: 'POST', body }); }
export function exportStatus(id) { return api('documents', `/exports/${encodeURIComponent(id)}`); }
export async function exports() { return items(await api('documents', '/exports')); }
export function exportDownloadUrl(id) { return blobUrl('documents', `/exports/${encodeURIComponent(id)}/download`); }
export function printPdfUrl(query) { return blobUrl('documents', '/prints', query); }

// ---------- approvals ----------
export async function myObligations(query) { return items(await api('approvals', '/me/obligations', { query })); }
export async function mySubmissions(query) { return items(await api('approvals', '/me/submissions', { query })); }
export function submit(body) { return api('approvals', '/submissions', { method: 'POST', body }); }
export function resubmit(id, body) { return api('approvals', `/submissions/${encodeURIComponent(id)}/resubmissions`, { method: 'POST', body }); }
export function submission(id) { return api('approvals', `/submissions/${encodeURIComponent(id)}`); }
export async function queue(query) { return items(await api('approvals', '/queue', { query })); }
export function decide(id, decision, comment) {
  return api('approvals', `/submissions/${encodeURIComponent(id)}/decisions`, { method: 'POST', body: { decision, comment: comment ? comment.normalize('NFC') : null } });
}
export async function deadlineRules() { return items(await api('approvals', '/deadline-rules')); }
export function setDeadlineRule(bookType, rule) { return api('approvals', `/deadline-rules/${encodeURIComponent(bookType)}`, { method: 'PUT', body: rule }); }
export async function chains() { return items(await api('approvals', '/chains')); }
export function progress(query) { return api('approvals', '/progress', { query }); }

// ---------- signing ----------
export async function signingQueue() { return items(await api('signing', '/queue')); }
export function startBatch(body) { return api('signing', '/batches', { method: 'POST', body }); }
export function batch(id) { return api('signing', `/batches/${encodeURIComponent(id)}`); }
export function issue(body) { return api('signing', '/issues', { method: 'POST', body }); }
export function recall(id, reason) { return api('signing', `/documents/${encodeURIComponent(id)}/recall`, { method: 'POST', body: { reason: reason.normalize('NFC') } }); }
export async function issued(query) { return items(await api('signing', '/issued', { query })); }

// ---------- identity ----------
export async function users(query) { return items(await api('identity', '/users', { query })); }
export async function units() { return items(await api('identity', '/units')); }
export function importStaff(file, dryRun, onProgress) {
  const form = new FormData();
  form.append('file', file, file.name.normalize('NFC'));
  return upload('identity', `/imports${dryRun ? '?dry_run=true' : ''}`, form, { onProgress });
}
export async function delegations() { return items(await api('identity', '/delegations')); }
export function createDelegation(body) { return api('identity', '/delegations', { method: 'POST', body }); }
export function revokeDelegation(id) { return api('identity', `/delegations/${encodeURIComponent(id)}`, { method: 'DELETE' }); }
export async function schools() { return items(await api('identity', '/schools')); }
export function onboardSchool(body) { return api('identity', '/schools', { method: 'POST', body }); }
