"""Every push channel against a real server on this machine: SMTP (aiosmtpd), a webhook receiver, a Zalo ZNS stand-in."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from infra.allinone import free_port
from services.identity.events import PERSON_CREATED, SCHOOL_ONBOARDED
from services.kernel.clock import VN_TZ, FixedClock
from services.kernel.messaging import InMemoryPublisher
from services.kernel.permissions import GIAO_VIEN, QUAN_TRI
from services.kernel.testing import TokenFactory, example_event
from services.notifications.bootstrap import bootstrap
from services.notifications.domain.delivery import BACKOFF
from services.notifications.domain.notices import Kind, Notice
from services.notifications.entrypoints.app import create_app
from tests.integration.notifications.test_email_smtp import Collect

pytestmark = pytest.mark.integration

SCHOOL, DISTRICT = "th-hoa-phong", "pgd-hoa-vang"
TITLE = "Hồ sơ bị trả lại"
BODY = "«Kế hoạch bài dạy – Tuần 13, từ 24/11» bị trả lại. Cô Nguyễn Thị Lan bổ sung mục tiêu bài học."


class Receiver:
    """A local HTTP server answering the statuses it is given in turn (then 200), recording each request."""

    def __init__(self, answers: list[tuple[int, dict]] | None = None) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.answers = list(answers or [])
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server hook name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append((self.path, dict(self.headers), body))
                status, answer = outer.answers.pop(0) if outer.answers else (200, {"error": 0, "message": "Success"})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep the test output quiet
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp() -> Iterator[tuple[Collect, int]]:
    handler, port = Collect(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def platform(smtp_port: int, **config):
    clock = FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ))
    tokens = TokenFactory(clock=clock)
    c = bootstrap({"mode": "test", "smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_timeout_seconds": 2,
                   "public_url": "https://hoso.hoavang.edu.vn", **config},
                  environ={}, clock=clock, verifier=tokens.verifier(), publisher=InMemoryPublisher())
    c.people_consumer.handle(example_event(SCHOOL_ONBOARDED, school_id=SCHOOL, district_id=DISTRICT, province_id=None))
    c.people_consumer.handle(example_event(PERSON_CREATED, person="gv", full_name="Nguyễn Thị Lan",
                                           email="lan@hoaphong.edu.vn", school=SCHOOL))

    def auth(sub: str, roles: tuple[str, ...] = (GIAO_VIEN,), tenant: str = SCHOOL) -> dict[str, str]:
        return {"Authorization": "Bearer " + tokens.issue(sub, tenant=tenant, district=DISTRICT, roles=roles)}

    return c, create_app(container=c).test_client(), clock, auth


def returned(key: str = "ev-1", recipient: str = "gv") -> Notice:
    return Notice(key=key, recipient=recipient, kind=Kind.RETURNED, title=TITLE, body=BODY, link="/bai-nop/s1")


def test_mail_arrives_with_text_and_html_parts_vietnamese_intact_and_an_absolute_link(smtp):
    handler, port = smtp
    c, _, _, _ = platform(port)
    c.dispatcher.dispatch([returned()])
    assert c.dispatcher.deliver_due() == 1
    [msg] = handler.messages
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Subject"] == f"[HoSo] {TITLE}" and msg["To"] == "lan@hoaphong.edu.vn"
    text, html = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
    assert BODY in text and "https://hoso.hoavang.edu.vn/bai-nop/s1" in text
    assert "Nguyễn Thị Lan" in html and 'href="https://hoso.hoavang.edu.vn/bai-nop/s1"' in html


def test_smtp_down_is_retried_with_backoff_then_dead_and_a_replay_delivers_once():
    port = free_port()  # nothing listens here yet
    c, client, clock, auth = platform(port)
    c.dispatcher.dispatch([returned()])
    for wait in BACKOFF:
        assert c.dispatcher.deliver_due() == 0
        clock.advance(seconds=wait.total_seconds())
    assert c.dispatcher.deliver_due() == 0
    admin = auth("qt", (QUAN_TRI,))
    [dead] = client.get("/api/v1/deliveries?state=dead", headers=admin).get_json()["items"]
    assert dead["attempts"] == 5 and dead["last_error"].startswith("Không kết nối được máy chủ thư")
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()  # the server is back
    try:
        assert client.post(f"/api/v1/deliveries/{dead['id']}/replay", headers=admin).status_code == 200
        assert c.dispatcher.deliver_due() == 1 and c.dispatcher.deliver_due() == 0
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    assert client.get("/api/v1/deliveries?state=dead", headers=admin).get_json()["items"] == []


def test_a_malformed_address_is_reported_on_the_persons_page(smtp):
    handler, port = smtp
    c, client, _, auth = platform(port)
    c.people_consumer.handle(example_event(PERSON_CREATED, person="gv9", full_name="Lê Văn Tám",
                                           email="tam.hoaphong.edu.vn", school=SCHOOL))
    c.dispatcher.dispatch([returned(recipient="gv9")])
    assert c.dispatcher.deliver_due() == 0 and handler.messages == []
    [problem] = client.get("/api/v1/notification-settings", headers=auth("gv9")).get_json()["problems"]
    assert problem["message"] == "Địa chỉ tam.hoaphong.edu.vn không nhận được thư: Địa chỉ e-mail không hợp lệ."
    [dead] = client.get("/api/v1/deliveries?state=dead", headers=auth("qt", (QUAN_TRI,))).get_json()["items"]
    assert dead["attempts"] == 1 and dead["last_error"] == "Địa chỉ e-mail không hợp lệ"


def test_a_webhook_gets_a_signed_body_and_a_500_then_200_is_one_delivery(smtp, receiver):
    _, port = smtp
    receiver.answers = [(500, {"error": "busy"})]
    c, client, clock, auth = platform(port)
    assert client.post("/api/v1/webhook-subscriptions", headers=auth("gv"), json={"url": receiver.url}).status_code == 403
    sub = client.post("/api/v1/webhook-subscriptions", headers=auth("qt", (QUAN_TRI,)),
                      json={"url": receiver.url + "/hoso", "kinds": ["returned"]})
    assert sub.status_code == 201
    secret = sub.get_json()["secret"]
    c.dispatcher.dispatch([returned(), returned("ev-1")])
    c.dispatcher.deliver_due()
    clock.advance(minutes=1)
    c.dispatcher.deliver_due()
    clock.advance(hours=3)
    c.dispatcher.deliver_due()
    assert len(receiver.requests) == 2  # the 500, then the one that landed; nothing after
    path, headers, body = receiver.requests[-1]
    assert path == "/hoso"
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-HoSo-Signature"], expected)
    assert int(headers["X-HoSo-Timestamp"]) == int(clock.now().timestamp()) - 3 * 3600
    payload = json.loads(body)
    assert payload["title"] == TITLE and payload["body"] == BODY and payload["link"] == "https://hoso.hoavang.edu.vn/bai-nop/s1"
    assert receiver.requests[0][1]["X-HoSo-Delivery"] == headers["X-HoSo-Delivery"] == "ev-1"
    items = client.get("/api/v1/inbox", headers=auth("gv")).get_json()["items"]
    assert {"channel": "webhook", "state": "sent"} in items[0]["deliveries"]


def test_a_webhook_url_into_the_private_network_is_refused(smtp):
    _, port = smtp
    _, client, _, auth = platform(port)
    r = client.post("/api/v1/webhook-subscriptions", headers=auth("qt", (QUAN_TRI,)), json={"url": "http://10.0.0.5/x"})
    assert r.status_code == 422 and r.get_json()["code"] == "unsafe-webhook-url"


def test_zalo_gets_the_zns_template_body_and_an_error_in_the_body_is_a_failure(smtp, receiver):
    _, port = smtp
    receiver.answers = [(200, {"error": -124, "message": "Quota exceeded"})]
    c, client, clock, auth = platform(port, zalo_base_url=receiver.url, zalo_access_token="oa-token",
                                      zalo_template_id="tpl-234567")
    assert client.put("/api/v1/notification-settings/zalo", headers=auth("gv"), json={"phone": "0905 123 456"}).status_code == 200
    c.dispatcher.dispatch([returned()])
    c.dispatcher.deliver_due()
    clock.advance(minutes=1)
    c.dispatcher.deliver_due()
    zalo = [r for r in receiver.requests if r[0] == "/message/template"]
    assert len(zalo) == 2
    _, headers, body = zalo[-1]
    assert headers["access_token"] == "oa-token"
    sent = json.loads(body)
    assert sent["phone"] == "84905123456" and sent["template_id"] == "tpl-234567" and sent["tracking_id"] == "ev-1"
    assert sent["template_data"]["title"] == TITLE and sent["template_data"]["link"].endswith("/bai-nop/s1")
    items = client.get("/api/v1/inbox", headers=auth("gv")).get_json()["items"]
    assert {"channel": "zalo", "state": "sent"} in items[0]["deliveries"]


def test_a_phone_zalo_says_has_no_account_is_dead_and_shown_on_the_persons_page(smtp, receiver):
    _, port = smtp
    receiver.answers = [(200, {"error": -118, "message": "Zalo account not existed"})]
    c, client, _, auth = platform(port, zalo_base_url=receiver.url, zalo_access_token="oa-token", zalo_template_id="tpl-1")
    client.put("/api/v1/notification-settings/zalo", headers=auth("gv"), json={"phone": "+84 905 123 456"})
    c.dispatcher.dispatch([returned()])
    c.dispatcher.deliver_due()
    [problem] = client.get("/api/v1/notification-settings", headers=auth("gv")).get_json()["problems"]
    assert problem["channel"] == "zalo" and problem["message"].startswith("Số Zalo 84905123456 không nhận được tin")
    client.put("/api/v1/notification-settings/zalo", headers=auth("gv"), json={"phone": "0912 345 678"})
    assert client.get("/api/v1/notification-settings", headers=auth("gv")).get_json()["problems"] == []


def test_webhook_subscriptions_belong_to_one_school_and_a_removed_one_gets_nothing(smtp, receiver):
    _, port = smtp
    c, client, _, auth = platform(port)
    admin, other = auth("qt", (QUAN_TRI,)), auth("qt2", (QUAN_TRI,), tenant="th-hoa-lien")
    sub = client.post("/api/v1/webhook-subscriptions", headers=admin, json={"url": receiver.url}).get_json()
    assert client.get("/api/v1/webhook-subscriptions", headers=other).get_json()["items"] == []
    assert client.delete(f"/api/v1/webhook-subscriptions/{sub['id']}", headers=other).status_code == 404
    assert [w["url"] for w in client.get("/api/v1/webhook-subscriptions", headers=admin).get_json()["items"]] == [receiver.url]
    assert client.get("/api/v1/webhook-subscriptions", headers=admin).get_json()["items"][0]["secret"] is None  # shown once
    c.dispatcher.dispatch([returned()])
    assert client.delete(f"/api/v1/webhook-subscriptions/{sub['id']}", headers=admin).status_code == 204
    c.dispatcher.deliver_due()
    assert receiver.requests == []
    [dead] = client.get("/api/v1/deliveries?state=dead", headers=admin).get_json()["items"]
    assert dead["channel"] == "webhook" and dead["last_error"] == "Đăng ký webhook đã bị xoá"
    assert [e["action"] for e in c.runtime.audit.entries(target=sub["id"])] == [
        "notifications.webhook.unsubscribed", "notifications.webhook.subscribed"]
