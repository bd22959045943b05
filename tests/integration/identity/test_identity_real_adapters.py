"""Identity with real adapters: events through RabbitMQ, the OIDC flow over real HTTP with a
service verifying through the JWKS URL, and the reset e-mail through a real SMTP server."""
from __future__ import annotations

import base64
import email
import hashlib
import os
import re
import secrets
import threading
import time
import uuid
from email import policy
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import kombu
import pytest
import requests
from aiosmtpd.controller import Controller
from werkzeug.serving import make_server

from infra.allinone import free_port
from infra.demo.district import SPECIALIST
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.identity.service_layer.tokens import GrantUser
from services.kernel.events import Event
from services.kernel.messaging import InMemoryPublisher, events_exchange
from services.kernel.tokens import JwksKeySource, TokenVerifier

pytestmark = pytest.mark.integration


def fresh_db_name() -> str:
    return f"hoso_identity_it_{uuid.uuid4().hex[:10]}"


def mongo_env() -> dict[str, str]:
    """The real MongoDB when MONGO_URI is set, mongomock otherwise."""
    return {"MONGO_URI": os.environ["MONGO_URI"]} if os.environ.get("MONGO_URI") else {}


def test_identity_events_are_published_to_rabbitmq(amqp_url):
    c = bootstrap({"mode": "test", "db_name": fresh_db_name()}, environ={"AMQP_URL": amqp_url, **mongo_env()})
    queue = kombu.Queue(f"identity-it-{secrets.token_hex(4)}", exchange=events_exchange(), routing_key="identity.#",
                        exclusive=True, auto_delete=True)
    received: list[Event] = []
    with kombu.Connection(amqp_url) as conn:
        with conn.Consumer(queue, callbacks=[lambda body, msg: (received.append(Event.from_dict(body)), msg.ack())],
                           accept=["json"]):
            seed_demo(c)
            published = c.relay().relay_once()
            assert published == 81  # 78 before the demo's two-school teacher: her account and her two roles
            while True:
                try:
                    conn.drain_events(timeout=2)
                except TimeoutError:
                    break
    assert c.relay().relay_once() == 0, "published events leave the outbox"
    onboarded = [e for e in received if e.type == "identity.school.onboarded"]
    assert {e.data["school_id"] for e in onboarded} == {"th-hoa-phong", "mn-hoa-chau", "thcs-nguyen-hue"}
    hoa_phong = next(e for e in onboarded if e.tenant == "th-hoa-phong")
    assert hoa_phong.data["principal_id"] == "thhp.hieutruong" and hoa_phong.district == "pgd-hoa-vang"
    assert {"id": "th-hoa-phong/lop-4a", "slug": "lop-4a", "name": "Lớp 4A", "kind": "lop"} in hoa_phong.data["units"]
    granted = [e for e in received if e.type == "identity.membership.granted"]
    assert any(e.data == {"membership": "thhp.giaovien|giao_vien|th-hoa-phong/lop-4a", "person": "thhp.giaovien",
                          "school": "th-hoa-phong", "role": "giao_vien", "unit": "th-hoa-phong/lop-4a"} for e in granted)


