"""Sign-in abuse, as an outsider would try it against identity's real sign-in page (bootstrap
with fakes: mongomock, a fixed clock, in-memory publisher and mailer).

(a) a victim under password guessing still signs in at once from a browser she used before;
(b) spraying many accounts from one address is slowed, and its guesses stop being checked;
(c) 300 people of one school behind one shared address sign in on Monday morning, some after a
    typo, without one refusal;
(d) no account enumeration: unknown and existing accounts get the same answers, and argon2 runs
    for unknown accounts too (comparable timing).

Each case records ``abuse: cases=1`` when it starts and ``passed=1`` once its assertions held.
"""
from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from flask.testing import FlaskClient

from services.identity.adapters.documents import IdentityPersonDoc
from services.identity.adapters.mail import MemoryMailer
from services.identity.adapters.passwords import PasswordHasher
from services.identity.bootstrap import Container, bootstrap
from services.identity.domain.throttle import WRONG_CREDENTIALS_MESSAGE
from services.identity.entrypoints.app import create_app
from services.kernel.clock import FixedClock
from services.kernel.messaging import InMemoryPublisher
from tests.trust.figures import record

PASSWORD = "Mat-khau-dung-2026"
SCHOOL_ADDRESS = {"REMOTE_ADDR": "113.160.20.5"}  # a school's one public (NAT) address
ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
RETRY = "Vui lòng thử lại sau"


def _container(clock: FixedClock, hasher: PasswordHasher) -> Container:
    return bootstrap({"mode": "test", "public_url": "http://hoso.test", "demo_mode": False,
                      "db_name": f"hoso_identity_trust_{uuid.uuid4().hex[:10]}"},
                     environ={}, clock=clock, publisher=InMemoryPublisher(), mailer=MemoryMailer(), hasher=hasher)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(timezone.utc).replace(microsecond=0))


@pytest.fixture
def identity(clock: FixedClock) -> Iterator[Container]:
    c = _container(clock, PasswordHasher(time_cost=1, memory_cost_kib=8 * 1024))
    yield c
    c.runtime.db.client.drop_database(c.runtime.db.name)


def _people(c: Container, usernames: list[str], clock: FixedClock) -> None:
    """Accounts with a chosen password and no pending step (one hash shared: same password)."""
    digest = c.hasher.hash(PASSWORD)
    IdentityPersonDoc.objects.insert([
        IdentityPersonDoc(id=u, full_name="Nguyễn Văn An", email=f"{u}@truong.edu.vn", password_hash=digest,
                          must_change_password=False, created_at=clock.now()) for u in usernames])


_APPS: dict[int, object] = {}


def _browser(c: Container) -> FlaskClient:
    """A new browser (its own cookie jar) on the container's one app."""
    app = _APPS.get(id(c))
    if app is None or app.config.get("_container") is not c:
        app = _APPS[id(c)] = create_app(container=c)
        app.config["_container"] = c
    return app.test_client()


def _sign_in(browser: FlaskClient, login: str, password: str, environ: dict) -> tuple[int, str]:
    page = browser.get("/auth/sign-in", environ_base=environ).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    resp = browser.post("/auth/sign-in", data={"login": login, "password": password, "csrf": csrf, "next": ""},
                        environ_base=environ)
    match = re.search(r'role="alert" id="form-error">([^<]+)<', resp.get_data(as_text=True))
    return resp.status_code, match.group(1) if match else ""


def _timed_verify(hasher: PasswordHasher) -> float:
    started = time.perf_counter()
    hasher.verify(None, "sai")
    return time.perf_counter() - started


def test_a_victim_under_password_guessing_signs_in_at_once_from_a_known_device(identity, clock):
    record("abuse", cases=1)
    _people(identity, ["co.lan"], clock)
    laptop = _browser(identity)
    assert _sign_in(laptop, "co.lan", PASSWORD, SCHOOL_ADDRESS)[0] == 303  # Friday: her own laptop
    attacker = _browser(identity)
    answers = []
    for _ in range(50):  # a colleague tries 50 passwords over the weekend, one a minute
        clock.advance(minutes=1)
        answers.append(_sign_in(attacker, "co.lan", "doan-bua", ATTACKER))
    assert {status for status, _ in answers} <= {401, 429}
    assert sum(status == 401 for status, _ in answers) < 15, "growing delays: most guesses are never checked"
    refused = [text for status, text in answers if status == 429]
    assert refused and all(RETRY in text for text in refused), "a refusal says when to try again"
    # Monday morning, right after the 50th guess: her laptop signs in at once, even after a typo
    assert _sign_in(laptop, "co.lan", "go-nham", SCHOOL_ADDRESS)[0] == 401
    assert _sign_in(laptop, "co.lan", PASSWORD, SCHOOL_ADDRESS)[0] == 303
    # while the attacker's browser is still waiting, even with the right password
    assert _sign_in(attacker, "co.lan", PASSWORD, ATTACKER)[0] == 429
    record("abuse", passed=1)


