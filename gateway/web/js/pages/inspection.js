/**
 * Inspection (đợt kiểm tra): the oversight inspector opens a campaign — schools, book types, school
 * year, team, window — and sees each campaign's scope and window; the school's leadership sees
 * "Ai đã xem hồ sơ của trường": every cross-school read of its records (documents and approvals,
 * merged), with filters and a CSV export of what is shown (and Excel workbooks of the same rows, one
 * per service). A running campaign's team, head (trưởng đoàn) and end can be changed, and it can be
 * ended early ("Kết thúc sớm", after a confirmation).
 */
import { h, mount, emptyState, field, fmtDateTime, errorAlert, busy, alertBox, formValues } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { navigate } from '../core/router.js';
import * as svc from '../services.js';
import { recordSection } from './inspection-record.js';

function head(titleKey, introKey) {
  return h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t(titleKey)), introKey ? h('p', {}, t(introKey)) : null));
}

function tableWrap(headers, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('app.scrollTable') },
    h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows)));
}

/** The book types of the levels the unit's schools teach: [{slug, name}], each once. */
async function booksOf(schools) {
  const levels = [...new Set(schools.flatMap((s) => s.levels || []))];
  const catalogs = await Promise.all(levels.map((l) => svc.catalog(l).catch(() => ({ books: [] }))));
  const seen = new Map();
  for (const c of catalogs) for (const b of c.books || []) if (!seen.has(b.slug)) seen.set(b.slug, b.name);
  return [...seen.entries()].map(([slug, name]) => ({ slug, name }));
}

// ---------------------------------------------------------------- campaigns (inspectors)
const dateOf = (iso) => new Date(new Date(iso).getTime() + 7 * 3600 * 1000).toISOString().slice(0, 10); // Vietnam date
const teamText = (c) => (c.members || c.team.map((p) => ({ person: p, full_name: p })))
  .map((m) => (m.person === c.head ? t('campaign.headMark', { name: m.full_name }) : m.full_name)).join(', ');

/** The change form of a running campaign: team (accounts), head among them, end date. */
function changeForm(c, done) {
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('campaign.save'));
  const headSelect = h('select', { name: 'head' }, (c.members || []).map((m) => h('option', { value: m.person, selected: m.person === c.head }, `${m.full_name} (${m.person})`)));
  const form = h('form', { class: 'subform', 'aria-label': t('campaign.editOf', { name: c.name }) },
    h('div', { class: 'row' },
      field(t('campaign.team'), h('input', { type: 'text', name: 'team', value: c.team.join(', '), autocomplete: 'off', spellcheck: 'false' }), t('campaign.teamEditHint')),
      field(t('campaign.head'), headSelect, t('campaign.headHint')),
      field(t('campaign.until'), h('input', { type: 'date', name: 'ends_on', value: dateOf(c.until), required: true }), t('campaign.untilHint'))),
    out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const team = (v.team || '').split(',').map((x) => x.trim()).filter(Boolean);
    const body = { team, until: new Date(`${v.ends_on}T23:59:59+07:00`).toISOString() };
    if (!team.length || !team.includes(v.head)) { mount(out, alertBox('error', t('campaign.headNeeded'))); return; }
    body.head = v.head;
    busy(btn, async () => { try { await svc.changeCampaign(c.id, body); done(t('campaign.changed')); } catch (err) { mount(out, errorAlert(err)); } });
  });
  return form;
}

/** "Kết thúc sớm" with its confirmation step. */
function closeControl(c, done) {
  const box = h('div', { class: 'actions' });
  const ask = h('button', { type: 'button', class: 'btn danger' }, t('campaign.close'));
  const confirmPanel = () => {
    const out = h('div', { 'aria-live': 'polite' });
    const yes = h('button', { type: 'button', class: 'btn danger' }, t('campaign.closeConfirm'));
    const no = h('button', { type: 'button', class: 'btn secondary', onclick: () => mount(box, ask) }, t('campaign.closeCancel'));
    yes.addEventListener('click', () => busy(yes, async () => {
      try { await svc.closeCampaign(c.id); done(t('campaign.closed')); } catch (err) { mount(out, errorAlert(err)); }
    }));
    mount(box, h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': t('campaign.close') },
      h('p', {}, t('campaign.closeQuestion', { name: c.name })), out, h('div', { class: 'actions' }, yes, no)));
    yes.focus();
  };
  ask.addEventListener('click', confirmPanel);
  mount(box, ask);
  return box;
}

