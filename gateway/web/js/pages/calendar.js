/**
 * The school-year calendar (/lich-nam-hoc): a month view people read, with the district's frame (opening,
 * end of semester I, closing, holidays, named points) and the school's events, each by its name and with
 * week numbers; dates are written dd/mm/yyyy. The principal adds or removes the school's events
 * (approvals' PUT /calendar/<year>/events); district staff read their frame and publish it again
 * (GET and PUT /calendar/frames/<year>). A refusal shows the API's own words.
 */
import { h, mount, emptyState, field, errorAlert, busy, alertBox, formValues } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { ApiError } from '../core/api.js';
import { navigate } from '../core/router.js';
import * as svc from '../services.js';

const DISTRICT = ['truong_phong', 'chuyen_vien', 'chuyen_vien_so'];
const FIXED_POINTS = { khai_giang: 'opening_day', ket_thuc_hk1: 'semester_1_end', ket_thuc_nam_hoc: 'closing_day' };

/** 'yyyy-mm-dd' → 'dd/mm/yyyy'. */
function dmy(iso) {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** 'dd/mm/yyyy' (or d/m/yyyy) → 'yyyy-mm-dd', or null when it is not a day of the calendar. */
function isoOf(text) {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec((text || '').trim());
  if (!m) return null;
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

/** What was just done, said once on the page the change leads to. */
let flash = null;

const dayMs = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const msOf = (iso) => Date.parse(`${iso}T00:00:00Z`);

/** Everything that marks a day: [{name, kind: point|event|holiday}] by 'yyyy-mm-dd'. */
function marksByDay(cal) {
  const marks = new Map();
  const add = (iso, name, kind) => { if (!marks.has(iso)) marks.set(iso, []); marks.get(iso).push({ name, kind }); };
  for (const [slug, key] of Object.entries(FIXED_POINTS)) add(cal[key], cal.names[slug] || slug, 'point');
  for (const [slug, day] of Object.entries(cal.points)) add(day, cal.names[slug] || slug, 'point');
  for (const [slug, day] of Object.entries(cal.events)) add(day, cal.names[slug] || slug, 'event');
  for (const hol of cal.holidays) {
    for (let ms = msOf(hol.first_day); ms <= msOf(hol.last_day); ms += dayMs) add(isoDay(ms), hol.name, 'holiday');
  }
  return marks;
}

/** The months of the school year from the opening's month to the closing's, as 'yyyy-mm'. */
function monthsOf(cal) {
  const out = [];
  let [y, m] = cal.opening_day.split('-').map(Number);
  const [ey, em] = cal.closing_day.split('-').map(Number);
  while (y < ey || (y === ey && m <= em)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
  return out;
}

function monthName(ym) {
  const [y, m] = ym.split('-');
  return t('schoolpages.calendar.month', { m: Number(m), y });
}

function monthGrid(cal, ym, marks) {
  const weekOf = new Map(cal.weeks.map((w) => [w.monday, w.number]));
  const first = msOf(`${ym}-01`);
  const start = first - (((new Date(first).getUTCDay() + 6) % 7) * dayMs);
  const rows = [];
  for (let monday = start; isoDay(monday).slice(0, 7) <= ym; monday += 7 * dayMs) {
    const week = weekOf.get(isoDay(monday));
    const cells = [];
    for (let i = 0; i < 7; i += 1) {
      const iso = isoDay(monday + i * dayMs);
      const inMonth = iso.slice(0, 7) === ym;
      const here = inMonth ? marks.get(iso) || [] : [];
      cells.push(h('td', { class: ['cal-day', inMonth ? null : 'cal-out', ...new Set(here.map((x) => `cal-${x.kind}`))].filter(Boolean).join(' '), dataset: { day: iso } },
        inMonth ? h('span', { class: 'cal-num' }, String(Number(iso.slice(8)))) : null,
        here.map((x) => h('span', { class: 'cal-name' }, x.name))));
    }
    rows.push(h('tr', {}, h('th', { scope: 'row', class: 'cal-week' }, week ? t('schoolpages.calendar.weekShort', { n: week }) : ''), cells));
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'cal-grid' },
    h('caption', { class: 'visually-hidden' }, monthName(ym)),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, h('abbr', { title: t('schoolpages.calendar.week') }, t('schoolpages.calendar.weekCol'))),
      [0, 1, 2, 3, 4, 5, 6].map((d) => h('th', { scope: 'col' }, h('abbr', { title: t(`weekday.${d}`) }, t(`schoolpages.calendar.wd.${d}`)))))),
    h('tbody', {}, rows)));
}

