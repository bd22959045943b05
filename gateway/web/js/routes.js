/** Every route of the app and the navigation shown to each role. */
import verify from './pages/verify.js';
import home from './pages/home.js';
import mywork from './pages/mywork.js';
import submission from './pages/submission.js';
import queue from './pages/queue.js';
import signing from './pages/signing.js';
import clerk from './pages/clerk.js';
import { rulesPage, staffPage, locksPage, progressPage, delegationPage } from './pages/school.js';
import { districtPage, schoolDrillPage, onboardPage } from './pages/district.js';
import { provincePage, unitPage } from './pages/oversight.js';
import { similarPage } from './pages/similar.js';
import { campaignsPage, readLogPage } from './pages/inspection.js';
import { campaignFindingsPage, schoolFindingsPage } from './pages/findings.js';
import { inboxPage } from './pages/inbox.js';
import { notificationSettingsPage } from './pages/notification-settings.js';
import { deadLettersPage } from './pages/dead-letters.js';
import { certificatesPage } from './pages/certificates.js';
import { sessionsPage } from './pages/account.js';
import { accountsPage, personPage } from './pages/people.js';
import { correctionsPage, newCorrectionPage, correctionPage } from './pages/corrections.js';
import { foldersPage } from './pages/folders.js';
import { calendarPage } from './pages/calendar.js';
import { floorsPage } from './pages/floors.js';
import { federationPage } from './pages/federation.js';
import notfound from './pages/notfound.js';

export const R = {
  teacher: ['giao_vien', 'tong_phu_trach', 'to_truong', 'to_pho', 'van_thu', 'ke_toan', 'pho_hieu_truong', 'hieu_truong'],
  approver: ['to_truong', 'to_pho', 'pho_hieu_truong', 'hieu_truong'],
  signer: ['giao_vien', 'hieu_truong', 'pho_hieu_truong'],
  clerk: ['van_thu'],
  schoolAdmin: ['hieu_truong', 'quan_tri'],
  schoolLeaders: ['hieu_truong', 'pho_hieu_truong', 'quan_tri', 'to_truong'],
  delegators: ['hieu_truong', 'to_truong'],
  district: ['truong_phong', 'chuyen_vien', 'chuyen_vien_so'],
  onboard: ['truong_phong', 'chuyen_vien_so'],
  unitStaff: ['truong_phong', 'chuyen_vien'],
  province: ['chuyen_vien_so'],
  readLog: ['hieu_truong', 'pho_hieu_truong', 'quan_tri'],
  passkeyFirst: ['hieu_truong', 'pho_hieu_truong', 'truong_phong', 'chuyen_vien', 'chuyen_vien_so'],
  certificates: ['giao_vien', 'hieu_truong', 'pho_hieu_truong', 'van_thu', 'quan_tri', 'truong_phong', 'chuyen_vien', 'chuyen_vien_so'],
};

export const ROUTES = [
  ['/', home],
  ['/tra-cuu', verify],
  ['/tra-cuu/:code', verify],
  ['/viec-cua-toi', mywork],
  ['/bai-nop/:id', submission],
  ['/duyet', queue],
  ['/ky-so', signing],
  ['/van-thu', clerk],
  ['/truong/quy-che', rulesPage],
  ['/truong/nhan-su', staffPage],
  ['/truong/khoa-so', locksPage],
  ['/truong/tien-do', progressPage],
  ['/uy-quyen', delegationPage],
  ['/phong', districtPage],
  ['/phong/truong/:school', schoolDrillPage],
  ['/phong/them-truong', onboardPage],
  ['/so', provincePage],
  ['/don-vi', unitPage],
  ['/don-vi/:unit', unitPage],
  ['/phong/ke-hoach-giong-nhau', similarPage],
  ['/truong/ai-da-xem', readLogPage],
  ['/phong/dot-kiem-tra', campaignsPage],
  ['/phong/dot-kiem-tra/:campaign/ket-luan', campaignFindingsPage],
  ['/truong/ket-luan-kiem-tra', schoolFindingsPage],
  ['/thong-bao', inboxPage],
  ['/cai-dat-thong-bao', notificationSettingsPage],
  ['/quan-tri/thu-loi', deadLettersPage],
  ['/chung-thu-so', certificatesPage],
  ['/phien-dang-nhap', sessionsPage],
  ['/truong/tai-khoan', accountsPage],
  ['/truong/tai-khoan/nguoi', personPage],
  ['/truong/sua-du-lieu', correctionsPage],
  ['/truong/sua-du-lieu/moi', newCorrectionPage],
  ['/truong/sua-du-lieu/:id', correctionPage],
  ['/truong/thu-muc', foldersPage],
  ['/lich-nam-hoc', calendarPage],
  ['/phong/muc-san', floorsPage],
  ['/truong/dang-nhap-ngoai', federationPage],
  ['/phong/dang-nhap-ngoai', federationPage],
  ['/khong-tim-thay', notfound],
];

