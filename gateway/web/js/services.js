/**
 * Every call the web app makes to the services, in one place, named by what it does.
 * Paths are the services' public APIs behind the gateway (`/api/<service>/v1/...`); the
 * shapes they return are documented beside each group.
 */
import { api, upload, items, blobUrl, blobOf } from './core/api.js';

/** The school year a date falls in: September to May ("2025-2026"). */
export function schoolYearOf(date = new Date()) {
  const y = date.getFullYear();
  return date.getMonth() >= 8 ? `${y}-${y + 1}` : `${y - 1}-${y}`;
}

/*
 * Periods: every service names a period with one key ("2025-2026", "2025-2026.hk1", "2025-09",
 * "2025-2026.t07") and sends its Vietnamese label beside it (`period_label`, or `{key, label}` in
 * /me/addresses); screens show the label as sent and pass keys on unchanged.
 */

// ---------- signing: public verification ----------
// → {code, known, latest, recalled, recall_reason, recalled_at, book_type, summary,
//    signatures: [{signer, organisation, chain, valid, intact, trusted, revoked, signed_at, timestamp_at, changed_after_signing, verdict}]}
export function verifyFile(file, onProgress) {
  return upload('signing', '/verify', file, { onProgress, anonymous: true, headers: { 'Content-Type': 'application/pdf' } });
}
export function verifyCode(code) {
  return api('signing', `/verify/${encodeURIComponent(code)}`, { anonymous: true });
}

// ---------- documents ----------
// /me/addresses → {school_year, items: [{book, book_name, owner_kind, owner_key, unit_id, cadence, periods: [{key, label}], formats, max_bytes}]}
export async function myAddresses(schoolYear) { return items(await api('documents', '/me/addresses', { query: { school_year: schoolYear } })); }

// document: {id, book, period, title, owner_key, latest_version_id, ...} (the title is a học bạ's student name)
export function document(id) { return api('documents', `/documents/${encodeURIComponent(id)}`); }
// version: {id, document_id, format, rendition_status: pending|ready|failed|null, rendition_error, ...}
export function version(id) { return api('documents', `/versions/${encodeURIComponent(id)}`); }
/** A version's PDF (its rendition for other formats) as a Blob, for the app's own viewer. */
export function versionPdf(versionId) { return blobOf('documents', `/versions/${encodeURIComponent(versionId)}/content`, { rendition: 'pdf' }); }
export function versionPdfUrl(versionId) { return blobUrl('documents', `/versions/${encodeURIComponent(versionId)}/content`, { rendition: 'pdf' }); }
export function catalog(level) { return api('documents', `/catalog/${encodeURIComponent(level)}`); }
/**
 * Lesson plans much alike another teacher's or an earlier year's (oversight staff) →
 * [{similarity, percent, estimate, relation: other_teacher|earlier_year, text, a, b}], most alike first;
 * a side: {document_id, version_id, school_id, school_name, school_year, book, period, title, teacher, format, viewer}.
 */
export function similarPlans({ school_year, min, school }) { return allPages('documents', '/similar-plans', { school_year, min, ...(school ? { school } : {}) }); }
/** An object URL of one side's PDF, from its `viewer` path (gateway path with school, reason, rendition). */
export function similarPlanPdfUrl(viewer) {
  const [path, query] = viewer.replace(/^\/api\/documents\/v1/, '').split('?');
  return blobUrl('documents', path, Object.fromEntries(new URLSearchParams(query || '')));
}
// locks: {id, book, unit_id, period, school_year, starts_at, ends_at, reason, created_by, removed}
export async function locks() { return items(await api('documents', '/locks')); }
export function createLock(body) { return api('documents', '/locks', { method: 'POST', body }); }
export function removeLock(id) { return api('documents', `/locks/${encodeURIComponent(id)}`, { method: 'DELETE' }); }
// exports: {id, kind, status, total, done, percent, error, file_url}
export function startExport(body) { return api('documents', '/exports', { method: 'POST', body }); }
export function exportStatus(id) { return api('documents', `/exports/${encodeURIComponent(id)}`); }
export function exportFileUrl(id) { return blobUrl('documents', `/exports/${encodeURIComponent(id)}/file`); }

