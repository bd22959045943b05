/**
 * The school's folders (/truong/thu-muc): the folder tree of a school year as documents keeps it (one
 * folder per book and owner: a teacher, a tổ or class, the school), grouped by book with the owner's name;
 * the person's own folders (GET /me/addresses) are marked. Opening a folder lists its documents by title,
 * period and state. The quản trị and the principal create the year's folders (POST /folders/generate).
 */
import { h, mount, emptyState, field, fmtDateTime, errorAlert, busy, alertBox, stateBadge } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { navigate } from '../core/router.js';
import * as svc from '../services.js';

const GENERATORS = ['quan_tri', 'hieu_truong'];

/** The year before and after the current one, to browse last year's folders or prepare next year's. */
function yearsAround(year) {
  const first = Number(year.slice(0, 4));
  return [first - 1, first, first + 1].map((y) => `${y}-${y + 1}`);
}

function folderLink(f, year, open, mine) {
  const href = `/truong/thu-muc?${new URLSearchParams({ nam: year, 'thu-muc': f.id })}`;
  const label = f.owner_name || t(`schoolpages.folders.owner.${f.owner_kind}`, {}, f.owner_kind);
  return h('li', { dataset: { folder: f.id } },
    h('div', { class: 'grow' },
      h('a', { href, class: 'title tap', 'aria-current': open ? 'true' : null }, label),
      h('span', { class: 'meta' }, t('schoolpages.folders.periods', { n: f.periods.length }))),
    mine ? h('span', { class: 'badge info' }, t('schoolpages.folders.mine')) : null);
}

async function folderContents(f, year) {
  const docs = await svc.folderDocuments({ school_year: year, book: f.book, owner_key: f.owner_key });
  const heading = `${f.book_name} — ${f.owner_name || t(`schoolpages.folders.owner.${f.owner_kind}`, {}, f.owner_kind)}`;
  return h('section', { class: 'card folder-open', 'aria-labelledby': 'folder-docs' },
    h('h2', { id: 'folder-docs' }, heading),
    docs.length ? h('ul', { class: 'list' }, docs.map((d) => h('li', { dataset: { document: d.id } },
      h('div', { class: 'grow' },
        h('span', { class: 'title' }, d.title || f.book_name),
        h('span', { class: 'meta' }, [d.period_label, t('schoolpages.folders.versions', { n: d.version_count }),
          t('schoolpages.folders.updated', { at: fmtDateTime(d.updated_at) })].join(' · '))),
      stateBadge(d.status))))
      : emptyState(t('schoolpages.folders.noDocs'), t('schoolpages.folders.noDocsText')));
}

function generateForm(year, done) {
  const out = h('div', { 'aria-live': 'polite' });
  const choice = h('select', { name: 'year' }, yearsAround(svc.schoolYearOf()).map((y) => h('option', { value: y, selected: y === year }, t('schoolpages.folders.yearName', { year: y }))));
  const btn = h('button', { type: 'submit', class: 'btn' }, t('schoolpages.folders.generate'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'folders-gen' },
    h('h2', { id: 'folders-gen' }, t('schoolpages.folders.generateTitle')),
    h('p', { class: 'meta' }, t('schoolpages.folders.generateIntro')),
    field(t('schoolpages.folders.year'), choice), out, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(btn, async () => {
      try {
        const r = await svc.generateFolders(choice.value);
        done(r.school_year, r.created ? t('schoolpages.folders.generated', { n: r.created, year: r.school_year })
          : t('schoolpages.folders.generatedNone', { year: r.school_year }));
      } catch (err) { mount(out, errorAlert(err)); }
    });
  });
  return form;
}

let flash = null;

export const foldersPage = {
  title: 'schoolpages.folders.title',
  roles: ['giao_vien', 'tong_phu_trach', 'to_truong', 'to_pho', 'van_thu', 'ke_toan', 'pho_hieu_truong', 'hieu_truong', 'quan_tri'],
  async render(el, ctx, user) {
    const year = ctx.query.get('nam') || svc.schoolYearOf();
    // My addresses first: reading them creates my personal folders of the year, which the list then holds.
    const addresses = await svc.myAddresses(year).catch(() => []);
    const list = await svc.folders(year);
    const mine = new Set(addresses.map((a) => a.folder_id));
    const openId = ctx.query.get('thu-muc');
    const open = list.find((f) => f.id === openId) || null;
    const books = [...new Map(list.map((f) => [f.book, f.book_name])).entries()];
    const notice = flash;
    flash = null;
    const done = (y, message) => { flash = message; return navigate(`/truong/thu-muc?nam=${encodeURIComponent(y)}`); };
    const yearNav = h('nav', { class: 'cal-nav', 'aria-label': t('schoolpages.folders.years') },
      yearsAround(year).map((y) => (y === year ? h('strong', { 'aria-current': 'page', class: 'btn' }, t('schoolpages.folders.yearName', { year: y }))
        : h('a', { class: 'btn secondary', href: `/truong/thu-muc?nam=${y}` }, t('schoolpages.folders.yearName', { year: y })))));
    mount(el,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, t('schoolpages.folders.titleOf', { year })), h('p', {}, t('schoolpages.folders.intro')))),
      h('div', { id: 'folders-out', 'aria-live': 'polite' }, notice ? alertBox('ok', notice) : null),
      yearNav,
      open ? await folderContents(open, year) : null,
      list.length ? books.map(([slug, name]) => h('details', { class: 'card book-group', dataset: { book: slug }, open: open ? open.book === slug : list.length <= 12 },
        h('summary', {}, h('h2', {}, name), h('span', { class: 'meta' }, t('schoolpages.folders.count', { n: list.filter((f) => f.book === slug).length }))),
        h('ul', { class: 'list' }, list.filter((f) => f.book === slug).map((f) => folderLink(f, year, f === open, mine.has(f.id))))))
        : emptyState(t('schoolpages.folders.empty', { year }), t(GENERATORS.some((r) => user.roles.has(r)) ? 'schoolpages.folders.emptyAdmin' : 'schoolpages.folders.emptyText')),
      GENERATORS.some((r) => user.roles.has(r)) ? generateForm(year, done) : null);
  },
};