export const NAV = [
  { label: 'nav.work', items: [
    { path: '/viec-cua-toi', label: 'nav.mywork', roles: R.teacher },
    { path: '/duyet', label: 'nav.queue', roles: R.approver },
    { path: '/ky-so', label: 'nav.signing', roles: R.signer },
    { path: '/van-thu', label: 'nav.clerk', roles: R.clerk },
    { path: '/chung-thu-so', label: 'certs.nav', roles: R.certificates },
  ] },
  { label: 'nav.school', items: [
    { path: '/truong/tien-do', label: 'nav.progress', roles: R.schoolLeaders },
    { path: '/truong/quy-che', label: 'nav.rules', roles: R.schoolAdmin },
    { path: '/truong/nhan-su', label: 'nav.staff', roles: R.schoolAdmin },
    { path: '/truong/tai-khoan', label: 'people.nav', roles: R.schoolAdmin },
    { path: '/truong/khoa-so', label: 'nav.locks', roles: R.schoolAdmin },
    { path: '/uy-quyen', label: 'nav.delegation', roles: R.delegators },
    { path: '/truong/ai-da-xem', label: 'nav.reads', roles: R.readLog },
    { path: '/truong/ket-luan-kiem-tra', label: 'nav.findings', roles: [...R.teacher, 'quan_tri'] },
    { path: '/quan-tri/thu-loi', label: 'nav.deadLetters', roles: R.schoolAdmin },
    { path: '/truong/dang-nhap-ngoai', label: 'federation.nav', roles: R.schoolAdmin },
    { path: '/truong/sua-du-lieu', label: 'schoolpages.nav.corrections', roles: [...R.teacher, 'quan_tri'] },
    { path: '/truong/thu-muc', label: 'schoolpages.nav.folders', roles: [...R.teacher, 'quan_tri'] },
    { path: '/lich-nam-hoc', label: 'schoolpages.nav.calendar', roles: [...R.teacher, 'quan_tri'] },
  ] },
  { label: 'nav.district', items: [
    { path: '/phong', label: 'nav.schools', roles: R.district },
    { path: '/phong/dot-kiem-tra', label: 'nav.campaigns', roles: R.district },
    { path: '/phong/them-truong', label: 'nav.onboard', roles: R.onboard },
    { path: '/don-vi', label: 'nav.unit', roles: R.unitStaff },
    { path: '/so', label: 'nav.province', roles: R.province },
    { path: '/phong/ke-hoach-giong-nhau', label: 'nav.similar', roles: R.district },
    { path: '/lich-nam-hoc', label: 'schoolpages.nav.frame', roles: R.district },
    { path: '/phong/muc-san', label: 'schoolpages.nav.floors', roles: R.district },
    { path: '/phong/dang-nhap-ngoai', label: 'federation.nav', roles: ['truong_phong'] },
  ] },
  { label: 'account.navGroup', items: [
    { path: '/phien-dang-nhap', label: 'account.nav' },
    { path: '/api/identity/auth/passkeys', label: 'account.passkeys', roles: R.passkeyFirst },
    { path: '/api/identity/auth/federated-links', label: 'federation.myLinks' },
  ] },
  { label: 'nav.public', items: [
    { path: '/tra-cuu', label: 'nav.verify' },
  ] },
];

/**
 * The bottom tabs on phones: each role's three or four main places, from the first rule whose
 * roles the person holds (leaders before staff); every other page stays behind "Thêm" (the full
 * navigation above). A tab whose page the person may not open is left out.
 */
export const TABS = [
  { roles: ['hieu_truong', 'pho_hieu_truong'], paths: ['/duyet', '/ky-so', '/truong/tien-do', '/thong-bao'] },
  { roles: ['to_truong', 'to_pho'], paths: ['/duyet', '/viec-cua-toi', '/thong-bao'] },
  { roles: R.clerk, paths: ['/van-thu', '/viec-cua-toi', '/thong-bao'] },
  { roles: ['quan_tri'], paths: ['/truong/tien-do', '/truong/nhan-su', '/truong/quy-che', '/thong-bao'] },
  { roles: R.province, paths: ['/so', '/phong', '/phong/dot-kiem-tra', '/thong-bao'] },
  { roles: R.unitStaff, paths: ['/phong', '/phong/dot-kiem-tra', '/don-vi', '/thong-bao'] },
  { roles: R.teacher, paths: ['/viec-cua-toi', '/thong-bao', '/tra-cuu'] },
  { roles: null, paths: ['/', '/thong-bao', '/tra-cuu'] },
];
