/**
 * Inspection findings (kết luận kiểm tra). The inspector's panel of one campaign
 * (/phong/dot-kiem-tra/:campaign/ket-luan): a school of the campaign, its books in the campaign's
 * scope (open one read-only, leave a finding on it), a finding on the school, a teacher or a book
 * and period, and the campaign's findings with their answers and a close button. The school's page
 * (/truong/ket-luan-kiem-tra): its findings, each with an answer form (text and a version to attach
 * as the fix) for the principal or the teacher concerned.
 */
import { h, mount, emptyState, field, fmtDate, fmtDateTime, errorAlert, busy, alertBox, formValues } from '../core/dom.js';
import { api, items, blobUrl } from '../core/api.js';
import { t } from '../core/i18n.js';
import { navigate } from '../core/router.js';
import * as svc from '../services.js';

const SEVERITY_TONE = { info: 'info', minor: 'warn', major: 'bad' };
const STATE_TONE = { open: 'warn', answered: 'info', closed: 'ok' };
/** What was just done, as the address says it (?xong=…), and the message shown for it. */
const DONE = { 'da-ghi': 'finding.opened', 'da-dong': 'finding.closed', 'da-tra-loi': 'finding.answered' };
const doneNotice = (key) => (DONE[key] ? alertBox('ok', t(DONE[key])) : null);

// ---------------------------------------------------------------- API (documents' /findings)
async function listFindings(query) { return items(await api('documents', '/findings', { query })); }
function openFinding(body) { return api('documents', '/findings', { method: 'POST', body }); }
function answerFinding(id, body) { return api('documents', `/findings/${encodeURIComponent(id)}/answer`, { method: 'POST', body }); }
function closeFinding(id, body) { return api('documents', `/findings/${encodeURIComponent(id)}/close`, { method: 'POST', body }); }

/** Open a version read-only in a new tab (inspectors read it under their campaign). */
async function viewVersion(versionId, scope) {
  const href = await blobUrl('documents', `/versions/${encodeURIComponent(versionId)}/content`, scope);
  window.open(href, '_blank', 'noopener');
}

function head(title, intro) {
  return h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, title), intro ? h('p', {}, intro) : null));
}

/** One finding as both sides read it; `actions` are the forms the reader may use on it. */
function findingCard(f, { scope, actions } = {}) {
  const headingId = `fd-${f.id}`;
  return h('article', { class: 'card finding', 'aria-labelledby': headingId },
    h('h3', { id: headingId }, `${f.target_kind_label}: ${f.target_label}`),
    h('p', {},
      h('span', { class: `badge ${SEVERITY_TONE[f.severity] || 'muted'}` }, t(`finding.severity.${f.severity}`)), ' ',
      h('span', { class: `badge ${STATE_TONE[f.state] || 'muted'}` }, t(`finding.state.${f.state}`))),
    h('p', { class: 'finding-text' }, f.text),
    f.requested_fix ? h('p', {}, h('strong', {}, t('finding.requestedFix')), ' ', f.requested_fix) : null,
    h('p', { class: 'meta' }, [
      t('finding.by', { name: f.inspector_name || f.inspector, time: fmtDateTime(f.opened_at) }),
      f.due_on ? t('finding.dueLine', { date: fmtDate(f.due_on) }) : null,
      f.campaign_name,
    ].filter(Boolean).join(' · ')),
    f.answers.length ? h('section', { 'aria-label': t('finding.answers') },
      h('h4', {}, t('finding.answers')),
      h('ol', { class: 'list' }, f.answers.map((a) => h('li', {},
        h('div', { class: 'grow' },
          h('span', { class: 'title' }, a.text),
          h('span', { class: 'meta' }, [t('finding.answeredBy', { name: a.by_name || a.by, time: fmtDateTime(a.at) }),
            a.version_id ? t('finding.attached', { file: a.file_name || a.version_id }) : null].filter(Boolean).join(' · '))),
        a.version_id && scope ? h('button', { type: 'button', class: 'btn secondary', onclick: () => viewVersion(a.version_id, scope) },
          t('finding.viewFix')) : null)))) : null,
    f.state === 'closed' ? h('p', { class: 'meta' }, t('finding.closedBy', {
      name: f.closed_by_name || f.closed_by, time: fmtDateTime(f.closed_at) }), f.close_note ? ` — ${f.close_note}` : '') : null,
    actions || null);
}

// ---------------------------------------------------------------- the inspector's panel of one campaign
function closeForm(f, done) {
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('finding.close'));
  const form = h('form', { class: 'finding-close' },
    field(t(f.state === 'open' ? 'finding.closeNoteRequired' : 'finding.closeNote'),
      h('textarea', { name: 'note', rows: '2', maxlength: '2000', required: f.state === 'open' })),
    out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    busy(btn, async () => { try { await closeFinding(f.id, { note: v.note || null }); done('da-dong'); } catch (err) { mount(out, errorAlert(err)); } });
  });
  return form;
}