@pytest.fixture
def server():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    c = bootstrap({"mode": "test", "db_name": fresh_db_name(), "public_url": base, "jwt_issuer": base},
                  environ=mongo_env(), publisher=InMemoryPublisher())
    seed_demo(c)
    httpd = make_server("127.0.0.1", port, create_app(container=c), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base, c
    httpd.shutdown()
    thread.join(timeout=5)
    c.runtime.db.client.drop_database(c.runtime.db.name)


def _authorize(browser: requests.Session, base: str, **extra: str) -> tuple[requests.Response, str]:
    """Start the code flow with PKCE in ``browser`` (extra parameters such as ``tenant``); returns the answer and the verifier."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    url = base + "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": "hoso-web", "redirect_uri": base + "/auth/callback", "scope": "openid profile",
        "state": "s", "code_challenge": challenge, "code_challenge_method": "S256", **extra})
    return browser.get(url, allow_redirects=False), verifier


def _exchange(base: str, resp: requests.Response, verifier: str) -> dict:
    """The code of a redirect back to the web app, exchanged for tokens."""
    code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
    return requests.post(base + "/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                                      "redirect_uri": base + "/auth/callback", "client_id": "hoso-web",
                                                      "code_verifier": verifier}).json()


def _sign_in(base: str, login: str) -> tuple[requests.Session, dict]:
    """A browser signing ``login`` in through the pages: its cookies and the first tokens."""
    browser = requests.Session()
    resp, verifier = _authorize(browser, base)
    sign_in_url = urljoin(resp.url, resp.headers["Location"])
    page = browser.get(sign_in_url)
    assert page.status_code == 200 and "Đăng nhập" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    nxt = parse_qs(urlsplit(sign_in_url).query)["next"][0]
    resp = browser.post(base + "/auth/sign-in", data={"login": login, "password": "HoSo@2026", "csrf": csrf,
                                                       "next": nxt}, allow_redirects=False)
    assert resp.status_code == 303
    resp = browser.get(urljoin(base + "/auth/sign-in", resp.headers["Location"]), allow_redirects=False)
    return browser, _exchange(base, resp, verifier)


def test_pkce_flow_over_http_and_a_service_verifying_through_the_jwks_url(server):
    base, c = server
    _, tokens = _sign_in(base, "thcsnh.giaovien")
    other_service = TokenVerifier(keys=JwksKeySource(url=base + "/oauth/jwks", min_refresh_interval=0.5),
                                  issuer=base, audience="hoso-documents")
    principal = other_service.verify(tokens["access_token"])
    assert principal.sub == "thcsnh.giaovien" and principal.tenant == "thcs-nguyen-hue"
    assert principal.has_role("giao_vien", "thcs-nguyen-hue/lop-8a")
    c.keys.rotate(immediate=True)  # an emergency rotation signs at once
    time.sleep(0.6)
    fresh = c.tokens.service_access_token("approvals")  # approvals' declared calls are to documents
    assert other_service.verify(fresh).is_service, "a rotated key reaches the service through the JWKS URL"
    assert other_service.verify(tokens["access_token"]).sub == "thcsnh.giaovien"


class Collect:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def test_reset_link_is_mailed_through_smtp():
    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        c = bootstrap({"mode": "test", "db_name": fresh_db_name(), "smtp_host": "127.0.0.1", "smtp_port": port},
                      environ=mongo_env(), publisher=InMemoryPublisher())
        seed_demo(c)
        c.signin.request_reset(login="mnhc.vanthu", link_base="http://hoso.test/api/identity/auth/reset")
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    msg = handler.messages[0]
    assert msg["To"] == "mnhc.vanthu@hoachau.edu.vn" and msg["Subject"] == "HoSo: đặt lại mật khẩu"
    body = msg.get_content()
    assert "Đinh Thị Xuân" in body
    token = re.search(r"/auth/reset/(\S+)", body).group(1)
    assert c.signin.reset_is_valid(token)


def test_a_two_school_teacher_switches_school_and_signs_out_everywhere_over_http(server):
    """issue 16 (4, 5) with requests as the client: the silent switch, the refusal, sign-out everywhere, and an
    administrator ending a person's sessions, each token checked by a service through the JWKS URL."""
    base, c = server
    verifier = TokenVerifier(keys=JwksKeySource(url=base + "/oauth/jwks", min_refresh_interval=0.5), issuer=base, audience="hoso-documents")
    browser, first = _sign_in(base, SPECIALIST)
    assert verifier.verify(first["access_token"]).tenant == "th-hoa-phong"

    resp, pkce = _authorize(browser, base, tenant="thcs-nguyen-hue")  # the header's picker: no password
    assert resp.status_code == 302 and resp.headers["Location"].startswith(base + "/auth/callback?code=")
    there = verifier.verify(_exchange(base, resp, pkce)["access_token"])
    assert there.tenant == "thcs-nguyen-hue" and there.has_role("giao_vien", "thcs-nguyen-hue/to-khtn")
    assert not there.has_role("giao_vien", "th-hoa-phong/to-4")

    refused, _ = _authorize(browser, base, tenant="mn-hoa-chau")
    query = parse_qs(urlsplit(refused.headers["Location"]).query)
    assert (query["error"], query["state"]) == (["access_denied"], ["s"]) and "code" not in query
    assert c.runtime.audit.entries(match={"action": "signin.school_refused", "actor": SPECIALIST})

    me = {"Authorization": f"Bearer {first['access_token']}"}
    ended = requests.delete(base + "/api/v1/me/sessions", headers=me, cookies=browser.cookies)
    assert ended.status_code == 200 and ended.json() == {"sessions": 1}
    again, _ = _authorize(browser, base, tenant="thcs-nguyen-hue")
    assert "/auth/sign-in" in again.headers["Location"]  # signed out here too
    assert requests.post(base + "/oauth/token", data={"grant_type": "refresh_token", "client_id": "hoso-web",
                                                      "refresh_token": first["refresh_token"]}).status_code == 400

    _, teacher = _sign_in(base, "thhp.giaovien")
    admin = {"Authorization": "Bearer " + c.tokens.person_access_token(GrantUser("thhp.quantri", None, None), "hoso-web")}
    other_admin = {"Authorization": "Bearer " + c.tokens.person_access_token(GrantUser("mnhc.quantri", None, None), "hoso-web")}
    path = "/api/v1/schools/th-hoa-phong/people/thhp.giaovien/sessions"
    assert requests.delete(base + path, headers=other_admin).status_code == 404
    assert requests.delete(base + path.replace("th-hoa-phong", "mn-hoa-chau"), headers=other_admin).status_code == 404
    done = requests.delete(base + path, headers=admin)
    assert done.status_code == 200 and done.json() == {"sessions": 1}
    assert requests.post(base + "/oauth/token", data={"grant_type": "refresh_token", "client_id": "hoso-web",
                                                      "refresh_token": teacher["refresh_token"]}).status_code == 400
