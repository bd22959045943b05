"""What a person is told about each event, in Vietnamese, and to whom.

Every message names the book and the period as people say them («Kế hoạch bài dạy tuần 13,
từ 24/11», from the producer's ``book_name`` and ``period_label``), never a slug; people by
their full names where the event (or identity's projection) gives them; how long is left
(«còn 2 ngày») where there is a due date, counted in Vietnam's calendar days from the moment
the event happened; and a link to the web app page where the person acts (``/bai-nop/<id>``,
``/ky-so``, ``/truong/ket-luan-kiem-tra``…). The people told are those the producer names
(submitter, approvers, signers, witnesses, ``notify``) or those the projections know
(a school's principals, a unit's staff).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from services.approvals import events as approvals
from services.documents import events as documents
from services.identity import events as identity
from services.kernel.permissions import ROLE_NAMES_VI
from services.kernel.vntime import to_vn
from services.signing import events as signing

from .notices import Kind, Notice

SIGNING_PAGE = "/ky-so"
MY_WORK_PAGE = "/viec-cua-toi"
SCHOOL_FINDINGS_PAGE = "/truong/ket-luan-kiem-tra"
CAMPAIGNS_PAGE = "/phong/dot-kiem-tra"
HOME_PAGE = "/"

_WEEK_FROM = re.compile(r"^Tuần (\d+) \((\d{2})/(\d{2})/\d{4}\)$")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def period_phrase(label: str) -> str:
    """A period label as said in a sentence: «Tuần 13 (24/11/2025)» → «tuần 13, từ 24/11»."""
    week = _WEEK_FROM.match(label)
    if week:
        return f"tuần {week.group(1)}, từ {week.group(2)}/{week.group(3)}"
    return label[:1].lower() + label[1:] if label[:1].isupper() else label


def document_phrase(book_name: str, period_label: str) -> str:
    """«Kế hoạch bài dạy tuần 13, từ 24/11»: the book, then the period."""
    return f"{book_name} {period_phrase(period_label)}"


def _day(value: str | date | datetime | None) -> date | None:
    """The calendar day in Vietnam of an ISO 8601 date or instant (None when it is not one)."""
    if isinstance(value, datetime):
        return to_vn(value).date()
    if isinstance(value, date):
        return value
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return to_vn(parsed).date() if parsed.tzinfo is not None else parsed.date()


def time_left(due: str | date | datetime | None, now: str | datetime) -> str:
    """How long is left, in calendar days in Vietnam: «còn 2 ngày», «hạn là hôm nay», «đã quá hạn 3 ngày»."""
    end, today = _day(due), _day(now)
    if end is None or today is None:
        return "chưa rõ hạn"
    days = (end - today).days
    if days > 0:
        return f"còn {days} ngày"
    if days == 0:
        return "hạn là hôm nay"
    return f"đã quá hạn {-days} ngày"


def deadline(due: str | date | datetime | None, now: str | datetime) -> str:
    """«hạn 28/11, còn 2 ngày» (just «chưa rõ hạn» when the date cannot be read)."""
    end = _day(due)
    return f"hạn {end:%d/%m}, {time_left(end, now)}" if end else "chưa rõ hạn"


def _date(value: str) -> str:
    """«24/11/2025», or the text as given when it is not a date."""
    day = _day(value)
    return f"{day:%d/%m/%Y}" if day else value


def role_name(role: str) -> str:
    return ROLE_NAMES_VI.get(role, "vai trò được giao")


def _link(submission_id: str) -> str:
    return f"/bai-nop/{submission_id}"


@dataclass(frozen=True)
class Said:
    """What an event is told as: the key it happens once by, and when it happened (ISO 8601)."""

    key: str
    at: str
    school: str | None = None

    def to(self, people: Iterable[str | None], kind: Kind, title: str, body: str, link: str | None,
           **data: str) -> list[Notice]:
        """One notice per person named (each once, nobody empty)."""
        return [Notice(key=self.key, recipient=p, kind=kind, title=nfc(title), body=nfc(body), link=link,
                       school=self.school, data=dict(data)) for p in dict.fromkeys(people) if p]


# ----- security and roles ------------------------------------------------------------------------------
def new_device(said: Said, data: identity.NewDevice) -> list[Notice]:
    extra = {"email": data.email} if data.email else {}
    return said.to([data.person], Kind.SECURITY, "Đăng nhập từ thiết bị mới",
                   f"Tài khoản của bạn vừa đăng nhập từ một thiết bị mới ({data.device or 'không rõ'}). "
                   "Nếu không phải bạn, hãy đổi mật khẩu ngay và báo cho quản trị của trường.", None, **extra)


def role_changed(said: Said, data: identity.MembershipGranted | identity.MembershipRevoked, *, granted: bool,
                 where: str | None, unit: str | None) -> list[Notice]:
    """The person whose role was given or taken: which role, in which unit and school."""
    role = role_name(data.role)
    place = "".join([f" ({unit})" if unit else "", f" tại {where}" if where else ""])
    if granted:
        return said.to([data.person], Kind.ROLE, f"Bạn được giao vai trò {role}",
                       f"Bạn vừa được giao vai trò {role}{place}. Những việc của vai trò này có ở trang Việc của tôi.",
                       MY_WORK_PAGE)
    return said.to([data.person], Kind.ROLE, f"Vai trò {role} của bạn đã kết thúc",
                   f"Bạn không còn giữ vai trò {role}{place}. Nếu có nhầm lẫn, hãy báo cho quản trị của trường.",
                   HOME_PAGE)


# ----- submissions ----------------------------------------------------------------------------------------
def awaiting_decision(said: Said, data: approvals.Submitted | approvals.Advanced, *, teacher: str | None,
                      advanced: bool = False) -> list[Notice]:
    """The approvers (or checkers) of the open stage: who submitted which book for which period."""
    what = document_phrase(data.book_name, data.period_label)
    who = teacher or "Giáo viên"
    if advanced:
        body = f"{what} của {who} đã qua bước duyệt trước và đang chờ bạn duyệt."
    elif data.resubmission:
        body = f"{who} đã nộp lại {what} sau khi sửa; hồ sơ đang chờ bạn duyệt."
    else:
        body = f"{who} đã nộp {what}; hồ sơ đang chờ bạn duyệt."
    return said.to(data.approvers, Kind.SUBMISSION_WAITING, f"Chờ bạn duyệt: {data.book_name} của {who}", body,
                   _link(data.submission_id))


def returned(said: Said, data: approvals.Returned, *, by: str | None) -> list[Notice]:
    what = document_phrase(data.book_name, data.period_label)
    comment = f" Góp ý: «{data.comment.strip()}»." if data.comment and data.comment.strip() else ""
    return said.to([data.submitter], Kind.RETURNED, f"Hồ sơ bị trả lại: {data.book_name}",
                   f"{by or 'Người duyệt'} đã trả lại {what}.{comment} Vui lòng sửa và nộp lại "
                   f"({deadline(data.due_at, said.at)}).", _link(data.submission_id))


def approved(said: Said, data: approvals.Approved) -> list[Notice]:
    return said.to([data.submitter], Kind.APPROVED, f"Hồ sơ đã được duyệt: {data.book_name}",
                   f"{document_phrase(data.book_name, data.period_label)} đã được duyệt.", _link(data.submission_id))


def signing_turn_key(event_at: str, data: approvals.SigningRequested | approvals.SigningAdvanced) -> str:
    """One message per signer for a whole batch: the same book, period and order on the same day."""
    day = _day(event_at)
    return f"signing-turn:{data.book_type}:{data.period_key}:{data.order}:{day.isoformat() if day else event_at}"


def awaiting_signature(said: Said, data: approvals.SigningRequested | approvals.SigningAdvanced) -> list[Notice]:
    """The signers of the next order, once for all the documents of one book and period waiting that day."""
    what = document_phrase(data.book_name, data.period_label)
    return said.to(data.signers, Kind.SIGNING_TURN, f"Đến lượt bạn ký: {data.book_name}",
                   f"Có {what} chờ bạn ký số với vai trò {role_name(data.signer_role)}. "
                   "Mở trang Ký số để ký cả loạt một lần.", SIGNING_PAGE)


def recalled(said: Said, data: approvals.Recalled) -> list[Notice]:
    return said.to([data.submitter], Kind.RECALLED, f"Hồ sơ bị thu hồi: {data.book_name}",
                   f"{document_phrase(data.book_name, data.period_label)} đã bị thu hồi. Lý do: {data.reason}",
                   _link(data.submission_id))


def signature_overdue(said: Said, data: approvals.SignatureOverdue) -> list[Notice]:
    """The signers are told; the principal too (once, even when also a signer)."""
    subject = document_phrase(data.book_name, data.period_label)
    link = _link(data.submission_id)
    out = said.to(data.signers, Kind.OVERDUE, "Chữ ký quá hạn",
                  f"{subject} đã quá hạn ký. Vui lòng ký sớm nhất có thể.", link)
    if data.principal and data.principal not in data.signers:
        who = "người ký" if data.signers else "người giữ vai trò ký"
        out += said.to([data.principal], Kind.OVERDUE, "Chữ ký quá hạn", f"{subject} đã quá hạn ký mà {who} chưa ký.",
                       link)
    return out


# ----- corrections, signing batches --------------------------------------------------------------------
def correction_requested(said: Said, data: approvals.CorrectionRequested, *, requester: str | None) -> list[Notice]:
    what = data.title or "một hồ sơ đã duyệt"
    return said.to(data.witnesses, Kind.CORRECTION_WITNESS, "Đề nghị sửa dữ liệu chờ bạn đồng ý",
                   f"{requester or 'Một cán bộ của trường'} đề nghị sửa dữ liệu «{what}». Lý do: {data.reason}. "
                   "Khi bạn đồng ý, biên bản sửa dữ liệu cần bạn xác nhận với tư cách người chứng kiến.",
                   _link(data.submission_id))


def correction_consented(said: Said, data: approvals.CorrectionDecided) -> list[Notice]:
    what = data.title or "một hồ sơ đã duyệt"
    return said.to(data.witnesses, Kind.CORRECTION_WITNESS, "Biên bản sửa dữ liệu chờ bạn xác nhận",
                   f"Hiệu trưởng đã đồng ý sửa dữ liệu «{what}». Bạn là người chứng kiến: "
                   "hãy mở biên bản và xác nhận.", _link(data.submission_id))


def batch_ended(said: Said, data: signing.BatchEnded, *, failed: bool) -> list[Notice]:
    if failed:
        return said.to([data.signer], Kind.BATCH_DONE, "Lượt ký không thành công",
                       f"Lượt ký {data.total} hồ sơ không thực hiện được. Lý do: {data.reason or 'không rõ'}. "
                       "Bạn có thể ký lại từ trang Ký số.", SIGNING_PAGE)
    rest = f" {data.failed} hồ sơ chưa ký được: xem lý do ở trang Ký số." if data.failed else ""
    return said.to([data.signer], Kind.BATCH_DONE, f"Đã ký xong {data.signed}/{data.total} hồ sơ",
                   f"Lượt ký của bạn đã xong: {data.signed} trên {data.total} hồ sơ đã được ký số.{rest}", SIGNING_PAGE)


# ----- inspections and reports ----------------------------------------------------------------------------
def campaign_opened(said: Said, data: identity.Campaign, principals: dict[str, list[str]],
                    school_names: dict[str, str | None]) -> list[Notice]:
    """Each inspected school's principals: who inspects, from when to when, and how long is left."""
    out: list[Notice] = []
    for school, people in principals.items():
        where = school_names.get(school) or "trường"
        told = Said(key=said.key, at=said.at, school=school)
        out += told.to(people, Kind.INSPECTION, f"Đợt kiểm tra mới: {data.name}",
                       f"{data.unit_name} mở đợt kiểm tra «{data.name}» tại {where}, từ {_date(data.starts_at)} đến "
                       f"{_date(data.until)} ({time_left(data.until, said.at)}). Trưởng đoàn: {data.head_name}.",
                       SCHOOL_FINDINGS_PAGE)
    return out


