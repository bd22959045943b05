"""Sign-in security as a person meets it: throttling and lockout under a burst of wrong
passwords, second factor, forced password change, reset by e-mailed single-use link, sessions,
and the new-device event."""
from __future__ import annotations

import re
import pyotp

from services.identity.adapters.documents import IdentityPersonDoc
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.identity.domain.throttle import WRONG_CREDENTIALS_MESSAGE
from services.kernel.messaging import InMemoryPublisher

from .conftest import DEMO_PASSWORD, csrf_of, follow, sign_in

SLOWED = "Vui lòng thử lại sau"


def _error(resp) -> str:
    match = re.search(r'role="alert" id="form-error">([^<]+)<', resp.get_data(as_text=True))
    return match.group(1) if match else ""


def test_a_burst_of_wrong_passwords_slows_unknown_devices_without_locking_the_person_out(client, seeded, clock):
    known = create_app(container=seeded).test_client()
    assert sign_in(known, "thhp.giaovien").status_code == 303  # the person's own browser, signed in before
    attacker = {"REMOTE_ADDR": "203.0.113.50"}
    for attempt in range(5):
        resp = sign_in(client, "thhp.giaovien", "sai-mat-khau", environ=attacker)
        assert resp.status_code == 401 and _error(resp) == WRONG_CREDENTIALS_MESSAGE
    during = sign_in(client, "thhp.giaovien", DEMO_PASSWORD, environ=attacker)
    assert during.status_code == 429 and SLOWED in _error(during) and "30 giây" in _error(during)
    # the same login written differently is the same account
    assert sign_in(client, " THHP.GiaoVien ", DEMO_PASSWORD, environ=attacker).status_code == 429
    assert sign_in(known, "thhp.giaovien").status_code == 303, "the person's known browser is never slowed"
    clock.advance(seconds=31)
    assert sign_in(client, "thhp.giaovien", "sai-mat-khau", environ=attacker).status_code == 401
    second = sign_in(client, "thhp.giaovien", DEMO_PASSWORD, environ=attacker)
    assert second.status_code == 429 and "1 phút" in _error(second), "each further failure doubles the wait"
    clock.advance(minutes=1, seconds=1)
    after = sign_in(client, "thhp.giaovien", DEMO_PASSWORD, environ=attacker)
    assert after.status_code == 303 and after.headers["Location"] == "signed-in"


def test_unknown_accounts_behave_exactly_like_existing_ones(client):
    messages = []
    for login in ("thhp.giaovien", "khong.ton.tai"):
        for _ in range(5):
            resp = sign_in(client, login, "sai-mat-khau", environ={"REMOTE_ADDR": f"10.1.0.{len(messages)}"})
            messages.append((resp.status_code, _error(resp)))
    assert messages[:5] == messages[5:]


def test_one_address_spraying_many_accounts_is_slowed_but_known_devices_there_go_on(client, seeded):
    ip = {"REMOTE_ADDR": "203.0.113.9"}
    known = create_app(container=seeded).test_client()
    assert sign_in(known, "thhp.tongphutrach", environ=ip).status_code == 303
    limit = seeded.signin._policy.spray.distinct_accounts
    statuses = [sign_in(client, f"ai.do.{n}", "doan-mo", environ=ip).status_code for n in range(limit)]
    assert statuses == [401] * limit
    refused = sign_in(client, "thhp.vanthu", DEMO_PASSWORD, environ=ip)
    assert refused.status_code == 429 and SLOWED in _error(refused)
    assert sign_in(known, "thhp.tongphutrach", environ=ip).status_code == 303, "a known device at that address"
    assert sign_in(client, "thhp.vanthu", DEMO_PASSWORD, environ={"REMOTE_ADDR": "198.51.100.1"}).status_code == 303


