/**
 * Biên bản sửa dữ liệu (001 Điều 11.3; 004 Điều 7.5), on approvals' corrections API.
 * /truong/sua-du-lieu: the school's corrections (leaders and the quản trị: all; others: the ones they asked for).
 * /truong/sua-du-lieu/moi: ask for one on an approved, signed or issued record of mine (or one the school
 * issued, for its leaders): the corrected file is uploaded into the record's own book and period, then
 * named in the request with the reason. /truong/sua-du-lieu/<id>: its state and trail; the principal
 * consents or refuses; then the three witnesses the rule names — the principal, the school's quản trị and
 * the requester — each confirm in their own session, and the last confirmation applies the new version.
 * Witnesses are fixed by the rule (the API takes none), so the page names them instead of asking.
 */
import { h, mount, emptyState, field, fmtDateTime, errorAlert, busy, alertBox, formValues } from '../core/dom.js';
import { t, roleName } from '../core/i18n.js';
import { navigate } from '../core/router.js';
import { dropzone, progressBar } from '../core/dropzone.js';
import { resumableUpload } from '../core/resumable.js';
import { namesOf, subjectOf } from '../core/names.js';
import * as svc from '../services.js';

const CORRECTABLE = new Set(['approved', 'signing', 'signed', 'issued']);
const LEADERS = ['hieu_truong', 'pho_hieu_truong'];
const READERS = ['hieu_truong', 'pho_hieu_truong', 'quan_tri'];
const TONE = { requested: 'info', consented: 'warn', refused: 'bad', applied: 'ok' };
const LIST = '/truong/sua-du-lieu';

let flash = null;
const say = (message, path) => { flash = message; return navigate(path); };
const takeFlash = () => { const m = flash; flash = null; return m ? alertBox('ok', m) : null; };

function badge(state) {
  return h('span', { class: `badge ${TONE[state] || 'muted'}` }, t(`schoolpages.corrections.state.${state}`, {}, state));
}

function head(title, intro) {
  return h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, title), intro ? h('p', {}, intro) : null));
}

/** What the rule asks, said once on each page. */
function ruleNote() {
  return h('p', { class: 'correction-rule' }, t('schoolpages.corrections.rule'));
}

// ---------------------------------------------------------------- the list
export const correctionsPage = {
  title: 'schoolpages.corrections.title',
  roles: ['giao_vien', 'tong_phu_trach', 'to_truong', 'to_pho', 'van_thu', 'ke_toan', 'pho_hieu_truong', 'hieu_truong', 'quan_tri'],
  async render(el, ctx, user) {
    const [list, names] = await Promise.all([svc.corrections(), namesOf(user.tenant, user)]);
    const everyone = READERS.some((r) => user.roles.has(r));
    mount(el,
      head(t('schoolpages.corrections.title'), t(everyone ? 'schoolpages.corrections.introAll' : 'schoolpages.corrections.introMine')),
      h('div', { 'aria-live': 'polite' }, takeFlash()),
      ruleNote(),
      h('div', { class: 'actions' }, h('a', { class: 'btn', href: `${LIST}/moi` }, t('schoolpages.corrections.new'))),
      h('section', { class: 'card', 'aria-labelledby': 'corr-list' },
        h('h2', { id: 'corr-list' }, t('schoolpages.corrections.list', { n: list.length })),
        list.length ? h('ul', { class: 'list' }, list.map((c) => h('li', { dataset: { correction: c.id } },
          h('div', { class: 'grow' },
            h('a', { class: 'title tap', href: `${LIST}/${encodeURIComponent(c.id)}` }, c.title),
            h('span', { class: 'meta' }, [t('schoolpages.corrections.askedBy', { name: names.get(c.requester) || t('schoolpages.corrections.someone') }),
              fmtDateTime(c.created_at), c.reason].join(' · '))),
          badge(c.state))))
          : emptyState(t('schoolpages.corrections.empty'), t('schoolpages.corrections.emptyText'))));
  },
};

// ---------------------------------------------------------------- a new request
/** The records I may ask to correct: my own approved or signed ones; for leaders, also what the school issued. */
async function correctable(user) {
  const [mine, issued] = await Promise.all([
    svc.mySubmissions(),
    LEADERS.some((r) => user.roles.has(r)) ? svc.issuedList().catch(() => []) : [],
  ]);
  const byId = new Map([...mine, ...issued].filter((s) => CORRECTABLE.has(s.state)).map((s) => [s.id, s]));
  return [...byId.values()];
}

/** The principal's name, from the school's directory entry (null when it cannot be read). */
async function principalName(user, names) {
  const school = await svc.school(user.tenant).catch(() => null);
  return school && school.principal_id ? names.get(school.principal_id) || null : null;
}

