"""Approvals' published events name the book, the period and the people to tell; notifications says it in Vietnamese.

Events are those approvals really publishes in a flow through its HTTP API, fed to the
notifications service's own consumer: no message may show a slug.
"""
from __future__ import annotations

import hashlib
import re

import pytest

from services.approvals.events import SIGNATURE_OVERDUE
from services.kernel.events import Event, InvalidEvent, declared
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory, example_event
from services.notifications.adapters.inbox import NotificationDoc
from services.notifications.bootstrap import bootstrap as notifications

SLUG = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")  # ke_hoach_bai_day, hang_tuan, so_chu_nhiem…


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def inbox(tmp_path):
    c = notifications({"mode": "test", "mail_outbox_dir": str(tmp_path / "mail")}, environ={},
                      verifier=TokenFactory().verifier(), publisher=InMemoryPublisher())
    return c


def told(inbox, events: list[Event]) -> list[NotificationDoc]:
    for e in events:
        inbox.consumer.handle(e)
    return list(NotificationDoc.objects.order_by("created_at"))


def published(api, type_: str, sid: str) -> list[Event]:
    return [e for e in api.events() if e.type == type_ and e.data.get("submission_id") == sid]


def named(api, monkeypatch, username: str, full_name: str) -> None:
    """Tokens of ``username`` carry their full name, as identity's do."""
    issue = api.tokens.issue
    monkeypatch.setattr(api.tokens, "issue",
                        lambda sub, **kw: issue(sub, **({"name": full_name} if sub == username else {}), **kw))


def test_a_submitted_plan_names_its_book_period_and_teacher_and_tells_the_to_truong(api, inbox, monkeypatch):
    named(api, monkeypatch, "thhp.giaovien", "Nguyễn Thị Lệ Thủy")
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t02")
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": ob["id"], "document_id": "kh-2",
                                                          "version_id": "v1", "sha256": sha("v1")})
    [event] = published(api, "approvals.submission.submitted", sub["id"])
    assert event.data["book_name"] == "Kế hoạch bài dạy"
    assert event.data["period_label"] == ob["period_label"] and event.data["period_label"].startswith("Tuần 2")
    assert event.data["title"] == f"Kế hoạch bài dạy – {ob['period_label']}"
    assert event.data["approvers"] == ["thhp.totruong"]  # the tổ trưởng of tổ 4, not the submitter
    assert event.data["submitter_name"] == "Nguyễn Thị Lệ Thủy"

    api.ok("POST", f"/submissions/{sub['id']}/decision", "thhp.totruong",
           {"decision": "return", "comment": "Bổ sung mục tiêu bài học."})
    messages = told(inbox, api.events())
    assert [(m.recipient, m.title) for m in messages] == [
        ("thhp.totruong", "Chờ bạn duyệt: Kế hoạch bài dạy của Nguyễn Thị Lệ Thủy"),
        ("thhp.giaovien", "Hồ sơ bị trả lại: Kế hoạch bài dạy")]
    waiting, back = messages
    assert waiting.body.startswith("Nguyễn Thị Lệ Thủy đã nộp Kế hoạch bài dạy tuần 2, từ 15/09")
    assert "Góp ý: «Bổ sung mục tiêu bài học.»" in back.body and "Vui lòng sửa và nộp lại (hạn " in back.body
    for m in messages:
        assert m.link == f"/bai-nop/{sub['id']}" and not SLUG.search(m.title + m.body), m.body


def test_a_submission_by_someone_whose_token_has_no_name_says_giao_vien_not_a_username(api, inbox):
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t03")
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": ob["id"], "document_id": "kh-3",
                                                          "version_id": "v3", "sha256": sha("v3")})
    [event] = published(api, "approvals.submission.submitted", sub["id"])
    assert "submitter_name" not in event.data  # the test token names nobody (name = username)
    [message] = told(inbox, [event])
    assert message.body.startswith("Giáo viên đã nộp Kế hoạch bài dạy tuần 3") and "thhp" not in message.body