def test_a_principal_enrols_totp_at_first_sign_in_then_needs_the_code(client, clock, seeded):
    resp = sign_in(client, "thhp.hieutruong")
    assert resp.headers["Location"] == "passkey"  # offered a passkey first; this principal prefers an app
    resp = client.post("/auth/passkey", data={"csrf": csrf_of(client, "/auth/passkey"), "method": "totp"})
    assert resp.headers["Location"] == "enrol"
    page = client.get("/auth/enrol").get_data(as_text=True)
    secret = re.search(r'<code class="secret"[^>]*>([A-Z2-7]+)</code>', page).group(1)
    assert "otpauth://totp/" in page and "<svg" in page
    assert "Để sau" not in page  # no postponing outside demo mode
    token = csrf_of(client, "/auth/enrol")
    wrong = client.post("/auth/enrol", data={"csrf": token, "code": "000000", "action": "confirm"})
    assert wrong.status_code == 400
    code = pyotp.TOTP(secret).at(clock.now())
    ok = client.post("/auth/enrol", data={"csrf": token, "code": code, "action": "confirm"})
    assert ok.status_code == 303 and ok.headers["Location"] == "signed-in"
    assert IdentityPersonDoc.objects(id="thhp.hieutruong").first().totp_enabled

    browser = create_app(container=seeded).test_client()  # a new browser: password, then the second factor
    resp = sign_in(browser, "thhp.hieutruong")
    assert resp.headers["Location"] == "second-factor"
    token = csrf_of(browser, "/auth/second-factor")
    replay = browser.post("/auth/second-factor", data={"csrf": token, "code": code})
    assert replay.status_code == 401, "a code is accepted once"
    clock.advance(seconds=30)
    resp = browser.post("/auth/second-factor", data={"csrf": token, "code": pyotp.TOTP(secret).at(clock.now())})
    assert resp.status_code == 303 and resp.headers["Location"] == "signed-in"


def test_demo_mode_lets_a_newcomer_postpone_enrolment(clock):
    demo = bootstrap({"mode": "all_in_one", "demo_mode": True}, environ={}, clock=clock, publisher=InMemoryPublisher())
    seed_demo(demo)
    browser = create_app(container=demo).test_client()
    sign_in(browser, "pgd.truongphong")
    page = browser.get("/auth/enrol").get_data(as_text=True)
    assert "Để sau" in page
    resp = browser.post("/auth/enrol", data={"csrf": csrf_of(browser, "/auth/enrol"), "action": "postpone"})
    assert resp.status_code == 303 and resp.headers["Location"] == "signed-in"


def test_first_sign_in_forces_a_password_change(client, tokens_for):
    created = client.post("/api/v1/schools/th-hoa-phong/people", headers=tokens_for("thhp.quantri"), json={
        "username": "thhp.giaovienmoi", "full_name": "Trần Thị Mới", "email": "moi@hoaphong.edu.vn",
        "roles": [{"role": "giao_vien", "unit": "to-1"}]}).get_json()
    temporary = created["temporary_password"]
    assert created["created"] and temporary
    resp = sign_in(client, "moi@hoaphong.edu.vn", temporary)
    assert resp.headers["Location"] == "change-password"
    token = csrf_of(client, "/auth/change-password")
    weak = client.post("/auth/change-password", data={"csrf": token, "new_password": "12345678", "confirm_password": "12345678"})
    assert weak.status_code == 400 and "chữ cái" in _error(weak)
    same = client.post("/auth/change-password", data={"csrf": token, "new_password": temporary, "confirm_password": temporary})
    assert same.status_code == 400
    ok = client.post("/auth/change-password", data={"csrf": token, "new_password": "Lớp Một 2026", "confirm_password": "Lớp Một 2026"})
    assert ok.status_code == 303 and ok.headers["Location"] == "signed-in"
    assert sign_in(client, "thhp.giaovienmoi", "Lớp Một 2026").headers["Location"] == "signed-in"


def test_reset_by_emailed_single_use_link(client, seeded, clock):
    token = csrf_of(client, "/auth/forgot")
    for login in ("thhp.giaovien2", "khong.co.ai"):
        resp = client.post("/auth/forgot", data={"csrf": token, "login": login})
        assert resp.status_code == 200 and "Nếu tài khoản tồn tại" in resp.get_data(as_text=True)
    assert len(seeded.mailer.sent) == 1
    mail = seeded.mailer.sent[0]
    assert mail["to"] == "thhp.giaovien2@hoaphong.edu.vn" and "Trương Quốc Bảo" in mail["text"]
    link = re.search(r"(http://hoso\.test/api/identity/auth/reset/\S+)", mail["text"]).group(1)
    path = link.removeprefix("http://hoso.test/api/identity")
    assert client.get(path).status_code == 200
    form = csrf_of(client, path)
    done = client.post(path, data={"csrf": form, "new_password": "Mật khẩu mới 9", "confirm_password": "Mật khẩu mới 9"})
    assert done.status_code == 200 and "đã được đặt lại" in done.get_data(as_text=True)
    assert client.get(path).status_code == 410, "the link works once"
    assert sign_in(client, "thhp.giaovien2", DEMO_PASSWORD).status_code == 401
    assert sign_in(client, "thhp.giaovien2", "Mật khẩu mới 9").status_code == 303