function witnessPreview(principal, me) {
  return h('section', { class: 'card', 'aria-labelledby': 'corr-witnesses' },
    h('h2', { id: 'corr-witnesses' }, t('schoolpages.corrections.witnesses')),
    h('ol', { class: 'witnesses' },
      h('li', {}, h('strong', {}, roleName('hieu_truong')), ' — ', principal || t('schoolpages.corrections.principalOfSchool')),
      h('li', {}, h('strong', {}, t('schoolpages.corrections.role.quan_tri')), ' — ', t('schoolpages.corrections.anyAdmin')),
      h('li', {}, h('strong', {}, t('schoolpages.corrections.role.requester')), ' — ', t('schoolpages.corrections.you', { name: me }))));
}

export const newCorrectionPage = {
  title: 'schoolpages.corrections.newTitle',
  roles: correctionsPage.roles,
  async render(el, ctx, user) {
    const [subs, names] = await Promise.all([correctable(user), namesOf(user.tenant, user)]);
    const principal = await principalName(user, names);
    const preset = ctx.query.get('bai-nop');
    if (!subs.length) {
      mount(el, head(t('schoolpages.corrections.newTitle')), ruleNote(),
        emptyState(t('schoolpages.corrections.nothing'), t('schoolpages.corrections.nothingText'),
          h('a', { class: 'btn secondary', href: LIST }, t('schoolpages.corrections.back'))));
      return;
    }
    const out = h('div', { 'aria-live': 'polite' });
    const picker = h('select', { name: 'submission', required: true }, subs.map((s) => h('option', { value: s.id, selected: s.id === preset },
      `${subjectOf(s)} — ${s.period_label || ''} (${t(`state.${s.state}`, {}, s.state)})`)));
    const file = dropzone({ label: t('schoolpages.corrections.chooseFile'), hint: t('schoolpages.corrections.fileHint'), required: true });
    const bar = progressBar(t('schoolpages.corrections.uploading'));
    const btn = h('button', { type: 'submit', class: 'btn' }, t('schoolpages.corrections.send'));
    const form = h('form', { class: 'card', 'aria-labelledby': 'corr-form' },
      h('h2', { id: 'corr-form' }, t('schoolpages.corrections.what')),
      field(t('schoolpages.corrections.record'), picker),
      field(t('schoolpages.corrections.reason'), h('textarea', { name: 'reason', rows: '3', required: true, maxlength: '5000' }), t('schoolpages.corrections.reasonHint')),
      h('div', { class: 'field' }, h('span', { class: 'label' }, t('schoolpages.corrections.newFile')), file.el),
      bar.el, out, h('div', { class: 'actions' }, btn, h('a', { class: 'btn secondary', href: LIST }, t('schoolpages.corrections.back'))));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const sub = subs.find((s) => s.id === v.submission);
      if (!file.file) { mount(out, alertBox('error', t('schoolpages.corrections.needFile'))); return; }
      busy(btn, async () => {
        try {
          mount(out);
          const doc = await svc.document(sub.document_id);
          const { version } = await resumableUpload({ key: `correction:${sub.id}`, file: file.file,
            meta: { book: doc.book, period: doc.period, owner_key: doc.owner_key, title: doc.title || undefined },
            onProgress: (loaded, total) => bar.update(loaded, total) }).promise;
          const made = await svc.requestCorrection({ submissionId: sub.id, reason: v.reason, versionId: version.id, sha256: version.sha256 });
          await say(t('schoolpages.corrections.sent'), `${LIST}/${encodeURIComponent(made.id)}`);
        } catch (err) { bar.hide(); mount(out, errorAlert(err)); }
      });
    });
    mount(el, head(t('schoolpages.corrections.newTitle'), t('schoolpages.corrections.newIntro')), ruleNote(),
      witnessPreview(principal, user.name), form);
  },
};

// ---------------------------------------------------------------- one correction
/** Is one of the still unconfirmed witness places mine (as the API decides it)? */
function myWitnessPlace(c, user) {
  return c.witnesses.find((w) => !w.confirmed_at && (w.person ? w.person === user.sub
    : user.roles.has(w.role) && !(w.role === 'quan_tri' && user.sub === c.requester)));
}

function trailLine(step, names) {
  const who = names.get(step.by) || (step.by ? t('schoolpages.corrections.someone') : '');
  const what = t(`schoolpages.corrections.trail.${step.action}`, { name: who, role: step.role ? t(`schoolpages.corrections.role.${step.role}`, {}, roleName(step.role)) : '' }, step.action);
  return h('li', {}, h('span', { class: 'title' }, what), h('span', { class: 'meta' }, fmtDateTime(step.at)),
    step.comment ? h('span', { class: 'comment' }, step.comment) : null);
}