function campaignItem(c, schoolNames, bookNames, user, reload) {
  const editArea = h('div', {});
  const edit = h('button', { type: 'button', class: 'btn secondary', 'aria-expanded': 'false' }, t('campaign.edit'));
  edit.addEventListener('click', () => {
    const open = edit.getAttribute('aria-expanded') === 'true';
    edit.setAttribute('aria-expanded', String(!open));
    mount(editArea, open ? null : changeForm(c, reload));
  });
  const state = c.closed_at ? 'campaign.closedEarly' : c.active ? 'campaign.active' : 'campaign.ended';
  return h('li', {},
    h('div', { class: 'grow' },
      h('span', { class: 'title' }, c.name),
      h('span', { class: 'meta' }, t('campaign.window', { from: fmtDateTime(c.starts_at), until: fmtDateTime(c.until) })),
      c.closed_at ? h('div', { class: 'meta' }, t('campaign.closedAt', { at: fmtDateTime(c.closed_at) })) : null,
      h('div', { class: 'meta' }, t('campaign.scopeSchools', { schools: c.schools.map((s) => schoolNames.get(s) || s).join(', ') })),
      h('div', { class: 'meta' }, t('campaign.scopeBooks', { books: c.books.length ? c.books.map((b) => bookNames.get(b) || b).join(', ') : t('campaign.allBooks') })),
      h('div', { class: 'meta' }, t('campaign.scopeYear', { year: c.school_year || t('campaign.allYears') })),
      h('div', { class: 'meta' }, t('campaign.headLine', { name: c.head_name || c.head })),
      h('div', { class: 'meta' }, t('campaign.teamLine', { team: teamText(c) })),
      recordSection(c, schoolNames, user),
      c.active ? h('div', { class: 'actions' },
        h('a', { class: 'btn secondary', href: `/phong/dot-kiem-tra/${encodeURIComponent(c.id)}/ket-luan` }, t('finding.open')),
        edit, closeControl(c, reload)) : null,
      editArea),
    h('span', { class: `badge ${c.active ? 'ok' : 'muted'}` }, t(state)));
}

export const campaignsPage = {
  title: 'campaign.title',
  roles: ['truong_phong', 'chuyen_vien', 'chuyen_vien_so'],
  async render(el, ctx, user, notice) {
    const [list, schools] = await Promise.all([svc.campaigns(), svc.schools().catch(() => [])]);
    const books = await booksOf(schools);
    const schoolNames = new Map(schools.map((s) => [s.id, s.name]));
    const bookNames = new Map(books.map((b) => [b.slug, b.name]));
    const reload = (msg) => this.render(el, ctx, user, msg ? alertBox('ok', msg) : null);
    const out = h('div', { 'aria-live': 'polite' });
    const pick = (name, options) => h('fieldset', { class: 'checks' }, h('legend', {}, t(`campaign.${name}`)),
      options.map(([value, label]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value }), ' ', label)));
    const schoolBox = pick('schools', schools.map((s) => [s.id, s.name]));
    const bookBox = pick('books', books.map((b) => [b.slug, b.name]));
    const today = new Date().toISOString().slice(0, 10);
    const btn = h('button', { type: 'submit', class: 'btn' }, t('campaign.open'));
    const form = h('form', { class: 'card', 'aria-labelledby': 'cp-new' },
      h('h2', { id: 'cp-new' }, t('campaign.new')),
      field(t('campaign.name'), h('input', { type: 'text', name: 'name', required: true, maxlength: '300' })),
      schoolBox, bookBox, h('p', { class: 'meta' }, t('campaign.booksHint')),
      h('div', { class: 'row' },
        field(t('campaign.year'), h('input', { type: 'text', name: 'school_year', value: svc.schoolYearOf(), pattern: '\\d{4}-\\d{4}' }), t('campaign.yearHint')),
        field(t('campaign.team'), h('input', { type: 'text', name: 'team', autocomplete: 'off', spellcheck: 'false' }), t('campaign.teamHint'))),
      h('div', { class: 'row' },
        field(t('campaign.from'), h('input', { type: 'date', name: 'starts_on', value: today, required: true })),
        field(t('campaign.until'), h('input', { type: 'date', name: 'ends_on', required: true }))),
      out, h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
      const body = {
        name: (v.name || '').normalize('NFC'), schools: checked('schools'), books: checked('books'),
        school_year: v.school_year || null,
        team: (v.team || '').split(',').map((x) => x.trim()).filter(Boolean),
        starts_at: new Date(`${v.starts_on}T00:00:00+07:00`).toISOString(),
        until: new Date(`${v.ends_on}T23:59:59+07:00`).toISOString(),
      };
      if (!body.schools.length || !v.ends_on) { mount(out, alertBox('error', t('campaign.needFields'))); return; }
      busy(btn, async () => { try { await svc.openCampaign(body); reload(t('campaign.opened')); } catch (err) { mount(out, errorAlert(err)); } });
    });
    mount(el, head('campaign.title', 'campaign.intro'), h('div', { 'aria-live': 'polite' }, notice || null), form,
      h('section', { class: 'card', 'aria-labelledby': 'cp-list' },
        h('h2', { id: 'cp-list' }, t('campaign.list')),
        list.length ? h('ul', { class: 'list' }, list.map((c) => campaignItem(c, schoolNames, bookNames, user, reload)))
          : emptyState(t('campaign.empty'), t('campaign.emptyText'))));
  },
};

