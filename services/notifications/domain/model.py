"""What a person is told about each event, in Vietnamese, and to whom.

Every message names the book and the period as people read them (the producer's
``title``, e.g. «Kế hoạch bài dạy – Tuần 2 (15/09/2025)»), never a slug; the people
told are those the producer names (submitter, approvers, signers, owner, principal).
"""
from __future__ import annotations

from services.approvals import events as approvals
from services.identity import events as identity

from .notices import Kind, Notice


def _link(submission_id: str) -> str:
    return f"/bai-nop/{submission_id}"


def _each(key: str, kind: Kind, people: list[str], title: str, body: str, link: str | None) -> list[Notice]:
    return [Notice(key=key, recipient=p, kind=kind, title=title, body=body, link=link) for p in dict.fromkeys(people) if p]


def new_device(key: str, data: identity.NewDevice) -> list[Notice]:
    return [Notice(
        key=key, recipient=data.person, kind=Kind.SECURITY, title="Đăng nhập từ thiết bị mới",
        body=(f"Tài khoản của bạn vừa đăng nhập từ một thiết bị mới ({data.device or 'không rõ'}). "
              "Nếu không phải bạn, hãy đổi mật khẩu ngay và báo cho quản trị của trường."),
        link=None, data={"email": data.email} if data.email else {})]


def awaiting_decision(key: str, data: approvals.Submitted | approvals.Advanced) -> list[Notice]:
    return _each(key, Kind.SUBMISSION_WAITING, data.approvers, "Có hồ sơ chờ duyệt",
                 f"«{data.title}» đang chờ bạn duyệt.", _link(data.submission_id))


def returned(key: str, data: approvals.Returned) -> list[Notice]:
    body = f"«{data.title}» bị trả lại. {data.comment or ''}".strip()
    return _each(key, Kind.RETURNED, [data.submitter], "Hồ sơ bị trả lại", body, _link(data.submission_id))


def approved(key: str, data: approvals.Approved) -> list[Notice]:
    return _each(key, Kind.APPROVED, [data.submitter], "Hồ sơ đã được duyệt", f"«{data.title}» đã được duyệt.",
                 _link(data.submission_id))


def awaiting_signature(key: str, data: approvals.SigningRequested | approvals.SigningAdvanced) -> list[Notice]:
    return _each(key, Kind.SIGNING_TURN, data.signers, "Có hồ sơ chờ ký", f"«{data.title}» đang chờ bạn ký số.",
                 _link(data.submission_id))


def recalled(key: str, data: approvals.Recalled) -> list[Notice]:
    return _each(key, Kind.RECALLED, [data.submitter], "Hồ sơ bị thu hồi",
                 f"«{data.title}» đã bị thu hồi. Lý do: {data.reason}", _link(data.submission_id))


def overdue(key: str, data: approvals.Overdue) -> list[Notice]:
    return _each(key, Kind.OVERDUE, [data.owner], "Hồ sơ quá hạn",
                 f"«{data.title}» đã quá hạn nộp. Vui lòng nộp sớm nhất có thể.", "/my-work")


def signature_overdue(key: str, data: approvals.SignatureOverdue) -> list[Notice]:
    """The signers are told; the principal too (once, even when also a signer)."""
    subject = data.title or f"{data.book_name} – {data.period_label}"
    link = _link(data.submission_id)
    out = _each(key, Kind.OVERDUE, data.signers, "Chữ ký quá hạn",
                f"«{subject}» đã quá hạn ký. Vui lòng ký sớm nhất có thể.", link)
    if data.principal and data.principal not in data.signers:
        who = "người ký" if data.signers else "người giữ vai trò ký"
        out += _each(key, Kind.OVERDUE, [data.principal], "Chữ ký quá hạn",
                     f"«{subject}» đã quá hạn ký mà {who} chưa ký.", link)
    return out
