"""Fixtures of identity's unit tests: a container built by bootstrap with fakes (in-memory
publisher and mailer, a fixed clock, cheap argon2 parameters), the demo seed, and helpers that
drive the sign-in pages like a browser."""
from __future__ import annotations

import base64
import hashlib
import os
import re
import uuid
import secrets
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest

from services.identity.adapters.mail import MemoryMailer
from services.identity.adapters.passwords import PasswordHasher
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.identity.service_layer.tokens import GrantUser
from services.kernel.clock import FixedClock
from services.kernel.messaging import InMemoryPublisher

PUBLIC = "http://hoso.test"
ISSUER = PUBLIC + "/api/identity"
REDIRECT = PUBLIC + "/auth/callback"
DEMO_PASSWORD = "HoSo@2026"


@pytest.fixture
def clock():
    # near the real time: mongomock applies TTL indexes against the wall clock
    return FixedClock(datetime.now(timezone.utc).replace(microsecond=0))


def fresh_db_name() -> str:
    """A database of its own per test (matters when MONGO_URI points at a real server)."""
    return f"hoso_identity_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def container(clock):
    c = bootstrap(
        {"mode": "test", "public_url": PUBLIC, "documents_client_secret": "documents-secret-123",
         "approvals_client_secret": "approvals-secret-123", "demo_mode": False, "db_name": fresh_db_name()},
        environ={"MONGO_URI": os.environ["MONGO_URI"]} if os.environ.get("MONGO_URI") else {},
        clock=clock, publisher=InMemoryPublisher(), mailer=MemoryMailer(),
        hasher=PasswordHasher(time_cost=1, memory_cost_kib=8 * 1024),
    )
    yield c
    c.runtime.db.client.drop_database(c.runtime.db.name)


@pytest.fixture
def seeded(container):
    seed_demo(container)
    return container


@pytest.fixture
def app(seeded):
    return create_app(container=seeded)


@pytest.fixture
def client(app):
    return app.test_client()


def follow(resp, current: str) -> str:
    """The absolute path a (relative) Location header points to from ``current``."""
    return urljoin(current, resp.headers["Location"])


def csrf_of(client, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)
    return match.group(1)


def sign_in(client, login: str, password: str = DEMO_PASSWORD, *, next_path: str = "", environ=None):
    """Submit the sign-in form as a browser would; returns the response."""
    path = "/auth/sign-in" + (f"?{urlencode({'next': next_path})}" if next_path else "")
    token = csrf_of(client, path)
    return client.post("/auth/sign-in", data={"login": login, "password": password, "csrf": token, "next": next_path},
                       environ_base=environ or {"REMOTE_ADDR": "10.0.0.1"})


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_query(challenge: str, *, state: str = "st-1", nonce: str = "n-1",
                    scope: str = "openid profile email offline_access") -> str:
    return urlencode({"response_type": "code", "client_id": "hoso-web", "redirect_uri": REDIRECT,
                      "scope": scope, "state": state, "nonce": nonce,
                      "code_challenge": challenge, "code_challenge_method": "S256"})


def browser_login_code(client, login: str, password: str = DEMO_PASSWORD, *,
                       scope: str = "openid profile email offline_access") -> tuple[str, str]:
    """Authorization code + PKCE for ``login`` through the real pages, asking ``scope``: (code, verifier)."""
    verifier, challenge = pkce_pair()
    start = "/oauth/authorize?" + authorize_query(challenge, scope=scope, nonce=uuid.uuid4().hex)  # a nonce works once
    resp = client.get(start)
    assert resp.status_code == 302
    if "code=" not in resp.headers["Location"]:  # not signed in yet in this client
        sign_in_path = follow(resp, start)
        next_path = parse_qs(urlsplit(sign_in_path).query)["next"][0]
        resp = sign_in(client, login, password, next_path=next_path)
        assert resp.status_code == 303, resp.get_data(as_text=True)
        resp = client.get(follow(resp, "/auth/sign-in"))
        assert resp.status_code == 302
    return parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0], verifier


def exchange_code(client, code: str, verifier: str, **params: str):
    """The token endpoint's answer to the code exchange (``params``: e.g. an RFC 8707 ``resource``)."""
    return client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                             "client_id": "hoso-web", "code_verifier": verifier, **params})


def browser_login_tokens(client, login: str, password: str = DEMO_PASSWORD) -> dict:
    """Authorization code + PKCE for ``login`` through the real pages; returns the token response."""
    tok = exchange_code(client, *browser_login_code(client, login, password))
    assert tok.status_code == 200, tok.get_data(as_text=True)
    return tok.get_json()


@pytest.fixture
def tokens_for(seeded):
    """Authorization headers with real access tokens issued by identity for a person."""

    def issue(person: str) -> dict:
        return {"Authorization": "Bearer " + seeded.tokens.person_access_token(GrantUser(person, None, None), "hoso-web")}

    return issue