// ---------- approvals ----------
/** Every item of a paged list: follows `next_cursor` until the service says there is no more. */
export async function allPages(service, path, query = {}) {
  const out = [];
  let cursor = null;
  for (let n = 0; n < 200; n += 1) {
    const page = await api(service, path, { query: { ...query, limit: 100, ...(cursor ? { cursor } : {}) } });
    out.push(...items(page));
    cursor = page && page.next_cursor;
    if (!cursor) return out;
  }
  return out;
}

// obligations: [{id, book_type, item, period_key, period_label, due_at, unit, approval_due_at, approval_possible, submission_id, overdue}]
export function myObligations(year) { return allPages('approvals', '/obligations', { year }); }
/** Submit a version for an obligation → the submission view. */
export function submit({ obligationId, documentId, versionId, sha256 }) {
  return api('approvals', '/submissions', { method: 'POST', body: { obligation_id: obligationId, document_id: documentId, version_id: versionId, sha256 } });
}
export function resubmit(id, { versionId, sha256 }) {
  return api('approvals', `/submissions/${encodeURIComponent(id)}/versions`, { method: 'POST', body: { version_id: versionId, sha256 } });
}
/** A submission: {id, book_type, book_name, period_key, submitter, state, document_id, current_version_id, steps, history, signing, ...} */
export function submission(id) { return api('approvals', `/submissions/${encodeURIComponent(id)}`); }
export function queue() { return allPages('approvals', '/queue'); }
/** What waits for my signature now (action "sign", my_order) or, for the văn thư, to be issued (action "issue"), oldest first. */
export function signingQueue() { return allPages('approvals', '/signing-queue'); }
/** Submissions with a check step of mine not yet checked (kiểm tra: read and comment, not blocking). */
export function checkQueue() { return allPages('approvals', '/check-queue'); }
export function comment(id, text) {
  return api('approvals', `/submissions/${encodeURIComponent(id)}/comments`, { method: 'POST', body: { comment: text.normalize('NFC') } });
}
/** My own submissions, newest first. */
export function mySubmissions() { return allPages('approvals', '/submissions'); }
/** The school's issued and recalled documents, last issued first (văn thư, leaders). */
export function issuedList() { return allPages('approvals', '/issued'); }
/** The signed copy of a submission: {version_id, code, signatures, recalled, verify_url}; 404 before any signature. */
export function signedCopy(id) { return api('signing', `/signed-documents/${encodeURIComponent(id)}`); }
export function decide(id, decision, comment) {
  return api('approvals', `/submissions/${encodeURIComponent(id)}/decision`, { method: 'POST', body: { decision, comment: comment ? comment.normalize('NFC') : null } });
}
/** Approve many at once → {results: [{id, ok, state, status, detail}]} */
export function bulkApprove(ids, comment) {
  return api('approvals', '/queue/approve', { method: 'POST', body: { submission_ids: ids, comment: comment || null } });
}
export function issueSubmission(id) { return api('approvals', `/submissions/${encodeURIComponent(id)}/issue`, { method: 'POST', body: {} }); }
export function recallSubmission(id, reason) {
  return api('approvals', `/submissions/${encodeURIComponent(id)}/recall`, { method: 'POST', body: { reason: reason.normalize('NFC') } });
}
// rules: [{book_type, book_name, item, label, district_rule, district_text, school_rule, school_text}]
export async function deadlineRules() { return items(await api('approvals', '/rules')); }
// → {year, opening_day, semester_1_end, closing_day, points, events, named: [{event, name, date}], weeks, …}
export function calendarOfYear(year) { return api('approvals', `/calendar/${encodeURIComponent(year)}`); }
export function setDeadlineRule(bookType, item, rule) {
  return api('approvals', `/rules/${encodeURIComponent(bookType)}/${encodeURIComponent(item)}`, { method: 'PUT', body: { rule } });
}
/** {reminders: {before: [{days_before, at}], escalate_approver_after_days, escalate_principal_after_days}, text} */
export function reminderPolicy() { return api('approvals', '/rules/reminders'); }
export function setReminderPolicy(reminders) { return api('approvals', '/rules/reminders', { method: 'PUT', body: { reminders } }); }
/** {book_type, chain: {stages: [[{role, scope, mode}]], signing: [{order, role, organisation}], issue_role}} */
export function chain(bookType) { return api('approvals', `/chains/${encodeURIComponent(bookType)}`); }
export function setChain(bookType, chainData) { return api('approvals', `/chains/${encodeURIComponent(bookType)}`, { method: 'PUT', body: { chain: chainData } }); }
/** {owed, on_time, late, missing, awaiting} for scope to|school|district, id and period ("2025-2026" or "2025-11"). */
export async function progress(scope, id, period) {
  const r = await api('approvals', '/progress', { query: { scope, id, period } });
  return { ...r, awaiting_approval: r.awaiting_approval ?? r.awaiting ?? 0 };
}