/** What the month holds, in words: each named day, and each holiday once with its first and last day. */
function monthList(cal, ym, marks) {
  const days = [...marks.keys()].filter((iso) => iso.slice(0, 7) === ym).sort();
  const rows = days.map((iso) => [iso, dmy(iso), marks.get(iso).filter((x) => x.kind !== 'holiday').map((x) => x.name)])
    .filter(([, , names]) => names.length);
  for (const hol of cal.holidays) {
    if (hol.first_day.slice(0, 7) > ym || hol.last_day.slice(0, 7) < ym) continue;
    const span = hol.first_day === hol.last_day ? dmy(hol.first_day) : `${dmy(hol.first_day)} – ${dmy(hol.last_day)}`;
    rows.push([hol.first_day, span, [hol.name]]);
  }
  if (!rows.length) return h('p', { class: 'meta' }, t('schoolpages.calendar.nothing'));
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return h('ul', { class: 'list cal-list' }, rows.map(([iso, when, names]) => h('li', { dataset: { day: iso } },
    h('span', { class: 'cal-date' }, when), h('span', { class: 'grow' }, names.join('; ')))));
}

/** The principal's editor of the school's events: the list with a remove button, and a form to add one. */
function eventsEditor(cal, year, done) {
  const out = h('div', { 'aria-live': 'polite' });
  const frameSlugs = new Set([...Object.keys(FIXED_POINTS), ...Object.keys(cal.points)]);
  const known = Object.entries(cal.names).filter(([slug]) => !frameSlugs.has(slug) && !(slug in cal.events));
  const save = async (events, message, day) => {
    try { await svc.setSchoolEvents(year, events); done(message, day); } catch (err) { mount(out, errorAlert(err)); }
  };
  const which = h('select', { name: 'which' },
    known.map(([slug, name]) => h('option', { value: slug }, name)),
    h('option', { value: '' }, t('schoolpages.calendar.other')));
  const nameField = field(t('schoolpages.calendar.name'), h('input', { type: 'text', name: 'name', maxlength: '120', autocomplete: 'off' }));
  const showName = () => { nameField.hidden = which.value !== ''; };
  which.addEventListener('change', showName);
  showName();
  const btn = h('button', { type: 'submit', class: 'btn' }, t('schoolpages.calendar.add'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'cal-add' },
    h('h2', { id: 'cal-add' }, t('schoolpages.calendar.addTitle')),
    field(t('schoolpages.calendar.event'), which), nameField,
    field(t('schoolpages.calendar.date'), h('input', { type: 'text', name: 'day', inputmode: 'numeric', autocomplete: 'off', placeholder: 'dd/mm/yyyy', required: true }),
      t('schoolpages.calendar.dateHint')),
    out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const slug = v.which || v.name;
    const day = isoOf(v.day);
    if (!slug) { mount(out, alertBox('error', t('schoolpages.calendar.needName'))); return; }
    if (!day) { mount(out, alertBox('error', t('schoolpages.calendar.badDate', { text: v.day }))); return; }
    busy(btn, () => save({ ...cal.events, [slug]: day }, t('schoolpages.calendar.added', { name: cal.names[slug] || slug, date: dmy(day) }), day));
  });
  const own = Object.entries(cal.events).sort((a, b) => (a[1] < b[1] ? -1 : 1));
  return h('div', {},
    h('section', { class: 'card', 'aria-labelledby': 'cal-own' },
      h('h2', { id: 'cal-own' }, t('schoolpages.calendar.own')),
      own.length ? h('ul', { class: 'list' }, own.map(([slug, day]) => {
        const name = cal.names[slug] || slug;
        const remove = h('button', { type: 'button', class: 'btn secondary' }, t('schoolpages.calendar.remove'));
        remove.setAttribute('aria-label', t('schoolpages.calendar.removeNamed', { name }));
        remove.addEventListener('click', () => {
          const rest = { ...cal.events };
          delete rest[slug];
          busy(remove, () => save(rest, t('schoolpages.calendar.removed', { name })));
        });
        return h('li', {}, h('span', { class: 'cal-date' }, dmy(day)), h('span', { class: 'grow' }, name), remove);
      })) : emptyState(t('schoolpages.calendar.noOwn'))),
    form);
}

