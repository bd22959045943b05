/**
 * Small DOM helpers: an element builder and the shared pieces every page uses
 * (empty states, alerts, badges, dates). No framework: pages build nodes directly.
 */
import { t } from './i18n.js';

/** Build an element: h('button', {class: 'btn', onclick}, 'Lưu'). Strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'text') el.textContent = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace every child of `el` with `children`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let idCounter = 0;
/** A unique id for label/input pairs. */
export function uid(prefix = 'f') { idCounter += 1; return `${prefix}-${idCounter}`; }

/** A labelled form field; `control` gets an id tied to the label and optional hint. */
export function field(labelText, control, hintText) {
  const id = control.id || uid();
  control.id = id;
  const parts = [h('label', { for: id }, labelText)];
  if (hintText) {
    const hintId = `${id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('span', { class: 'hint', id: hintId }, hintText));
  }
  parts.push(control);
  return h('div', { class: 'field' }, parts);
}

function emptyIcon() {
  const tpl = document.createElement('template');
  tpl.innerHTML = '<span class="icon" aria-hidden="true"><svg viewBox="0 0 40 40" focusable="false"><rect x="6" y="10" width="28" height="22" rx="3" fill="none" stroke="#4a5565" stroke-width="2"/><path d="M6 22h9l2 4h6l2-4h9" fill="none" stroke="#4a5565" stroke-width="2"/></svg></span>';
  return tpl.content.firstChild;
}

/** A friendly empty state: an icon, a headline and a sentence saying what to do. */
export function emptyState(title, text, action) {
  return h('div', { class: 'empty' },
    emptyIcon(),
    h('strong', {}, title),
    text ? h('p', {}, text) : null,
    action || null);
}

/** An alert box; errors use role=alert so screen readers announce them. */
export function alertBox(kind, title, detail) {
  return h('div', { class: `alert ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    title ? h('strong', {}, title) : null,
    detail ? h('span', {}, detail) : null);
}

/** An alert for an ApiError (or any error), worded for the user. */
export function errorAlert(err) {
  return alertBox('error', err.title || t('error.generic'), err.detail || null);
}

/** A status badge for a submission or obligation state. */
export function stateBadge(state) {
  const tone = {
    approved: 'ok', issued: 'ok', signed: 'ok', on_time: 'ok', valid: 'ok',
    submitted: 'info', in_review: 'info', signing: 'info', awaiting_approval: 'info', pending: 'info', draft: 'muted', open: 'muted', owed: 'muted',
    returned: 'warn', due_soon: 'warn', withdrawn: 'muted',
    late: 'bad', overdue: 'bad', missing: 'bad', recalled: 'bad', invalid: 'bad', refused: 'bad', failed: 'bad',
  }[state] || 'muted';
  return h('span', { class: `badge ${tone}` }, t(`state.${state}`, {}, state));
}

const TZ = 'Asia/Ho_Chi_Minh';
/** Date and time in the school's time zone, in the current language. */
/** The calendar day of an instant in Vietnam time, as a day number (for counting whole days). */
function vnDay(d) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(d).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day)) / 86_400_000;
}

/** How long is left before a deadline, as people say it: "còn 2 ngày", "hạn chót hôm nay", "quá hạn 3 ngày". */
export function timeLeft(value, now = new Date()) {
  if (!value) return '';
  const due = new Date(value);
  if (Number.isNaN(due.getTime())) return '';
  const days = vnDay(due) - vnDay(now);
  if (due < now) return days === 0 ? t('time.overToday') : t('time.over', { n: -days });
  return days === 0 ? t('time.today') : t('time.left', { n: days });
}

export function fmtDateTime(value) {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(d).map((p) => [p.type, p.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}
export function fmtDate(value) {
  if (!value) return '—';
  const d = new Date(value.length === 10 ? `${value}T12:00:00+07:00` : value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleDateString('en-GB', { timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric' });
}
export function fmtBytes(n) {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Show a short message at the bottom of the screen (announced politely). */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: `toast ${kind}` }, message);
  box.append(el);
  setTimeout(() => el.remove(), 6000);
}

/** Turn a form's named controls into a plain object (strings, trimmed, NFC). */
export function formValues(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) {
    if (typeof v === 'string') out[k] = v.trim().normalize('NFC');
  }
  return out;
}

/** Disable a button while `work` runs, restoring it afterwards. */
export async function busy(button, work) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try { return await work(); } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = label;
  }
}
