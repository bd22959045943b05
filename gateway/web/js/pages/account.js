/**
 * The person's own account: "Phiên đăng nhập của tôi" (every browser signed in as me, which one is
 * this one, end one, all the others, or every one with "Đăng xuất khỏi mọi thiết bị") and, for someone working in two schools, the header's
 * school picker (a new token for the chosen school: identity's session is still open, so the
 * sign-in round trip comes straight back).
 */
import { h, mount, emptyState, fmtDateTime, errorAlert, busy, alertBox } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { signIn, signOut } from '../core/auth.js';
import { confirmSummary } from '../core/confirm.js';
import * as svc from '../services.js';

/** How a session is named on screen: its browser and system, and where it was last used. */
function sessionName(s) {
  return t('account.sessionName', { device: s.device, time: fmtDateTime(s.last_seen_at || s.created_at) });
}

function sessionItem(s, onEnd) {
  return h('li', { dataset: { session: s.id } },
    h('div', { class: 'grow' },
      h('span', { class: 'title' }, s.device, ' ', s.current ? h('span', { class: 'badge ok' }, t('account.thisSession')) : null),
      h('span', { class: 'meta block' }, t('account.place', { ip: s.ip || t('account.unknownPlace') })),
      h('span', { class: 'meta block' }, t('account.lastUsed', { time: fmtDateTime(s.last_seen_at || s.created_at) })),
      h('span', { class: 'meta block' }, t('account.since', { time: fmtDateTime(s.created_at) }))),
    s.current ? h('span', { class: 'meta' }, t('account.endHere'))
      : h('button', { type: 'button', class: 'btn secondary', 'aria-label': t('account.endOf', { name: sessionName(s) }),
        onclick: (ev) => busy(ev.currentTarget, () => onEnd([s])) }, t('account.end')));
}

export const sessionsPage = {
  title: 'account.title',
  async render(el, ctx, user, notice) {
    const list = await svc.mySessions();
    const out = h('div', { 'aria-live': 'polite' }, notice || null);
    const confirmBox = h('div');
    const others = list.filter((s) => !s.current);
    const known = list.some((s) => s.current);
    const reload = (msg) => this.render(el, ctx, user, msg ? alertBox('ok', msg) : null);
    const end = async (sessions, all = false) => {
      try {
        for (const s of sessions) await svc.endMySession(s.id);
        await reload(all ? t('account.endedAll', { n: sessions.length }) : t('account.ended', { name: sessionName(sessions[0]) }));
      } catch (err) { mount(out, errorAlert(err)); }
    };
    const endAll = h('button', { type: 'button', class: 'btn', onclick: async (ev) => {
      const button = ev.currentTarget;
      const yes = await confirmSummary(confirmBox, {
        title: t('account.endAllConfirm', { n: others.length }), lines: others.map(sessionName), confirmLabel: t('account.endAll'),
      });
      if (yes) await busy(button, () => end(others, true)); else button.focus();
    } }, t('account.endAll'));
    const everywhere = h('button', { type: 'button', class: 'btn danger', onclick: async (ev) => {
      const button = ev.currentTarget;
      const yes = await confirmSummary(confirmBox, {
        title: t('account.everywhereConfirm'), lines: [t('account.everywhereEffect', { n: list.length }), ...list.map(sessionName)],
        confirmLabel: t('account.everywhere'),
      });
      if (!yes) { button.focus(); return; }
      await busy(button, async () => {
        try { await svc.endAllMySessions(); } catch (err) { mount(out, errorAlert(err)); return; }
        await signOut(); // this tab's tokens are worthless now: leave through identity's sign-out like "Đăng xuất"
      });
    } }, t('account.everywhere'));
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('account.title')), h('p', {}, t('account.intro')))),
      out,
      h('section', { class: 'card', 'aria-labelledby': 'ss-list' },
        h('h2', { id: 'ss-list' }, t('account.list', { n: list.length })),
        list.length ? h('ul', { class: 'list sessions' }, list.map((s) => sessionItem(s, end))) : emptyState(t('account.empty'), t('account.emptyText')),
        h('div', { class: 'actions' }, known && others.length ? endAll : null, everywhere),
        confirmBox,
        h('p', { class: 'hint' }, t('account.note'))));
  },
};

/** Choose another school of mine: sign in again for it and come back to the same page. */
function switchTo(school) {
  return signIn(location.pathname + location.search, { tenant: school.id });
}

const choices = new Map();
/**
 * The header's school picker for a person holding roles in two schools or more: the current school's
 * name, and a button per other school. Nothing for everyone else. /me is read once per person.
 */
export function schoolPicker(user) {
  const box = h('div', { class: 'school-pick' });
  const draw = (list) => {
    if (!list || list.length < 2) return;
    const here = list.find((s) => s.id === user.tenant);
    mount(box, h('details', {},
      h('summary', { class: 'btn-header' }, h('span', { class: 'visually-hidden' }, t('account.schoolNow')), here ? here.name : t('account.chooseSchool')),
      h('div', { class: 'school-pick-menu', role: 'group', 'aria-label': t('account.chooseSchool') },
        h('p', {}, t('account.chooseSchoolText')),
        list.filter((s) => s.id !== user.tenant).map((s) => h('button', {
          type: 'button', class: 'btn', onclick: (ev) => busy(ev.currentTarget, () => switchTo(s)),
        }, t('account.switchTo', { name: s.name }))))));
  };
  if (!choices.has(user.sub)) choices.set(user.sub, svc.me().then((me) => me.school_choices || []).catch(() => { choices.delete(user.sub); return []; }));
  choices.get(user.sub).then(draw);
  return box;
}