function newFindingForm({ campaign, school, docs, teachers, books, preset, done }) {
  const out = h('div', { 'aria-live': 'polite' });
  const select = (name, options, value) => h('select', { name }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
  const kind = select('kind', ['school', 'document', 'teacher', 'book'].map((k) => [k, t(`finding.kind.${k}`)]), preset ? 'document' : 'school');
  const docField = field(t('finding.document'), select('document', docs.map((d) => [d.id, `${d.title} (${d.period})`]), preset));
  const teacherField = field(t('finding.teacher'), select('teacher', [['', t('finding.noTeacher')], ...teachers]));
  const bookField = field(t('finding.book'), select('book', books));
  const periodField = field(t('finding.period'), h('input', { type: 'text', name: 'period', autocomplete: 'off', spellcheck: 'false' }), t('finding.periodHint'));
  const show = () => {
    const k = kind.value;
    docField.hidden = k !== 'document';
    teacherField.hidden = k !== 'teacher' && k !== 'book';
    bookField.hidden = k !== 'book';
    periodField.hidden = k !== 'book';
  };
  kind.addEventListener('change', show);
  const btn = h('button', { type: 'submit', class: 'btn' }, t('finding.submit'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'fd-new' },
    h('h2', { id: 'fd-new' }, t('finding.new')),
    field(t('finding.target'), kind), docField, teacherField, bookField, periodField,
    field(t('finding.severityLabel'), select('severity', ['info', 'minor', 'major'].map((s) => [s, t(`finding.severity.${s}`)]), 'minor')),
    field(t('finding.text'), h('textarea', { name: 'text', rows: '4', required: true, minlength: '3', maxlength: '4000' })),
    field(t('finding.fix'), h('textarea', { name: 'requested_fix', rows: '2', maxlength: '2000' })),
    field(t('finding.due'), h('input', { type: 'date', name: 'due_on' })),
    out, h('div', { class: 'actions' }, btn));
  show();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const target = { kind: v.kind };
    if (v.kind === 'document') target.document = v.document;
    if (v.kind === 'teacher' || (v.kind === 'book' && v.teacher)) target.teacher = v.teacher;
    if (v.kind === 'book') { target.book = v.book; target.period = v.period; }
    const body = { school, campaign, target, severity: v.severity, text: v.text, requested_fix: v.requested_fix || null, due_on: v.due_on || null };
    busy(btn, async () => { try { await openFinding(body); done('da-ghi'); } catch (err) { mount(out, errorAlert(err)); } });
  });
  if (preset) setTimeout(() => form.querySelector('textarea[name=text]').focus(), 0);
  return form;
}

export const campaignFindingsPage = {
  title: 'finding.title',
  roles: ['truong_phong', 'chuyen_vien', 'chuyen_vien_so'],
  async render(el, ctx, user, notice) {
    const campaignId = ctx.params.campaign;
    const [campaigns, schools] = await Promise.all([svc.campaigns(), svc.schools().catch(() => [])]);
    const campaign = campaigns.find((c) => c.id === campaignId);
    if (!campaign) ctx.notFound();
    const names = new Map(schools.map((s) => [s.id, s.name]));
    const school = ctx.query.get('truong') || campaign.schools[0];
    if (!campaign.schools.includes(school)) ctx.notFound();
    const base = `/phong/dot-kiem-tra/${encodeURIComponent(campaignId)}/ket-luan?truong=${encodeURIComponent(school)}`;
    const reload = (msg, doc) => navigate(`${base}${doc ? `&ho-so=${encodeURIComponent(doc)}` : ''}${msg ? `&xong=${encodeURIComponent(msg)}` : ''}`);
    const scope = { campaign: campaignId, school };
    if (!campaign.active) {
      mount(el, head(t('finding.titleOf', { name: campaign.name })), alertBox('info', t('finding.campaignEnded')));
      return;
    }
    const [docs, findings, staff, catalogBooks] = await Promise.all([
      svc.searchDocuments({ ...scope, limit: 200 }).catch(() => []),
      listFindings(scope),
      svc.people(school).catch(() => []),
      svc.catalog((schools.find((s) => s.id === school)?.levels || ['tieu_hoc'])[0]).then((c) => c.books || []).catch(() => []),
    ]);
    const staffNames = new Map(staff.flatMap((p) => [[p.id, p.full_name], [p.username, p.full_name]]));
    const owners = [...new Set(docs.filter((d) => d.owner_kind === 'person').map((d) => d.owner_key))];
    const teachers = owners.map((o) => [o, staffNames.get(o) || o]);
    const books = catalogBooks.filter((b) => !campaign.books.length || campaign.books.includes(b.slug)).map((b) => [b.slug, b.name]);
    const preset = ctx.query.get('ho-so');
    const done = ctx.query.get('xong');
    const schoolPicker = campaign.schools.length > 1 ? h('nav', { class: 'card', 'aria-label': t('finding.schools') },
      h('ul', { class: 'list' }, campaign.schools.map((s) => h('li', {}, s === school ? h('strong', { 'aria-current': 'page' }, names.get(s) || s)
        : h('a', { href: `/phong/dot-kiem-tra/${encodeURIComponent(campaignId)}/ket-luan?truong=${encodeURIComponent(s)}` }, names.get(s) || s))))) : null;
    mount(el,
      head(t('finding.titleOf', { name: campaign.name }), t('finding.intro', { school: names.get(school) || school })),
      h('div', { 'aria-live': 'polite' }, doneNotice(done) || notice || null),
      schoolPicker,
      h('section', { class: 'card', 'aria-labelledby': 'fd-docs' },
        h('h2', { id: 'fd-docs' }, t('finding.docs')),
        docs.length ? h('ul', { class: 'list' }, docs.map((d) => h('li', {},
          h('div', { class: 'grow' }, h('span', { class: 'title' }, d.title || d.book),
            h('span', { class: 'meta' }, [d.period, staffNames.get(d.owner_key) || null].filter(Boolean).join(' · '))),
          d.latest_version_id ? h('button', { type: 'button', class: 'btn secondary', onclick: () => viewVersion(d.record_version_id || d.latest_version_id, scope) }, t('finding.view')) : null,
          h('button', { type: 'button', class: 'btn secondary', onclick: () => reload(null, d.id) }, t('finding.onThis')))))
          : emptyState(t('finding.noDocs'))),
      newFindingForm({ campaign: campaignId, school, docs, teachers, books, preset, done: (msg) => reload(msg) }),
      h('section', { 'aria-labelledby': 'fd-list' },
        h('h2', { id: 'fd-list' }, t('finding.list', { n: findings.length })),
        findings.length ? findings.map((f) => findingCard(f, { scope, actions: f.state === 'closed' ? null : closeForm(f, (msg) => reload(msg)) }))
          : emptyState(t('finding.empty'), t('finding.emptyInspector'))));
  },
};