function consentForm(c, reload) {
  const out = h('div', { 'aria-live': 'polite' });
  const comment = h('textarea', { name: 'comment', rows: '2', maxlength: '5000' });
  const yes = h('button', { type: 'button', class: 'btn' }, t('schoolpages.corrections.consent'));
  const no = h('button', { type: 'button', class: 'btn secondary' }, t('schoolpages.corrections.refuse'));
  const send = (button, consent) => busy(button, async () => {
    try {
      await svc.consentCorrection(c.id, consent, comment.value.trim());
      reload(t(consent ? 'schoolpages.corrections.consented' : 'schoolpages.corrections.refusedDone'));
    } catch (err) { mount(out, errorAlert(err)); }
  });
  yes.addEventListener('click', () => send(yes, true));
  no.addEventListener('click', () => send(no, false));
  return h('section', { class: 'card', 'aria-labelledby': 'corr-consent' },
    h('h2', { id: 'corr-consent' }, t('schoolpages.corrections.consentTitle')),
    field(t('schoolpages.corrections.comment'), comment), out, h('div', { class: 'actions' }, yes, no));
}

function confirmBox(c, place, reload) {
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'button', class: 'btn' }, t('schoolpages.corrections.confirm'));
  btn.addEventListener('click', () => busy(btn, async () => {
    try {
      const after = await svc.confirmCorrection(c.id);
      reload(t(after.state === 'applied' ? 'schoolpages.corrections.applied' : 'schoolpages.corrections.confirmed'));
    } catch (err) { mount(out, errorAlert(err)); }
  }));
  return h('section', { class: 'card', 'aria-labelledby': 'corr-confirm' },
    h('h2', { id: 'corr-confirm' }, t('schoolpages.corrections.confirmTitle')),
    h('p', {}, t('schoolpages.corrections.confirmText', { role: t(`schoolpages.corrections.role.${place.role}`) })),
    out, h('div', { class: 'actions' }, btn));
}

async function openNewVersion(c) {
  const href = await svc.versionPdfUrl(c.new_version_id);
  window.open(href, '_blank', 'noopener');
}

export const correctionPage = {
  title: 'schoolpages.corrections.oneTitle',
  roles: correctionsPage.roles,
  async render(el, ctx, user) {
    const [c, names] = await Promise.all([svc.correction(ctx.params.id), namesOf(user.tenant, user)]);
    const path = `${LIST}/${encodeURIComponent(c.id)}`;
    const reload = (message) => say(message, path);
    const place = c.state === 'consented' ? myWitnessPlace(c, user) : null;
    const mayConsent = c.state === 'requested' && user.roles.has('hieu_truong');
    const view = h('button', { type: 'button', class: 'btn secondary' }, t('schoolpages.corrections.viewNew'));
    view.addEventListener('click', () => busy(view, () => openNewVersion(c).catch(() => {})));
    mount(el,
      head(t('schoolpages.corrections.oneTitle'), c.title),
      h('div', { id: 'corr-out', 'aria-live': 'polite' }, takeFlash()),
      h('section', { class: 'card', 'aria-labelledby': 'corr-what' },
        h('h2', { id: 'corr-what' }, t('schoolpages.corrections.what')),
        h('p', {}, badge(c.state)),
        h('dl', { class: 'kv' },
          h('dt', {}, t('schoolpages.corrections.record')), h('dd', {}, h('a', { class: 'tap', href: `/bai-nop/${encodeURIComponent(c.submission_id)}` }, c.title)),
          h('dt', {}, t('schoolpages.corrections.requester')), h('dd', {}, names.get(c.requester) || t('schoolpages.corrections.someone')),
          h('dt', {}, t('schoolpages.corrections.reason')), h('dd', {}, c.reason),
          h('dt', {}, t('schoolpages.corrections.askedAt')), h('dd', {}, fmtDateTime(c.created_at))),
        h('div', { class: 'actions' }, view),
        c.state === 'applied' ? alertBox('ok', t('schoolpages.corrections.appliedText')) : null,
        c.state === 'refused' ? alertBox('info', t('schoolpages.corrections.refusedText')) : null),
      ruleNote(),
      c.witnesses.length ? h('section', { class: 'card', 'aria-labelledby': 'corr-witnesses' },
        h('h2', { id: 'corr-witnesses' }, t('schoolpages.corrections.witnesses')),
        h('ul', { class: 'list witnesses' }, c.witnesses.map((w) => h('li', { dataset: { role: w.role } },
          h('div', { class: 'grow' },
            h('span', { class: 'title' }, t(`schoolpages.corrections.role.${w.role}`)),
            h('span', { class: 'meta' }, w.person ? names.get(w.person) || t('schoolpages.corrections.someone') : t('schoolpages.corrections.anyAdmin'))),
          w.confirmed_at ? h('span', { class: 'badge ok' }, t('schoolpages.corrections.confirmedAt', { at: fmtDateTime(w.confirmed_at) }))
            : h('span', { class: 'badge muted' }, t('schoolpages.corrections.waiting')))))) : null,
      mayConsent ? consentForm(c, reload) : null,
      place ? confirmBox(c, place, reload) : null,
      h('section', { class: 'card', 'aria-labelledby': 'corr-trail' },
        h('h2', { id: 'corr-trail' }, t('schoolpages.corrections.trailTitle')),
        h('ol', { class: 'timeline corr-trail' }, c.trail.map((s) => trailLine(s, names)))),
      h('p', {}, h('a', { class: 'tap', href: LIST }, t('schoolpages.corrections.back'))));
  },
};
