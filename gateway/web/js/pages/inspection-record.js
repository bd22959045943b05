/**
 * The biên bản kiểm tra of each school of a running campaign, on the inspection page: a team member
 * drafts it ("Lập biên bản": documents renders the PDF in the legal layout with the campaign's
 * findings), the head of the team signs it ("Ký biên bản", shown to the head only) with a signing
 * credential, through the signing service. The school's copy is then signed and final.
 */
import { h, mount, field, fmtDateTime, errorAlert, busy, alertBox, formValues } from '../core/dom.js';
import { api, blobUrl, items } from '../core/api.js';
import { t } from '../core/i18n.js';

const q = encodeURIComponent;

function recordsOf(campaign, school) {
  return api('documents', '/inspection-records', { query: { campaign, school } }).then(items);
}

function people(text) {
  // one person a line: "Họ tên, chức vụ"
  return (text || '').split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [name, ...rest] = l.normalize('NFC').split(',');
    return { name: name.trim(), position: rest.join(',').trim() };
  });
}

/** Run ``work(values)`` when ``form`` is submitted, the button busy meanwhile; a refusal shows in ``out``. */
function onSubmit(form, btn, out, work) {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const values = formValues(form);
    busy(btn, () => work(values).catch((err) => mount(out, errorAlert(err))));
  });
}

function draftForm(campaign, school, user, done) {
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('record.draft'));
  const form = h('form', { class: 'stack', 'aria-label': t('record.draftFor', { school: school.name }) },
    h('div', { class: 'row' },
      field(t('record.head'), h('input', { type: 'text', name: 'head', value: campaign.head || user.sub, required: true, autocomplete: 'off', spellcheck: 'false' }), t('record.headHint')),
      field(t('record.headName'), h('input', { type: 'text', name: 'head_name', value: campaign.head_name || user.name || '', required: true }))),
    h('div', { class: 'row' },
      field(t('record.unitName'), h('input', { type: 'text', name: 'unit_name', maxlength: '200' }), t('record.unitNameHint')),
      field(t('record.place'), h('input', { type: 'text', name: 'place', maxlength: '200', value: school.name }))),
    field(t('record.representatives'), h('textarea', { name: 'representatives', rows: '2' }), t('record.representativesHint')),
    field(t('record.conclusion'), h('textarea', { name: 'conclusion', rows: '3', maxlength: '4000' }), t('record.conclusionHint')),
    out, h('div', { class: 'actions' }, btn));
  onSubmit(form, btn, out, async (v) => {
    const body = {
      campaign: campaign.id, school: school.id, campaign_name: campaign.name, head: v.head.trim(),
      head_name: v.head_name.normalize('NFC').trim(), unit_name: v.unit_name ? v.unit_name.normalize('NFC') : null,
      place: v.place ? v.place.normalize('NFC') : null, conclusion: v.conclusion ? v.conclusion.normalize('NFC') : null,
      school_representatives: people(v.representatives),
      // identity's campaign names its team ({person, full_name}) once it carries them; bare usernames are not printed
      team: (campaign.team || []).filter((m) => m && typeof m === 'object').map((m) => ({ person: m.person, name: m.full_name })),
    };
    await api('documents', '/inspection-records', { method: 'POST', body });
    done(t('record.drafted'));
  });
  return form;
}

async function signForm(record, done) {
  const creds = await api('signing', '/credentials').then(items).catch(() => []);
  const out = h('div', { 'aria-live': 'polite' });
  if (!creds.length) return alertBox('warn', t('record.noCredential'));
  const btn = h('button', { type: 'submit', class: 'btn' }, t('record.sign'));
  const form = h('form', { class: 'row', 'aria-label': t('record.sign') },
    field(t('record.credential'), h('select', { name: 'credential_id' }, creds.map((c) => h('option', { value: c.id }, c.label || c.subject)))),
    field(t('record.pin'), h('input', { type: 'password', name: 'pin', autocomplete: 'off', inputmode: 'numeric' }), t('record.pinHint')),
    out, h('div', { class: 'actions' }, btn));
  onSubmit(form, btn, out, async (v) => {
    const body = { school: record.school, credential_id: v.credential_id, pin: v.pin || null };
    await api('signing', `/inspection-records/${q(record.id)}/sign`, { method: 'POST', body });
    done(t('record.signed'));
  });
  return form;
}

async function schoolBlock(campaign, school, user) {
  const box = h('div', { class: 'record-school' });
  const show = async (msg) => {
    const [record] = await recordsOf(campaign.id, school.id).catch(() => []);
    const parts = [h('h4', {}, school.name), msg ? alertBox('ok', msg) : null];
    if (record) {
      parts.push(h('p', { class: 'meta' },
        h('span', { class: `badge ${record.state === 'signed' ? 'ok' : 'warn'}` }, t(`record.state.${record.state}`)), ' ',
        record.state === 'signed'
          ? t('record.signedLine', { name: record.head_name, at: fmtDateTime(record.signed_at) })
          : t('record.draftLine', { name: record.head_name, at: fmtDateTime(record.drafted_at) })));
      const link = h('button', { type: 'button', class: 'btn secondary' }, t('record.open'));
      link.addEventListener('click', async () => window.open(await blobUrl('documents', `/inspection-records/${q(record.id)}/pdf`, { campaign: campaign.id, school: school.id }), '_blank'));
      parts.push(link);
    }
    if (!record || record.state === 'draft') {
      parts.push(h('details', {}, h('summary', { class: 'btn secondary' }, t(record ? 'record.redraft' : 'record.draft')),
        draftForm(campaign, school, user, show)));
    }
    if (record && record.state === 'draft' && record.head === user.sub) parts.push(await signForm(record, show));
    mount(box, ...parts);
  };
  await show();
  return box;
}

/** The biên bản section of one campaign card: one block per school of the campaign (running campaigns only). */
export function recordSection(campaign, schoolNames, user) {
  const el = h('section', { class: 'records', 'aria-label': t('record.title') });
  if (!campaign.active) return el;
  const toggle = h('button', { type: 'button', class: 'btn secondary' }, t('record.title'));
  const body = h('div', {});
  toggle.addEventListener('click', async () => {
    toggle.remove();
    const blocks = await Promise.all(campaign.schools.map((id) => schoolBlock(campaign, { id, name: schoolNames.get(id) || id }, user)));
    mount(body, h('h3', {}, t('record.title')), h('p', { class: 'meta' }, t('record.intro')), ...blocks);
  });
  mount(el, toggle, body);
  return el;
}