// ---------------------------------------------------------------- who read the school's records
const CSV_HEADERS = ['at', 'person', 'account', 'unit', 'object', 'objectId', 'basis', 'campaign', 'reason'];

function csvCell(value) {
  const s = String(value ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function basisText(r) { return r.basis === 'campaign' ? t('reads.byCampaign', { campaign: r.campaign }) : t('reads.standing'); }

async function downloadXlsx(filters) {
  for (const { url, name } of await svc.schoolReadsXlsx(filters)) {
    const a = h('a', { href: url, download: name });
    document.body.append(a); a.click(); a.remove();
  }
}

function downloadCsv(rows) {
  const lines = [CSV_HEADERS.map((k) => t(`reads.col.${k}`))].concat(rows.map((r) => [
    r.at, r.person_name, r.person, r.unit, r.what_label, r.object, basisText(r), r.campaign, r.reason]));
  const text = '\ufeff' + lines.map((l) => l.map(csvCell).join(',')).join('\r\n');
  const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' })), download: 'ai-da-xem-ho-so.csv' });
  document.body.append(a); a.click(); a.remove();
}

const QUERY_KEYS = { person: 'nguoi', unit: 'donvi', campaign: 'dot', since: 'tu', until: 'den' };

export const readLogPage = {
  title: 'reads.title',
  roles: ['hieu_truong', 'pho_hieu_truong', 'quan_tri'],
  async render(el, ctx, user) {
    // The filters live in the address (Vietnamese keys), so a filtered view can be bookmarked.
    const q = Object.fromEntries(Object.entries(QUERY_KEYS).map(([name, key]) => [name, ctx.query.get(key) || '']));
    const filters = Object.fromEntries(Object.entries(q).filter(([, v]) => v));
    const rows = await svc.schoolReads(filters);
    const input = (name, type = 'text') => h('input', { type, name, value: q[name], autocomplete: 'off' });
    const xlsxBtn = h('button', { type: 'button', class: 'btn secondary', disabled: !rows.length }, t('reads.exportXlsx'));
    xlsxBtn.addEventListener('click', () => busy(xlsxBtn, () => downloadXlsx(filters)));
    const form = h('form', { class: 'card filters', role: 'search', 'aria-label': t('reads.filters') },
      h('div', { class: 'row' }, field(t('reads.person'), input('person')), field(t('reads.unit'), input('unit')), field(t('reads.campaign'), input('campaign'))),
      h('div', { class: 'row' }, field(t('reads.since'), input('since', 'date')), field(t('reads.until'), input('until', 'date'))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('reads.apply')),
        h('button', { type: 'button', class: 'btn secondary', disabled: !rows.length, onclick: () => downloadCsv(rows) }, t('reads.export')),
        xlsxBtn));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = Object.entries(formValues(form)).filter(([, x]) => x).map(([name, x]) => [QUERY_KEYS[name], x.trim()]);
      navigate(`/truong/ai-da-xem${v.length ? `?${new URLSearchParams(v)}` : ''}`);
    });
    mount(el, head('reads.title', 'reads.intro'), form,
      h('section', { class: 'card', 'aria-labelledby': 'rl-list' }, h('h2', { id: 'rl-list' }, t('reads.count', { n: rows.length })),
        rows.length ? tableWrap(CSV_HEADERS.slice(0, 7).map((k) => t(`reads.col.${k}`)), rows.map((r) => h('tr', {},
          h('td', {}, fmtDateTime(r.at)), h('td', {}, r.person_name), h('td', {}, r.person), h('td', {}, r.unit || ''),
          h('td', {}, r.what_label), h('td', {}, r.object || ''), h('td', {}, basisText(r)))))
          : emptyState(t('reads.empty'), t('reads.emptyText'))));
  },
};