def test_hoc_ba_tells_the_principal_then_each_signing_order_its_signers(api, inbox):
    ob = api.obligation("thhp.giaovien", "hoc_ba", "cuoi_hk1", "2025-2026")
    sid = api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": ob["id"], "document_id": "hb-4a",
                                                          "version_id": "hb-v1", "sha256": sha("hb-v1")})["id"]
    [submitted] = published(api, "approvals.submission.submitted", sid)
    assert submitted.data["approvers"] == ["thhp.hieutruong"]
    api.ok("POST", f"/submissions/{sid}/decision", "thhp.hieutruong", {"decision": "approve"})
    [requested] = published(api, "approvals.submission.signing_requested", sid)
    assert (requested.data["order"], requested.data["signers"], requested.data["signer_role"]) == (
        1, ["thhp.giaovien"], "gvcn")

    service = api.tokens.service_token("signing")
    api.ok("POST", f"/submissions/{sid}/signatures", "", {
        "signer": "thhp.giaovien", "on_behalf_of": None, "role": "gvcn", "order": 1, "signed_version_id": "hb-v1",
        "signed_sha256": sha("hb-v1"), "signed_at": "2026-01-12T09:00:00+07:00"}, token=service)
    [advanced] = published(api, "approvals.submission.signing_advanced", sid)
    assert (advanced.data["order"], advanced.data["signers"], advanced.data["signer_role"]) == (
        2, ["thhp.hieutruong"], "hieu_truong")

    messages = told(inbox, api.events())
    by = {(m.recipient, m.title) for m in messages}
    assert {("thhp.hieutruong", "Chờ bạn duyệt: Học bạ của Giáo viên"), ("thhp.giaovien", "Hồ sơ đã được duyệt: Học bạ"),
            ("thhp.giaovien", "Đến lượt bạn ký: Học bạ"), ("thhp.hieutruong", "Đến lượt bạn ký: Học bạ")} <= by
    turns = [m for m in messages if m.title == "Đến lượt bạn ký: Học bạ"]
    assert all(m.link == "/ky-so" for m in turns)
    assert "với vai trò Hiệu trưởng" in next(m.body for m in turns if m.recipient == "thhp.hieutruong")
    for m in messages:
        assert "Học bạ" in m.body and not SLUG.search(m.title + m.body), m.body


def test_an_overdue_obligation_is_named_by_book_and_its_message_is_the_schedulers(api, inbox):
    """The event names the book and period (progress counts it); the owner's "Hồ sơ đã hết hạn" comes from
    notifications' reminder job alone (tests/unit/notifications/test_reminder_week.py), never twice."""
    from datetime import datetime

    from services.approvals.domain.calendar import TIMEZONE
    api.container.obligations.scan_overdue(datetime(2025, 9, 20, tzinfo=TIMEZONE))
    overdue = [e for e in api.events() if e.type == "approvals.submission.overdue"]
    assert overdue and all(e.data["book_name"] and e.data["period_label"] for e in overdue)
    assert told(inbox, overdue) == []


def test_a_late_signature_tells_the_signers_and_the_principal(inbox):
    event = example_event(SIGNATURE_OVERDUE, submission_id="s1", book_type="hoc_ba", book_name="Học bạ",
                          period_key="2025-2026", period_label="Năm học 2025-2026", signers=["thhp.giaovien"],
                          principal="thhp.hieutruong", due_at="2026-05-30T23:59:59+07:00")
    messages = told(inbox, [event])
    assert sorted((m.recipient, m.title) for m in messages) == [("thhp.giaovien", "Chữ ký quá hạn"),
                                                                ("thhp.hieutruong", "Chữ ký quá hạn")]
    assert all(m.body.startswith("Học bạ năm học 2025-2026 đã quá hạn ký") for m in messages)


def test_a_late_signature_any_holder_may_make_tells_the_principal_who_has_not_signed(inbox):
    event = example_event(SIGNATURE_OVERDUE, submission_id="s2", book_name="Bảng tổng hợp kết quả",
                          period_label="Năm học 2025-2026", signers=[], roles=["hieu_truong"],
                          principal="thhp.hieutruong")
    [message] = told(inbox, [event])
    assert message.recipient == "thhp.hieutruong" and "người giữ vai trò ký chưa ký" in message.body


@pytest.mark.parametrize("change", [
    {"approvers": "thhp.totruong"},          # mistyped: a string, not a list of people
    {"book_name": None},                      # missing the book's name
    {"counter": 3},                           # a field nobody declared
])
def test_approvals_cannot_build_an_event_its_declaration_does_not_allow(change):
    spec = declared("approvals.submission.submitted")
    data = {**example_event(spec).data, **change}
    with pytest.raises(InvalidEvent):
        spec.event(data)
