"""Delivery as a person notices it: once per message and channel, as they chose, never at night, retried, replayable."""
from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest

from services.identity.events import PERSON_CREATED, PERSON_DEACTIVATED, SCHOOL_ONBOARDED
from services.kernel.clock import VN_TZ, FixedClock
from services.kernel.messaging import InMemoryPublisher
from services.kernel.permissions import GIAO_VIEN, QUAN_TRI
from services.kernel.testing import TokenFactory, example_event
from services.notifications.bootstrap import bootstrap
from services.notifications.domain import quiet_hours
from services.notifications.domain.delivery import BACKOFF, MAX_ATTEMPTS, Channel, after_failure
from services.notifications.domain.notices import Kind, Notice
from services.notifications.domain.preferences import NotMutable, Preferences
from services.notifications.entrypoints.app import create_app

SCHOOL, DISTRICT, OTHER = "th-hoa-phong", "pgd-hoa-vang", "th-hoa-lien"


class Mailbox:
    """The SMTP side as a transport that records, or refuses while ``down``."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.down = False

    def send(self, message: EmailMessage) -> None:
        if self.down:
            raise ConnectionRefusedError("smtp down")
        self.sent.append(message)


@pytest.fixture
def world():
    clock = FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ))  # a Tuesday morning
    tokens = TokenFactory(clock=clock)
    mail = Mailbox()
    c = bootstrap({"mode": "test"}, environ={}, clock=clock, verifier=tokens.verifier(), publisher=InMemoryPublisher(),
                  mailer=mail)
    for school in (SCHOOL, OTHER):
        c.people_consumer.handle(example_event(SCHOOL_ONBOARDED, school_id=school, district_id=DISTRICT, province_id="so-dn"))
    for person, school in (("gv", SCHOOL), ("gv2", OTHER)):
        c.people_consumer.handle(example_event(PERSON_CREATED, person=person, full_name="Nguyễn Thị Lan",
                                               email=f"{person}@truong.edu.vn", school=school))

    def auth(sub: str, *, tenant: str | None = SCHOOL, roles: tuple[str, ...] = (GIAO_VIEN,)) -> dict[str, str]:
        return {"Authorization": "Bearer " + tokens.issue(sub, tenant=tenant, district=DISTRICT if tenant else None,
                                                          roles=roles)}

    return c, create_app(container=c).test_client(), mail, clock, auth


def notice(key: str = "ev-1", kind: Kind = Kind.RETURNED, recipient: str = "gv") -> Notice:
    return Notice(key=key, recipient=recipient, kind=kind, title="Hồ sơ bị trả lại",
                  body="«Kế hoạch bài dạy – Tuần 13 (24/11/2026)» bị trả lại. Bổ sung mục tiêu.", link="/bai-nop/s1")


def test_the_same_notice_handed_over_twice_reaches_inbox_and_mail_once(world):
    c, client, mail, _, auth = world
    assert c.dispatcher.dispatch([notice()]) == 1
    assert c.dispatcher.dispatch([notice()]) == 0
    assert c.dispatcher.deliver_due() == 1
    assert c.dispatcher.dispatch([notice()]) == 0
    assert c.dispatcher.deliver_due() == 0
    assert [m["To"] for m in mail.sent] == ["gv@truong.edu.vn"]
    inbox = client.get("/api/v1/inbox", headers=auth("gv")).get_json()
    assert len(inbox["items"]) == 1
    assert sorted((d["channel"], d["state"]) for d in inbox["items"][0]["deliveries"]) == [("email", "sent"), ("inbox", "sent")]


def test_a_channel_turned_off_gets_nothing_and_the_inbox_still_does(world):
    c, client, mail, _, auth = world
    r = client.put("/api/v1/notification-settings", headers=auth("gv"),
                   json={"choices": [{"kind": "returned", "channel": "email", "on": False}]})
    assert r.status_code == 200
    row = next(k for k in r.get_json()["kinds"] if k["kind"] == "returned")
    assert row["name"] == "Hồ sơ bị trả lại" and row["channels"]["email"]["on"] is False
    c.dispatcher.dispatch([notice(), notice("ev-2", Kind.SUBMISSION_WAITING)])
    c.dispatcher.deliver_due()
    assert [m["Subject"] for m in mail.sent] == ["[HoSo] Hồ sơ bị trả lại"]  # only the kind still on
    assert len(client.get("/api/v1/inbox", headers=auth("gv")).get_json()["items"]) == 2
    other = client.get("/api/v1/notification-settings", headers=auth("gv2")).get_json()
    assert next(k for k in other["kinds"] if k["kind"] == "returned")["channels"]["email"]["on"] is True


def test_security_and_overdue_cannot_be_muted(world):
    c, client, mail, _, auth = world
    r = client.put("/api/v1/notification-settings", headers=auth("gv"),
                   json={"choices": [{"kind": "overdue", "channel": "email", "on": False}]})
    assert r.status_code == 422
    assert r.get_json()["code"] == "kind-not-mutable" and r.get_json()["title"] == "Loại thông báo này không thể tắt."
    grid = client.get("/api/v1/notification-settings", headers=auth("gv")).get_json()["kinds"]
    security = next(k for k in grid if k["kind"] == "security")
    assert security["channels"]["email"] == {"on": True, "locked": True, "available": True}
    assert security["locked_reason"].startswith("Thông báo bảo mật")
    with pytest.raises(NotMutable):
        Preferences(person="gv").choose(Kind.SECURITY, Channel.EMAIL, False)
    c.dispatcher.dispatch([notice("ev-3", Kind.OVERDUE)])
    assert c.dispatcher.deliver_due() == 1 and len(mail.sent) == 1


@pytest.mark.parametrize(("local", "opens"), [
    ((20, 59), (20, 59)), ((21, 0), (6, 30, 1)), ((23, 45), (6, 30, 1)), ((3, 0), (6, 30)), ((6, 29), (6, 30)),
    ((6, 30), (6, 30)), ((12, 0), (12, 0))])
def test_quiet_hours_hold_pushes_to_half_past_six(local, opens):
    at = datetime(2026, 12, 1, *local, tzinfo=VN_TZ)
    day = 1 + (opens[2] if len(opens) > 2 else 0)
    assert quiet_hours.next_window(at) == datetime(2026, 12, day, opens[0], opens[1], tzinfo=VN_TZ)
    assert quiet_hours.send_at(at, Kind.SECURITY) == at


def test_a_reminder_at_night_waits_for_the_morning_but_a_security_notice_does_not(world):
    c, _, mail, clock, _ = world
    clock.set(datetime(2026, 12, 1, 22, 0, tzinfo=VN_TZ))
    c.dispatcher.dispatch([notice("r1", Kind.REMINDER), notice("s1", Kind.SECURITY)])
    assert c.dispatcher.deliver_due() == 1 and mail.sent[0]["Subject"] == "[HoSo] Hồ sơ bị trả lại"
    clock.set(datetime(2026, 12, 2, 6, 29, tzinfo=VN_TZ))
    assert c.dispatcher.deliver_due() == 0
    clock.set(datetime(2026, 12, 2, 6, 30, tzinfo=VN_TZ))
    assert c.dispatcher.deliver_due() == 1 and len(mail.sent) == 2


def test_backoff_schedule_then_dead():
    now = datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ)
    waits = [after_failure(n, now, permanent=False) - now for n in range(1, MAX_ATTEMPTS)]
    assert waits == list(BACKOFF) == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
    assert after_failure(MAX_ATTEMPTS, now, permanent=False) is None
    assert after_failure(1, now, permanent=True) is None


def test_smtp_down_retries_with_backoff_then_dead_then_replay_by_the_schools_admin_only(world):
    c, client, mail, clock, auth = world
    mail.down = True
    c.dispatcher.dispatch([notice()])
    for wait in BACKOFF:
        assert c.dispatcher.deliver_due() == 0
        clock.advance(seconds=wait.total_seconds() - 1)
        assert c.dispatcher.deliver_due() == 0  # not yet due
        clock.advance(seconds=1)
    assert c.dispatcher.deliver_due() == 0  # the fifth failure
    admin, other_admin = auth("qt", roles=(QUAN_TRI,)), auth("qt2", tenant=OTHER, roles=(QUAN_TRI,))
    dead = client.get("/api/v1/deliveries?state=dead", headers=admin).get_json()["items"]
    assert [(d["recipient"], d["channel"], d["attempts"]) for d in dead] == [("gv", "email", MAX_ATTEMPTS)]
    assert "Không kết nối được máy chủ thư" in dead[0]["last_error"]
    assert client.get("/api/v1/deliveries?state=dead", headers=other_admin).get_json()["items"] == []
    assert client.get("/api/v1/deliveries?state=dead", headers=auth("gv")).status_code == 403
    assert client.post(f"/api/v1/deliveries/{dead[0]['id']}/replay", headers=other_admin).status_code == 404
    mail.down = False
    r = client.post(f"/api/v1/deliveries/{dead[0]['id']}/replay", headers=admin)
    assert r.status_code == 200 and r.get_json()["state"] == "pending"
    assert c.dispatcher.deliver_due() == 1 and c.dispatcher.deliver_due() == 0 and len(mail.sent) == 1
    assert [e["action"] for e in c.runtime.audit.entries(target=dead[0]["id"])] == ["notifications.delivery.replayed"]
    platform = client.get("/api/v1/deliveries?state=dead", headers=auth("root", tenant=None, roles=(QUAN_TRI,)))
    assert platform.status_code == 200 and platform.get_json()["items"] == []


def test_one_replica_claims_a_delivery_the_other_waits_for_the_lease(world):
    c, _, _, clock, _ = world
    c.dispatcher.dispatch([notice()])
    lease = timedelta(minutes=5)
    first = c.deliveries.claim(clock.now(), lease)
    assert first is not None and first.attempts == 1
    assert c.deliveries.claim(clock.now(), lease) is None
    clock.advance(minutes=6)  # the first replica died holding it
    again = c.deliveries.claim(clock.now(), lease)
    assert again is not None and again.id == first.id and again.attempts == 2


def test_a_malformed_address_is_dead_at_once_and_shown_on_the_persons_page(world):
    c, client, mail, _, auth = world
    c.people_consumer.handle(example_event(PERSON_CREATED, person="gv3", full_name="Trần Văn Bình",
                                           email="binh@@truong", school=SCHOOL))
    c.dispatcher.dispatch([notice(recipient="gv3")])
    assert c.dispatcher.deliver_due() == 0 and mail.sent == []
    page = client.get("/api/v1/notification-settings", headers=auth("gv3")).get_json()
    assert page["problems"] == [{"channel": "email", "address": "binh@@truong", "reason": "Địa chỉ e-mail không hợp lệ",
                                 "message": "Địa chỉ binh@@truong không nhận được thư: Địa chỉ e-mail không hợp lệ."}]
    items = client.get("/api/v1/inbox", headers=auth("gv3")).get_json()["items"]
    assert {"channel": "email", "state": "dead"} in items[0]["deliveries"]


def test_a_deactivated_person_gets_the_inbox_only(world):
    c, _, mail, _, _ = world
    c.people_consumer.handle(example_event(PERSON_DEACTIVATED, person="gv", school=SCHOOL))
    assert c.dispatcher.dispatch([notice()]) == 1
    assert c.dispatcher.deliver_due() == 0 and mail.sent == []


def test_zalo_needs_a_valid_phone_and_only_mine(world):
    c, client, _, _, auth = world
    bad = client.put("/api/v1/notification-settings/zalo", headers=auth("gv"), json={"phone": "12345"})
    assert bad.status_code == 422 and bad.get_json()["code"] == "invalid-phone"
    ok = client.put("/api/v1/notification-settings/zalo", headers=auth("gv"), json={"phone": "0905 123 456"}).get_json()
    assert ok["zalo_phone"] == "84905123456"
    assert next(k for k in ok["kinds"] if k["kind"] == "overdue")["channels"]["zalo"] == {"on": True, "locked": True,
                                                                                          "available": True}
    assert client.get("/api/v1/notification-settings", headers=auth("gv2")).get_json()["zalo_phone"] is None


def test_a_school_whose_onboarding_was_not_seen_still_sees_its_dead_letters(world):
    c, client, _, _, auth = world
    c.people_consumer.handle(example_event(PERSON_CREATED, person="gv4", full_name="Phạm Thu Hà", email="ha@", school="th-moi",
                                           tenant="th-moi", district=DISTRICT))
    c.dispatcher.dispatch([notice(recipient="gv4")])
    c.dispatcher.deliver_due()
    dead = client.get("/api/v1/deliveries?state=dead", headers=auth("qt", tenant="th-moi", roles=(QUAN_TRI,))).get_json()
    assert [(d["recipient"], d["school"]) for d in dead["items"]] == [("gv4", "th-moi")]