_SEVERITY = {"info": "ghi nhận", "minor": "cần khắc phục", "major": "nghiêm trọng"}


def finding(said: Said, data: documents.Finding, *, change: str) -> list[Notice]:
    """A finding opened or closed (the school's people told) or answered (the inspector told)."""
    due = f" Hạn trả lời: {deadline(data.due_on, said.at)}." if data.due_on and change == "opened" else ""
    if change == "opened":
        title = f"Kết luận kiểm tra cần trả lời: {data.campaign_name}"
        body = (f"{data.inspector_name} ghi kết luận ({_SEVERITY[data.severity]}) về {data.target_label}: "
                f"«{data.text}».{due}")
        link = SCHOOL_FINDINGS_PAGE
    elif change == "answered":
        title = f"Trường đã trả lời kết luận: {data.school_name}"
        body = f"{data.school_name} đã trả lời kết luận về {data.target_label} trong đợt «{data.campaign_name}»."
        link = CAMPAIGNS_PAGE
    else:
        title = f"Kết luận kiểm tra đã đóng: {data.campaign_name}"
        body = f"{data.inspector_name} đã đóng kết luận về {data.target_label}."
        link = SCHOOL_FINDINGS_PAGE
    return Said(key=said.key, at=said.at, school=data.school).to(data.notify, Kind.FINDING, title, body, link)


def monthly_report(said: Said, data: approvals.MonthlyReport, staff: list[str]) -> list[Notice]:
    return said.to(staff, Kind.REPORT, f"Báo cáo {data.month_label} của {data.unit_name}",
                   f"Báo cáo tuân thủ {data.month_label} của {data.unit_name} đã sẵn sàng: {data.schools} trường, "
                   f"{data.on_time_percent:.0f}% hồ sơ nộp đúng hạn. Mở để tải bản PDF và Excel.", data.link)