/**
 * One dashboard view in one request: level province|unit|school and its id; {year, period, book}.
 * → {level, id, name, year, period, book, total, rows (worst first: {kind, id, name, owed, on_time, late,
 * missing, awaiting_approval, awaiting_signature, avg_approval_hours, late_or_missing_share, unit?}), trend: [{period, …}]}
 */
export function dashboard(level, id, { year, period, book } = {}) {
  return api('approvals', `/dashboards/${level}/${encodeURIComponent(id)}`, { query: { year, period, book } });
}
/** The same view as an Excel workbook (object URL to download). */
export function dashboardXlsx(level, id, { year, period, book } = {}) {
  return blobUrl('approvals', `/dashboards/${level}/${encodeURIComponent(id)}`, { year, period, book, format: 'xlsx' });
}
/** The same view as a PDF report with charts (object URL to download). */
export function dashboardPdf(level, id, { year, period, book } = {}) {
  return blobUrl('approvals', `/dashboards/${level}/${encodeURIComponent(id)}`, { year, period, book, format: 'pdf' });
}
/**
 * The monthly reports of an oversight unit (level 'unit') or of the Sở (level 'province'), newest first
 * → [{id, month, month_label, unit_name, schools, on_time_percent, built_at}]
 */
export async function monthlyReports(level, id) {
  return items(await api('approvals', '/reports', { query: level === 'province' ? { province: id } : { unit: id } }));
}
/** One monthly report's file, format 'pdf' or 'xlsx' (object URL to download). */
export function monthlyReportFile(id, format) {
  return blobUrl('approvals', `/reports/${encodeURIComponent(id)}/file`, { format });
}

// ---------- signing ----------
/** My signing credentials (and, for the văn thư, the school's seal): {id, owner_kind, kind, subject, organisation, not_after, locked, revoked} */
export async function credentials() { return items(await api('signing', '/credentials')); }
/** Sign submissions with one credential and one PIN → batch {id, state, total, done, signed, failed, items: [{submission_id, status, reason, code}]} */
export function startBatch({ submissionIds, credentialId, pin }) {
  return api('signing', '/batches', { method: 'POST', body: { submission_ids: submissionIds, credential_id: credentialId, pin: pin || null } });
}
export function batch(id) { return api('signing', `/batches/${encodeURIComponent(id)}`); }
/** A running batch's state and counts only (no items): what polling needs, one read on the server. */
export function batchProgress(id) { return api('signing', `/batches/${encodeURIComponent(id)}?items=none`); }