/** District staff publish the frame again: its three dates, tuần 1, the named points and the holidays. */
function frameEditor(cal, year, done) {
  const out = h('div', { 'aria-live': 'polite' });
  const dateInput = (name, iso, required = true) => h('input', { type: 'text', name, value: iso ? dmy(iso) : '', inputmode: 'numeric', autocomplete: 'off', placeholder: 'dd/mm/yyyy', required });
  const holidayRows = [...(cal ? cal.holidays : []), { name: '', first_day: '', last_day: '' }].map((hol, i) => h('fieldset', { class: 'cal-holiday' },
    h('legend', {}, hol.name ? hol.name : t('schoolpages.frame.newHoliday')),
    h('div', { class: 'row' },
      field(t('schoolpages.frame.holidayName'), h('input', { type: 'text', name: `h${i}.name`, value: hol.name, maxlength: '200' })),
      field(t('schoolpages.frame.from'), dateInput(`h${i}.first`, hol.first_day, false)),
      field(t('schoolpages.frame.to'), dateInput(`h${i}.last`, hol.last_day, false)))));
  const points = cal ? Object.entries(cal.points) : [['giua_hk1', ''], ['giua_hk2', '']];
  const btn = h('button', { type: 'submit', class: 'btn' }, t('schoolpages.frame.publish'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'frame-title' },
    h('h2', { id: 'frame-title' }, t('schoolpages.frame.title', { year })),
    h('p', { class: 'meta' }, t('schoolpages.frame.intro')),
    h('div', { class: 'row' },
      field(t('schoolpages.frame.opening'), dateInput('opening_day', cal && cal.opening_day)),
      field(t('schoolpages.frame.semester1'), dateInput('semester_1_end', cal && cal.semester_1_end)),
      field(t('schoolpages.frame.closing'), dateInput('closing_day', cal && cal.closing_day)),
      field(t('schoolpages.frame.week1'), dateInput('first_teaching_week', cal && cal.first_teaching_week, false), t('schoolpages.frame.week1Hint'))),
    h('div', { class: 'row' }, points.map(([slug, day]) => field(cal && cal.names[slug] ? cal.names[slug] : t(`schoolpages.frame.point.${slug}`, {}, slug), dateInput(`p.${slug}`, day, false)))),
    holidayRows, out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const bad = Object.entries(v).find(([k, text]) => text && !k.endsWith('.name') && !isoOf(text));
    if (bad) { mount(out, alertBox('error', t('schoolpages.calendar.badDate', { text: bad[1] }))); return; }
    const body = {
      opening_day: isoOf(v.opening_day), semester_1_end: isoOf(v.semester_1_end), closing_day: isoOf(v.closing_day),
      first_teaching_week: v.first_teaching_week ? isoOf(v.first_teaching_week) : null,
      points: Object.fromEntries(points.map(([slug]) => [slug, isoOf(v[`p.${slug}`])]).filter(([, day]) => day)),
      holidays: holidayRows.map((_, i) => ({ name: v[`h${i}.name`], first_day: isoOf(v[`h${i}.first`]), last_day: isoOf(v[`h${i}.last`]) }))
        .filter((x) => x.name && x.first_day && x.last_day),
    };
    busy(btn, async () => {
      try { await svc.publishFrame(year, body); done(t('schoolpages.frame.published', { year })); } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

async function readCalendar(district, year) {
  try {
    return { cal: await (district ? svc.districtFrame(year) : svc.schoolCalendar(year)) };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { cal: null, missing: err };
    throw err;
  }
}

export const calendarPage = {
  title: 'schoolpages.calendar.title',
  roles: ['giao_vien', 'tong_phu_trach', 'to_truong', 'to_pho', 'van_thu', 'ke_toan', 'pho_hieu_truong', 'hieu_truong', 'quan_tri', ...DISTRICT],
  async render(el, ctx, user) {
    const year = ctx.query.get('nam') || svc.schoolYearOf();
    const district = !user.tenant && DISTRICT.some((r) => user.roles.has(r));
    const { cal, missing } = await readCalendar(district, year);
    const go = ({ xong, ...params }) => { flash = xong || null; return navigate(`/lich-nam-hoc?${new URLSearchParams({ nam: year, ...params })}`); };
    const doneNotice = flash;
    flash = null;
    const headEl = h('div', { class: 'page-head' }, h('div', {},
      h('h1', {}, t('schoolpages.calendar.titleOf', { year })),
      h('p', {}, t(district ? 'schoolpages.calendar.introDistrict' : 'schoolpages.calendar.intro'))));
    const notice = h('div', { id: 'cal-out', 'aria-live': 'polite' }, doneNotice ? alertBox('ok', doneNotice) : null);
    const mayPublish = district;
    if (!cal) {
      mount(el, headEl, notice, alertBox('info', missing.detail || missing.title),
        mayPublish ? frameEditor(null, year, (msg) => go({ xong: msg })) : null);
      return;
    }
    const months = monthsOf(cal);
    const todayMonth = new Date().toISOString().slice(0, 7);
    const wanted = ctx.query.get('thang');
    const ym = months.includes(wanted) ? wanted : (months.includes(todayMonth) ? todayMonth : months[0]);
    const at = months.indexOf(ym);
    const marks = marksByDay(cal);
    const monthNav = h('nav', { class: 'cal-nav', 'aria-label': t('schoolpages.calendar.months') },
      at > 0 ? h('a', { class: 'btn secondary', href: `/lich-nam-hoc?nam=${year}&thang=${months[at - 1]}` }, `‹ ${monthName(months[at - 1])}`) : null,
      h('label', { class: 'cal-pick' }, h('span', { class: 'visually-hidden' }, t('schoolpages.calendar.pick')),
        h('select', { onchange: (ev) => go({ thang: ev.target.value }) }, months.map((m) => h('option', { value: m, selected: m === ym }, monthName(m))))),
      at < months.length - 1 ? h('a', { class: 'btn secondary', href: `/lich-nam-hoc?nam=${year}&thang=${months[at + 1]}` }, `${monthName(months[at + 1])} ›`) : null);
    mount(el, headEl, notice,
      h('section', { class: 'card', 'aria-labelledby': 'cal-frame' },
        h('h2', { id: 'cal-frame' }, t('schoolpages.calendar.frame')),
        h('dl', { class: 'kv' },
          h('dt', {}, cal.names.khai_giang), h('dd', {}, dmy(cal.opening_day)),
          h('dt', {}, t('schoolpages.calendar.week1')), h('dd', {}, dmy(cal.first_teaching_week)),
          h('dt', {}, cal.names.ket_thuc_hk1), h('dd', {}, dmy(cal.semester_1_end)),
          h('dt', {}, cal.names.ket_thuc_nam_hoc), h('dd', {}, dmy(cal.closing_day)))),
      h('section', { class: 'card', 'aria-labelledby': 'cal-month' },
        h('h2', { id: 'cal-month' }, monthName(ym)),
        monthNav, monthGrid(cal, ym, marks),
        h('h3', {}, t('schoolpages.calendar.inMonth')), monthList(cal, ym, marks),
        h('p', { class: 'cal-legend meta' },
          h('span', { class: 'cal-key cal-point' }, t('schoolpages.calendar.legend.point')),
          h('span', { class: 'cal-key cal-event' }, t('schoolpages.calendar.legend.event')),
          h('span', { class: 'cal-key cal-holiday' }, t('schoolpages.calendar.legend.holiday')))),
      !district && user.roles.has('hieu_truong') ? eventsEditor(cal, year, (msg, day) => go({ thang: day ? day.slice(0, 7) : ym, xong: msg })) : null,
      mayPublish ? h('details', { class: 'card' }, h('summary', { class: 'btn secondary' }, t('schoolpages.frame.change')),
        frameEditor(cal, year, (msg) => go({ thang: ym, xong: msg }))) : null);
  },
};
