"""What a person is told about each event, in Vietnamese, and to whom.

Every message names the book and the period as people read them (the producer's
``title``, e.g. «Kế hoạch bài dạy – Tuần 2 (15/09/2025)»), never a slug; the people
told are those the producer names (submitter, approvers, signers, owner, principal).
"""
from __future__ import annotations

from dataclasses import dataclass

from services.approvals import events as approvals
from services.identity import events as identity


@dataclass(frozen=True)
class Message:
    """One notification for one person (the inbox entry and, if wanted, an e-mail)."""

    recipient: str
    title: str
    body: str
    link: str | None = None
    email: str | None = None


def _link(submission_id: str) -> str:
    return f"/bai-nop/{submission_id}"


def _each(people: list[str], title: str, body: str, link: str | None) -> list[Message]:
    return [Message(p, title, body, link) for p in dict.fromkeys(people) if p]


def new_device(data: identity.NewDevice) -> list[Message]:
    return [Message(
        recipient=data.person, title="Đăng nhập từ thiết bị mới",
        body=(f"Tài khoản của bạn vừa đăng nhập từ một thiết bị mới ({data.device or 'không rõ'}). "
              "Nếu không phải bạn, hãy đổi mật khẩu ngay và báo cho quản trị của trường."),
        link=None, email=data.email)]


def awaiting_decision(data: approvals.Submitted | approvals.Advanced) -> list[Message]:
    return _each(data.approvers, "Có hồ sơ chờ duyệt", f"«{data.title}» đang chờ bạn duyệt.",
                 _link(data.submission_id))


def returned(data: approvals.Returned) -> list[Message]:
    body = f"«{data.title}» bị trả lại. {data.comment or ''}".strip()
    return [Message(data.submitter, "Hồ sơ bị trả lại", body, _link(data.submission_id))]


def approved(data: approvals.Approved) -> list[Message]:
    return [Message(data.submitter, "Hồ sơ đã được duyệt", f"«{data.title}» đã được duyệt.", _link(data.submission_id))]


def awaiting_signature(data: approvals.SigningRequested | approvals.SigningAdvanced) -> list[Message]:
    return _each(data.signers, "Có hồ sơ chờ ký", f"«{data.title}» đang chờ bạn ký số.", _link(data.submission_id))


def recalled(data: approvals.Recalled) -> list[Message]:
    return [Message(data.submitter, "Hồ sơ bị thu hồi", f"«{data.title}» đã bị thu hồi. Lý do: {data.reason}",
                    _link(data.submission_id))]


def overdue(data: approvals.Overdue) -> list[Message]:
    return [Message(data.owner, "Hồ sơ quá hạn", f"«{data.title}» đã quá hạn nộp. Vui lòng nộp sớm nhất có thể.",
                    "/my-work")]


def signature_overdue(data: approvals.SignatureOverdue) -> list[Message]:
    """The signers are told; the principal too (once, even when also a signer)."""
    subject = data.title or f"{data.book_name} – {data.period_label}"
    link = _link(data.submission_id)
    out = _each(data.signers, "Chữ ký quá hạn", f"«{subject}» đã quá hạn ký. Vui lòng ký sớm nhất có thể.", link)
    if data.principal and data.principal not in data.signers:
        who = "người ký" if data.signers else "người giữ vai trò ký"
        out.append(Message(data.principal, "Chữ ký quá hạn",
                           f"«{subject}» đã quá hạn ký mà {who} chưa ký.", link))
    return out