// ---------- identity ----------
export function me() { return api('identity', '/me'); }
/** Schools I may see: {id, name, levels, district_id, principal_id} */
export async function schools() { return items(await api('identity', '/schools')); }
export function school(id) { return api('identity', `/schools/${encodeURIComponent(id)}`); }
export async function units(schoolId) { return items(await api('identity', `/schools/${encodeURIComponent(schoolId)}/units`)); }
/** People of a school: {id, full_name, email, position, memberships: [{id, role, unit}]} */
/** Full names of my school's people: [{id, full_name}] (any colleague; names only). */
export async function colleagueNames(schoolId) { return items(await api('identity', `/schools/${encodeURIComponent(schoolId)}/names`)); }
export async function people(schoolId) { return items(await api('identity', `/schools/${encodeURIComponent(schoolId)}/people`)); }
/** Check (apply=false) or apply a staff workbook → {rows, problems: [{row, column, problem}], new_people, existing_people, new_roles, applied} */
export function importStaff(schoolId, file, apply, onProgress) {
  return upload('identity', `/schools/${encodeURIComponent(schoolId)}/staff-import`, file, {
    onProgress, query: { apply: apply ? 'true' : 'false' },
    headers: { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  });
}
export function grantRole(schoolId, personId, role, unit) {
  return api('identity', `/schools/${encodeURIComponent(schoolId)}/people/${encodeURIComponent(personId)}/memberships`, { method: 'POST', body: { role, unit: unit || null } });
}
export function addUnit(schoolId, { slug, name, kind }) {
  return api('identity', `/schools/${encodeURIComponent(schoolId)}/units`, { method: 'POST', body: { slug, name: name.normalize('NFC'), kind } });
}
export async function delegations(schoolId) { return items(await api('identity', `/schools/${encodeURIComponent(schoolId)}/delegations`)); }
export function createDelegation(schoolId, body) { return api('identity', `/schools/${encodeURIComponent(schoolId)}/delegations`, { method: 'POST', body }); }
export function revokeDelegation(schoolId, id) {
  return api('identity', `/schools/${encodeURIComponent(schoolId)}/delegations/${encodeURIComponent(id)}/revoke`, { method: 'POST', body: {} });
}
/** body: {slug, name, levels, units, principal: {username, full_name, email}, district_id?} (district_id: the unit; default mine) */
export function onboardSchool(body) { return api('identity', '/schools', { method: 'POST', body }); }

// oversight units (Phòng GD&ĐT, UBND xã/phường): {id, name, kind, kind_name, province_id, school_count}
export async function provinceUnits(provinceId) { return items(await api('identity', `/provinces/${encodeURIComponent(provinceId)}/districts`)); }
export function onboardUnit({ province_id, slug, name, kind }) { return api('identity', '/districts', { method: 'POST', body: { province_id, slug, name, kind } }); }
export function unit(id) { return api('identity', `/districts/${encodeURIComponent(id)}`); }
export async function unitSchools(id) { return items(await api('identity', `/districts/${encodeURIComponent(id)}/schools`)); }
/** Staff of a unit: {person_id, full_name, email, phone, active, role, role_name, granted_at} */
export async function unitStaff(id) { return items(await api('identity', `/districts/${encodeURIComponent(id)}/staff`)); }
/** → {staff, created, temporary_password} */
export function addUnitStaff(id, body) { return api('identity', `/districts/${encodeURIComponent(id)}/staff`, { method: 'POST', body }); }

// ---------- documents: inspectors' reads (inside a campaign: {school, campaign}) ----------
/** Documents of a school the caller may see; inspectors name the school and their campaign. */
export async function searchDocuments(query) { return items(await api('documents', '/documents', { query })); }

// ---------- inspection campaigns and the school's read log ----------
// campaign: {id, name, district_id, province_id, schools, books, school_year, team, members: [{person, full_name}],
//            head, head_name, starts_at, until, opened_by, closed_at, active}
export async function campaigns() { return items(await api('identity', '/campaigns')); }
export function openCampaign(body) { return api('identity', '/campaigns', { method: 'POST', body }); }
/** Change the team, its head or the end of a running campaign: body {team?, head?, until?}. */
export function changeCampaign(id, body) { return api('identity', `/campaigns/${encodeURIComponent(id)}`, { method: 'PATCH', body }); }
/** End a running campaign early: its team loses access at once. */
export function closeCampaign(id) { return api('identity', `/campaigns/${encodeURIComponent(id)}/close`, { method: 'POST' }); }
/**
 * Every cross-school read of the caller's school, newest first: documents' and approvals' lists
 * merged. row: {at, person, person_name, unit, what, what_label, object, basis, campaign, reason}
 */
export async function schoolReads(filters = {}) {
  const lists = await Promise.all(['documents', 'approvals'].map(async (s) => items(await api(s, '/access-reads', { query: filters }))));
  return lists.flat().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}
/** The same reads as Excel workbooks, one per service that holds them: [{url, name}] (object URLs). */
export function schoolReadsXlsx(filters = {}) {
  return Promise.all([['documents', 'tai-lieu'], ['approvals', 'phe-duyet']].map(async ([s, name]) => ({
    url: await blobUrl(s, '/access-reads', { ...filters, format: 'xlsx' }), name: `ai-da-xem-ho-so-${name}.xlsx` })));
}

// ---------- notifications: my inbox ----------
// page: {items: [{id, title, body, link, created_at, read_at}], next_cursor, unread}
export function inbox({ unread = false, cursor } = {}) {
  return api('notifications', '/inbox', { query: { unread: unread ? 'true' : undefined, cursor } });
}
/** The number on the bell. */
export async function unreadCount() { return (await api('notifications', '/inbox/unread-count')).unread; }
export function markRead(id) { return api('notifications', `/inbox/${encodeURIComponent(id)}/read`, { method: 'POST' }); }
export function markAllRead() { return api('notifications', '/inbox/read-all', { method: 'POST' }); }

// ---------- notifications: my channels, and the admins' dead letters ----------
// {kinds: [{kind, name, mutable, locked_reason, channels: {email|zalo: {on, locked, available}}}], zalo_phone, email, problems}
export function notificationSettings() { return api('notifications', '/notification-settings'); }
export function changeNotificationSettings(choices) { return api('notifications', '/notification-settings', { method: 'PUT', body: { choices } }); }
export function setZaloPhone(phone) { return api('notifications', '/notification-settings/zalo', { method: 'PUT', body: { phone } }); }
export function deadDeliveries(cursor) { return api('notifications', '/deliveries', { query: { state: 'dead', cursor } }); }
export function replayDelivery(id) { return api('notifications', `/deliveries/${encodeURIComponent(id)}/replay`, { method: 'POST' }); }

// ---------- signing: my certificates and the signing agent (issue 14, point 6) ----------
/** Register a PKCS#12 file (base64) with its password, which becomes the signing PIN → credential view. */
export function registerPkcs12({ p12, pin, organisation = false }) {
  return api('signing', '/credentials/pkcs12', { method: 'POST', body: { p12, pin, organisation } });
}
/** Register a USB token's certificate (base64 DER); signing then goes through the signing agent. */
export function registerToken({ certificate, organisation = false }) {
  return api('signing', '/credentials/token', { method: 'POST', body: { certificate, organisation } });
}
/** Register a remote-signing account of a provider the platform supports. */
export function registerRemote({ provider, account }) {
  return api('signing', '/credentials/remote', { method: 'POST', body: { provider, account: account.normalize('NFC') } });
}
export function revokeCredential(id) { return api('signing', `/credentials/${encodeURIComponent(id)}/revoke`, { method: 'POST' }); }
export function unlockCredential(id) { return api('signing', `/credentials/${encodeURIComponent(id)}/unlock`, { method: 'POST' }); }
/** Credentials locked by wrong PINs that I may unlock (school administrator, trưởng phòng). */
export async function lockedCredentials() { return items(await api('signing', '/credentials/locked')); }
/** A one-time pairing code for the signing agent, for my waiting USB-token job → {job_id, code, expires_at, tries}. */
export function pairingCode(jobId) { return api('signing', `/external-jobs/${encodeURIComponent(jobId)}/pairing`, { method: 'POST' }); }
// ---------- identity: my sessions, and a school's admins acting on one person (pages/account.js, pages/people.js) ----------
/** My signed-in browsers: [{id, device ("Chrome trên Android"), ip, created_at, last_seen_at, current}], newest first. */
export async function mySessions() { return items(await api('identity', '/me/sessions')); }
/** Sign one of my browsers out (its refresh tokens end; its access token lapses within ten minutes). */
/** "Đăng xuất khỏi mọi thiết bị": every session of mine ends, this one too. */
export function endAllMySessions() { return api('identity', '/me/sessions', { method: 'DELETE' }); }
export function endMySession(id) { return api('identity', `/me/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' }); }
/** An organisation's outside sign-in provider: kind 'schools' or 'districts' (identity's federation resource). */
export function federation(kind, id) { return api('identity', `/${kind}/${encodeURIComponent(id)}/federation`); }
export function saveFederation(kind, id, body) { return api('identity', `/${kind}/${encodeURIComponent(id)}/federation`, { method: 'PUT', body }); }
export function removeFederation(kind, id) { return api('identity', `/${kind}/${encodeURIComponent(id)}/federation`, { method: 'DELETE' }); }
const personPath = (schoolId, personId) => `/schools/${encodeURIComponent(schoolId)}/people/${encodeURIComponent(personId)}`;
/** One person of the school: {id, active, full_name, email, phone, staff_id, position, totp_enabled, memberships: [{id, role, unit, granted_at}]} */
export function person(schoolId, personId) { return api('identity', personPath(schoolId, personId)); }
/** Take a role back (the membership's id, from `person().memberships`: "person|role|school/unit", a path). */
export function revokeRole(schoolId, membershipId) {
  const id = membershipId.split('/').map(encodeURIComponent).join('/');
  return api('identity', `/schools/${encodeURIComponent(schoolId)}/memberships/${id}`, { method: 'DELETE' });
}
/** Lock (false) or unlock (true) an account → the person; locking signs them out everywhere. */
export function setPersonActive(schoolId, personId, active) { return api('identity', `${personPath(schoolId, personId)}/active`, { method: 'PUT', body: { active } }); }
/** A temporary password to hand to the person (changed at their next sign-in) → {temporary_password}. */
export function resetPassword(schoolId, personId) { return api('identity', `${personPath(schoolId, personId)}/password-reset`, { method: 'POST' }); }
/** Remove the person's authenticator app: they enrol again at their next sign-in. */
/** Sign a person of the school out of every device (the account stays open). */
export function endPersonSessions(schoolId, personId) { return api('identity', `${personPath(schoolId, personId)}/sessions`, { method: 'DELETE' }); }
export function resetSecondFactor(schoolId, personId) { return api('identity', `${personPath(schoolId, personId)}/second-factor-reset`, { method: 'POST' }); }
// ---------- school task pages: corrections, folders, calendar, district floors ----------
// correction: {id, submission_id, title, requester, reason, new_version_id, new_sha256, state: requested|consented|refused|applied,
//              witnesses: [{role: hieu_truong|quan_tri|requester, person, confirmed_at}], trail: [{action, by, at, ...}], created_at}
/** The school's corrections newest first (leaders and the quản trị: all; others: the ones they asked for). */
export function corrections() { return allPages('approvals', '/corrections'); }
export function correction(id) { return api('approvals', `/corrections/${encodeURIComponent(id)}`); }
/** Ask for a correction of an approved or signed submission, naming the new version. */
export function requestCorrection({ submissionId, reason, versionId, sha256 }) {
  return api('approvals', '/corrections', { method: 'POST', body: { submission_id: submissionId, reason: reason.normalize('NFC'), version_id: versionId, sha256 } });
}
/** The principal consents to (true) or refuses (false) a correction. */
export function consentCorrection(id, consent, comment) {
  return api('approvals', `/corrections/${encodeURIComponent(id)}/consent`, { method: 'POST', body: { consent, comment: comment ? comment.normalize('NFC') : null } });
}
/** A witness confirms the correction record; the last confirmation applies the new version. */
export function confirmCorrection(id) { return api('approvals', `/corrections/${encodeURIComponent(id)}/confirm`, { method: 'POST' }); }
// folders: [{id, school_year, book, book_name, owner_kind, owner_key, owner_name, unit_id, periods}]
export async function folders(schoolYear) { return items(await api('documents', '/folders', { query: { school_year: schoolYear } })); }
/** Create the year's default folder tree (quản trị, principal) → {school_year, created}. */
export function generateFolders(schoolYear) { return api('documents', '/folders/generate', { method: 'POST', body: { school_year: schoolYear } }); }
/** Documents of one folder (its book and owner in a school year), every page. */
export function folderDocuments({ school_year, book, owner_key }) { return allPages('documents', '/documents', { school_year, book, owner: owner_key }); }
// calendar: {year, opening_day, semester_1_end, closing_day, first_teaching_week, holidays: [{name, first_day, last_day}],
//            points: {slug: day}, events: {slug: day}, names: {slug: name}, weeks: [{number, key, monday, teaching}]}
export function schoolCalendar(year) { return api('approvals', `/calendar/${encodeURIComponent(year)}`); }
/** The district's own published frame of a year (district staff), in the calendar's shape without a school's events. */
export function districtFrame(year) { return api('approvals', `/calendar/frames/${encodeURIComponent(year)}`); }
/** The principal sets the school's events (the whole set: {slug or name: 'yyyy-mm-dd'}). */
export function setSchoolEvents(year, events) { return api('approvals', `/calendar/${encodeURIComponent(year)}/events`, { method: 'PUT', body: { events } }); }
/** District staff publish the year's frame: {opening_day, semester_1_end, closing_day, holidays, points, first_teaching_week}. */
export function publishFrame(year, frame) { return api('approvals', `/calendar/frames/${encodeURIComponent(year)}`, { method: 'PUT', body: frame }); }
// district rules: [{book_type, book_name, item, label, district_rule, district_text, set_by_district, levels}]
export async function districtRules() { return items(await api('approvals', '/district/rules')); }
/** The trưởng phòng sets the district floor of a book item → {book_type, item, level, rule, text}. */
export function setDistrictRule(bookType, item, rule) {
  return api('approvals', `/district/rules/${encodeURIComponent(bookType)}/${encodeURIComponent(item)}`, { method: 'PUT', body: { rule } });
}
