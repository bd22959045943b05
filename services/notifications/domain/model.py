"""What a person is told, and which events tell whom."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    """One notification for one person (the inbox entry and, if wanted, an e-mail)."""

    recipient: str
    title: str
    body: str
    link: str | None = None
    email: str | None = None


def _subject(data: Mapping[str, Any]) -> str:
    return str(data.get("title") or data.get("book_name") or data.get("book_type") or "hồ sơ")


def _submission_link(data: Mapping[str, Any]) -> str | None:
    return f"/submissions/{data['submission_id']}" if data.get("submission_id") else None


def messages_for(event_type: str, data: Mapping[str, Any]) -> list[Message]:
    """The messages an event produces; empty for events nobody needs to hear about."""
    if event_type == "identity.signin.new_device":
        return [
            Message(
                recipient=str(data["person"]),
                title="Đăng nhập từ thiết bị mới",
                body=(
                    f"Tài khoản của bạn vừa đăng nhập từ một thiết bị mới ({data.get('device') or 'không rõ'}). "
                    "Nếu không phải bạn, hãy đổi mật khẩu ngay và báo cho quản trị của trường."
                ),
                link="/account/sessions",
                email=data.get("email"),
            )
        ]
    if event_type == "approvals.submission.returned" and data.get("submitter"):
        comment = data.get("comment") or ""
        return [Message(str(data["submitter"]), "Hồ sơ bị trả lại", f"«{_subject(data)}» bị trả lại. {comment}".strip(), _submission_link(data))]
    if event_type == "approvals.submission.approved" and data.get("submitter"):
        return [Message(str(data["submitter"]), "Hồ sơ đã được duyệt", f"«{_subject(data)}» đã được duyệt.", _submission_link(data))]
    if event_type == "approvals.submission.overdue" and (data.get("owner") or data.get("person")):
        who = str(data.get("owner") or data.get("person"))
        return [Message(who, "Hồ sơ quá hạn", f"«{_subject(data)}» đã quá hạn nộp. Vui lòng nộp sớm nhất có thể.", "/my-work")]
    if event_type == "approvals.submission.submitted":
        return [
            Message(str(r), "Có hồ sơ chờ duyệt", f"«{_subject(data)}» đang chờ bạn duyệt.", _submission_link(data))
            for r in data.get("approvers") or []
        ]
    return []