def test_reset_links_expire(client, seeded, clock):
    client.post("/auth/forgot", data={"csrf": csrf_of(client, "/auth/forgot"), "login": "thhp.ketoan"})
    path = re.search(r"/api/identity(/auth/reset/\S+)", seeded.mailer.sent[0]["text"]).group(1)
    clock.advance(minutes=31)
    assert client.get(path).status_code == 410


def test_sessions_are_listed_and_one_can_be_revoked(client, seeded, tokens_for):

    phone = create_app(container=seeded).test_client()
    sign_in(client, "thhp.vanthu")
    sign_in(phone, "thhp.vanthu", environ={"REMOTE_ADDR": "10.9.9.9"})
    me = tokens_for("thhp.vanthu")
    sessions = client.get("/api/v1/me/sessions", headers=me).get_json()["items"]
    assert len(sessions) == 2
    phone_session = next(s for s in sessions if s["ip"] == "10.9.9.9")
    assert client.delete(f"/api/v1/me/sessions/{phone_session['id']}", headers=me).status_code == 204
    assert len(client.get("/api/v1/me/sessions", headers=me).get_json()["items"]) == 1
    assert phone.get("/auth/signed-in").status_code == 303, "the revoked device is signed out"
    other = tokens_for("thhp.ketoan")
    assert client.delete(f"/api/v1/me/sessions/{sessions[0]['id']}", headers=other).status_code == 404


def test_a_sign_in_from_a_new_device_raises_an_event_for_notifications(client, seeded):

    sign_in(client, "thhp.ketoan")
    sign_in(client, "thhp.ketoan")  # same browser again: nothing new
    laptop = create_app(container=seeded).test_client()
    sign_in(laptop, "thhp.ketoan", environ={"REMOTE_ADDR": "10.2.2.2", "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0) Chrome/130.0"})
    seeded.relay().relay_once()
    events = [e for e in seeded.runtime.publisher.published if e.type == "identity.signin.new_device"]
    assert len(events) == 1
    assert events[0].data["person"] == "thhp.ketoan" and events[0].data["email"] == "thhp.ketoan@hoaphong.edu.vn"
    assert events[0].data["device"] == "Chrome trên Windows"


def test_the_next_parameter_cannot_redirect_elsewhere(client):
    resp = sign_in(client, "thhp.giaovien", next_path="https://evil.example/")
    assert resp.headers["Location"] == "signed-in"
    assert follow(resp, "/auth/sign-in") == "/auth/signed-in"


def test_pages_are_vietnamese_accessible_and_not_cached(client):
    resp = client.get("/auth/sign-in")
    html = resp.get_data(as_text=True)
    assert '<html lang="vi">' in html and 'name="viewport"' in html
    assert '<label for="login">' in html and '<label for="password">' in html
    assert 'autocomplete="current-password"' in html
    assert resp.headers["Cache-Control"] == "no-store" and resp.headers["X-Frame-Options"] == "DENY"
    no_csrf = client.post("/auth/sign-in", data={"login": "thhp.giaovien", "password": DEMO_PASSWORD})
    assert no_csrf.status_code == 400


def test_reset_mails_are_limited_per_account(client, seeded):
    token = csrf_of(client, "/auth/forgot")
    for _ in range(5):
        resp = client.post("/auth/forgot", data={"csrf": token, "login": "thhp.ketoan"})
        assert "Nếu tài khoản tồn tại" in resp.get_data(as_text=True)
    assert len(seeded.mailer.sent) == 3


def test_coming_back_half_way_continues_at_the_missing_step(client):
    assert sign_in(client, "thhp.quantri").headers["Location"] == "enrol"
    resp = client.get("/auth/sign-in?next=%2Foauth%2Fauthorize%3Fclient_id%3Dhoso-web")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("enrol?next=")
