"""A returned submission lands in the submitter's inbox, and only there."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from services.approvals.events import APPROVED, RETURNED
from services.identity.events import SIGNIN_NEW_DEVICE
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import example_event
from services.notifications.bootstrap import bootstrap
from services.notifications.entrypoints.app import create_app


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append({"to": message["To"], "subject": message["Subject"],
                          "body": message.get_body(("plain",)).get_content()})


@pytest.fixture
def env(tokens):
    mailer = RecordingMailer()
    c = bootstrap({"mode": "test"}, environ={}, verifier=tokens.verifier(), publisher=InMemoryPublisher(), mailer=mailer)
    return c, create_app(container=c).test_client(), mailer


def _auth(tokens, sub):
    return {"Authorization": "Bearer " + tokens.issue(sub, tenant="th-hoa-phong", district="pgd-hoa-vang")}


def test_returned_submission_reaches_only_the_submitter(env, tokens):
    c, client, _ = env
    ev = example_event(RETURNED, submitter="thhp.giaovien", book_name="Kế hoạch bài dạy",
                       period_label="Tuần 3 năm học 2025-2026", comment="Bổ sung mục tiêu bài học.", submission_id="s1")
    assert c.consumer.handle(ev) is True
    mine = client.get("/api/v1/inbox", headers=_auth(tokens, "thhp.giaovien")).get_json()
    assert mine["unread"] == 1 and mine["items"][0]["title"] == "Hồ sơ bị trả lại: Kế hoạch bài dạy"
    assert "Bổ sung mục tiêu bài học." in mine["items"][0]["body"]
    other = client.get("/api/v1/inbox", headers=_auth(tokens, "thhp.giaovien2")).get_json()
    assert other["items"] == [] and other["unread"] == 0


def test_same_event_twice_notifies_once(env):
    c, _, _ = env
    ev = example_event(APPROVED, submitter="u", title="Sổ chủ nhiệm (Năm học 2025-2026)")
    assert c.consumer.handle(ev) is True
    assert c.consumer.handle(ev) is False
    assert c.handlers.approved(ev, APPROVED.read(ev)) == 0


def test_mark_read_and_someone_elses_notification_is_not_found(env, tokens):
    c, client, _ = env
    c.consumer.handle(example_event(APPROVED, submitter="a", title="Sổ chủ nhiệm (Năm học 2025-2026)"))
    item = client.get("/api/v1/inbox", headers=_auth(tokens, "a")).get_json()["items"][0]
    assert client.post(f"/api/v1/inbox/{item['id']}/read", headers=_auth(tokens, "b")).status_code == 404
    r = client.post(f"/api/v1/inbox/{item['id']}/read", headers=_auth(tokens, "a"))
    assert r.status_code == 200 and r.get_json()["read_at"]
    assert client.get("/api/v1/inbox?unread=true", headers=_auth(tokens, "a")).get_json()["items"] == []


def test_new_device_sign_in_sends_an_email(env):
    c, _, mailer = env
    c.consumer.handle(example_event(SIGNIN_NEW_DEVICE, person="a", email="a@truong.edu.vn", device="Chrome trên Android"))
    assert c.dispatcher.deliver_due() == 1
    assert mailer.sent[0]["to"] == "a@truong.edu.vn" and "thiết bị mới" in mailer.sent[0]["subject"]


def test_inbox_needs_sign_in(env):
    _, client, _ = env
    r = client.get("/api/v1/inbox")
    assert r.status_code == 401 and r.mimetype == "application/problem+json"


def test_bell_count_and_mark_all_read_touch_only_my_inbox(env, tokens):
    c, client, _ = env
    for n in range(3):
        c.consumer.handle(example_event(APPROVED, submitter="a", title=f"Kế hoạch bài dạy (Tuần {n + 1})", submission_id=f"s{n}"))
    c.consumer.handle(example_event(APPROVED, submitter="b", title="Sổ chủ nhiệm (Năm học 2025-2026)"))
    assert client.get("/api/v1/inbox/unread-count", headers=_auth(tokens, "a")).get_json() == {"unread": 3}
    r = client.post("/api/v1/inbox/read-all", headers=_auth(tokens, "a"))
    assert r.status_code == 200 and r.get_json() == {"marked": 3, "unread": 0}
    assert client.post("/api/v1/inbox/read-all", headers=_auth(tokens, "a")).get_json() == {"marked": 0, "unread": 0}
    assert client.get("/api/v1/inbox/unread-count", headers=_auth(tokens, "b")).get_json() == {"unread": 1}
    assert client.get("/api/v1/inbox/unread-count").status_code == 401


def test_a_person_working_in_two_schools_reads_the_inbox_of_the_school_chosen(env, tokens):
    """The two-school teacher's bell, list and "mark all read" are of the school her token speaks for;
    a notice tied to no school (a sign-in from a new device) is in both."""
    c, client, _ = env
    who = "gvbm.thuha"
    c.consumer.handle(example_event(RETURNED, tenant="th-hoa-phong", submitter=who, book_name="Kế hoạch bài dạy",
                                    period_label="Tuần 3", comment="Bổ sung phiếu học tập.", submission_id="s-a"))
    c.consumer.handle(example_event(APPROVED, tenant="thcs-nguyen-hue", submitter=who, book_name="Kế hoạch dạy học"))
    c.consumer.handle(example_event(SIGNIN_NEW_DEVICE, tenant=None, person=who, email=None, device="Chrome trên Android"))
    in_a = {"Authorization": "Bearer " + tokens.issue(who, tenant="th-hoa-phong", district="pgd-hoa-vang")}
    in_b = {"Authorization": "Bearer " + tokens.issue(who, tenant="thcs-nguyen-hue", district="pgd-hoa-vang")}

    a = client.get("/api/v1/inbox", headers=in_a).get_json()
    b = client.get("/api/v1/inbox", headers=in_b).get_json()
    assert [i["title"] for i in a["items"]] == ["Đăng nhập từ thiết bị mới", "Hồ sơ bị trả lại: Kế hoạch bài dạy"]
    assert [i["title"] for i in b["items"]] == ["Đăng nhập từ thiết bị mới", "Hồ sơ đã được duyệt: Kế hoạch dạy học"]
    assert b["items"][0]["title"] == "Đăng nhập từ thiết bị mới"
    assert a["unread"] == b["unread"] == 2
    assert client.get("/api/v1/inbox/unread-count", headers=in_b).get_json() == {"unread": 2}

    # school A's notice is not found from school B, and marking all read in B leaves A's unread
    returned = a["items"][1]["id"]
    assert client.post(f"/api/v1/inbox/{returned}/read", headers=in_b).status_code == 404
    assert client.post("/api/v1/inbox/read-all", headers=in_b).get_json() == {"marked": 2, "unread": 0}
    assert client.get("/api/v1/inbox/unread-count", headers=in_a).get_json() == {"unread": 1}