// ---------------------------------------------------------------- the school's page
function answerForm(f, versions, done) {
  const out = h('div', { 'aria-live': 'polite' });
  const preset = f.target && f.target.document;
  const btn = h('button', { type: 'submit', class: 'btn' }, t(f.state === 'answered' ? 'finding.answerAgain' : 'finding.answer'));
  const form = h('form', { class: 'finding-answer' },
    field(t('finding.answerText'), h('textarea', { name: 'text', rows: '3', required: true, minlength: '3', maxlength: '4000' })),
    field(t('finding.attach'), h('select', { name: 'version_id' },
      h('option', { value: '' }, t('finding.noAttachment')),
      versions.map((d) => h('option', { value: d.latest_version_id, selected: d.id === preset }, `${d.title} (${d.period})`))),
    t('finding.attachHint')),
    out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    busy(btn, async () => { try { await answerFinding(f.id, { text: v.text, version_id: v.version_id || null }); done('da-tra-loi'); } catch (err) { mount(out, errorAlert(err)); } });
  });
  return form;
}

export const schoolFindingsPage = {
  title: 'finding.schoolTitle',
  roles: ['giao_vien', 'tong_phu_trach', 'to_truong', 'to_pho', 'van_thu', 'ke_toan', 'pho_hieu_truong', 'hieu_truong', 'quan_tri'],
  async render(el, ctx, user) {
    const state = ctx.query.get('trang-thai') || '';
    const [findings, docs] = await Promise.all([
      listFindings(state ? { state } : {}),
      svc.searchDocuments({ limit: 200 }).catch(() => []),
    ]);
    const versions = docs.filter((d) => d.latest_version_id);
    const principal = user.roles.has('hieu_truong');
    const mayAnswer = (f) => f.state !== 'closed' && (principal || (f.teacher === user.sub && f.target_kind !== 'school'));
    const done = ctx.query.get('xong');
    const reload = (msg) => navigate(`/truong/ket-luan-kiem-tra?${new URLSearchParams({ ...(state ? { 'trang-thai': state } : {}), xong: msg })}`);
    const filter = h('form', { class: 'card filters', role: 'search', 'aria-label': t('finding.filter') },
      field(t('finding.stateFilter'), h('select', { name: 'state' },
        ['', 'open', 'answered', 'closed'].map((s) => h('option', { value: s, selected: s === state }, s ? t(`finding.state.${s}`) : t('finding.allStates'))))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn secondary' }, t('finding.apply'))));
    filter.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(filter);
      navigate(`/truong/ket-luan-kiem-tra${v.state ? `?trang-thai=${encodeURIComponent(v.state)}` : ''}`);
    });
    mount(el, head(t('finding.schoolTitle'), t('finding.schoolIntro')),
      h('div', { 'aria-live': 'polite' }, doneNotice(done)),
      filter,
      h('section', { 'aria-labelledby': 'fd-school-list' },
        h('h2', { id: 'fd-school-list' }, t('finding.list', { n: findings.length })),
        findings.length ? findings.map((f) => findingCard(f, { scope: {}, actions: mayAnswer(f) ? answerForm(f, versions, reload) : null }))
          : emptyState(t('finding.empty'), t('finding.emptySchool'))));
  },
};