def test_spraying_many_accounts_from_one_address_is_slowed(identity, clock):
    record("abuse", cases=1)
    accounts = [f"gv.{n:03d}" for n in range(150)]
    _people(identity, accounts + ["ban.giam.hieu"], clock)
    office = _browser(identity)
    assert _sign_in(office, "ban.giam.hieu", PASSWORD, ATTACKER)[0] == 303  # a real person at that address
    limit = identity.signin._policy.spray.distinct_accounts
    sprayer = _browser(identity)
    answers = [_sign_in(sprayer, login, guess, ATTACKER) for guess in ("123456", "Matkhau@123") for login in accounts]
    checked = sum(status == 401 for status, _ in answers)
    assert checked <= limit, f"{checked} guesses checked from one address; the spraying limit is {limit}"
    assert all(status == 429 and RETRY in text for status, text in answers[limit:])
    # even the right password of one sprayed account is not checked from an unknown browser there
    assert _sign_in(sprayer, accounts[-1], PASSWORD, ATTACKER)[0] == 429
    # the person already signed in from that address keeps working; elsewhere nothing changed
    assert _sign_in(office, "ban.giam.hieu", PASSWORD, ATTACKER)[0] == 303
    assert _sign_in(_browser(identity), accounts[-1], PASSWORD, SCHOOL_ADDRESS)[0] == 303
    record("abuse", passed=1)


def test_a_schools_300_people_behind_one_address_sign_in_on_monday_morning(identity, clock):
    record("abuse", cases=1)
    staff = [f"thhp.nv{n:03d}" for n in range(300)]
    _people(identity, staff, clock)
    refusals = []
    for n, login in enumerate(staff):  # all within minutes, each from a browser with no cookies
        browser = _browser(identity)
        if n % 5 == 0:  # one in five mistypes first
            status, text = _sign_in(browser, login, PASSWORD + "x", SCHOOL_ADDRESS)
            assert status == 401 and text == WRONG_CREDENTIALS_MESSAGE
        status, text = _sign_in(browser, login, PASSWORD, SCHOOL_ADDRESS)
        if status != 303:
            refusals.append((login, status, text))
        if n % 100 == 99:
            clock.advance(minutes=1)
    assert refusals == []
    record("abuse", passed=1)


def test_unknown_and_existing_accounts_cannot_be_told_apart(clock):
    record("abuse", cases=1)
    hasher = PasswordHasher()  # the production argon2id parameters: timing is part of the claim
    c = _container(clock, hasher)
    try:
        _people(c, ["co.hoa"] + [f"gv.that.{n}" for n in range(7)], clock)
        browser = _browser(c)
        existing = [_sign_in(browser, "co.hoa", "sai", {"REMOTE_ADDR": "10.1.0.1"}) for _ in range(7)]
        unknown = [_sign_in(browser, "khong.ton.tai", "sai", {"REMOTE_ADDR": "10.1.0.1"}) for _ in range(7)]
        assert existing == unknown, "same status and message, also once the delays start"
        assert existing[0] == (401, WRONG_CREDENTIALS_MESSAGE) and existing[-1][0] == 429

        def timed(login: str) -> float:
            started = time.perf_counter()
            status, _ = _sign_in(browser, login, "sai", {"REMOTE_ADDR": "10.1.0.2"})
            assert status == 401
            return time.perf_counter() - started

        known_t, unknown_t = [], []
        for n in range(7):
            known_t.append(timed(f"gv.that.{n}"))
            unknown_t.append(timed(f"khong.co.{n}"))
        argon2_t = min(_timed_verify(hasher) for _ in range(5))
        # minima: the least disturbed run of each (the machine is shared; load only adds time)
        k, u = min(known_t), min(unknown_t)
        assert 0.5 < u / k < 2.0, f"existing {k * 1000:.1f} ms against unknown {u * 1000:.1f} ms"
        assert u >= 0.8 * argon2_t, "argon2 runs for unknown accounts too"
    finally:
        c.runtime.db.client.drop_database(c.runtime.db.name)
    record("abuse", passed=1)
