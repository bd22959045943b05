"""The whole platform for the trust suite, and real access tokens of demo people.

``running_platform()`` starts every service that exists behind the gateway in this process
(``infra.allinone.start_platform``, demo district seeded, the gateway's buckets raised: the
suite is one very fast user; the buckets are tested in tests/unit/gateway). ``People(url)``
signs people in the way the web app does (a person of two schools for either school: ``in_school``) — authorization code with PKCE through identity's
own pages, through the gateway, with a forced password change for a temporary password, the
passkey offer (where passkeys work) answered by choosing TOTP, and TOTP enrolment or a code for
roles that need a second factor — and caches their tokens.
The caller stops the platform (the fixtures do it at the end of their module, so no platform
keeps running under later tests).
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pyotp
import requests

from infra.allinone import SERVICES, Platform, start_platform
from infra.demo.district import DEMO_PASSWORD

NEW_PASSWORD = "Tin-cay-2026-xyz"  # what people with a temporary password choose at their first sign-in

GATEWAY_LIMITS = {"HOSO_GATEWAY_USER_RATE": "100000", "HOSO_GATEWAY_USER_BURST": "100000",
                  "HOSO_GATEWAY_IP_RATE": "100000", "HOSO_GATEWAY_IP_BURST": "100000"}
"""The gateway's buckets raised: the suite is one very fast user (the buckets are tested in tests/unit/gateway)."""


def available_services() -> tuple[str, ...]:
    """The services whose code exists in this tree."""
    return tuple(s for s in SERVICES if importlib.util.find_spec(f"services.{s}.entrypoints.app") is not None)


def running_platform(environ: Mapping[str, str] | None = None) -> Platform:
    """Start the platform in-process with the demo district (plus ``environ`` settings); the caller stops it."""
    present = available_services()
    env = {f"HOSO_{s.upper()}_URL": "http://127.0.0.1:9" for s in SERVICES if s not in present}
    env.update(GATEWAY_LIMITS)
    env.update(environ or {})
    return start_platform(services=present, seed=True, environ=env)


@dataclass
class People:
    """Signs demo people in through identity's real OIDC flow; tokens cached per username."""

    url: str
    scope: str = "openid profile"
    """The scope asked at authorization; API scopes in it narrow the tokens (docs/identity-audiences.md)."""
    token_params: Mapping[str, str] = field(default_factory=dict)
    """Extra token-request parameters, such as an RFC 8707 ``resource``."""
    passwords: dict[str, str] = field(default_factory=dict)
    totp_secrets: dict[str, str] = field(default_factory=dict)
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    _last_step: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def token(self, username: str) -> str:
        """A fresh-enough access token of ``username`` (signed in once, reused while valid)."""
        with self._lock:
            cached = self._tokens.get(username)
            if cached and cached[1] > time.time() + 60:
                return cached[0]
            access, lifetime = self._sign_in(username)
            self._tokens[username] = (access, time.time() + lifetime)
            return access

    @staticmethod
    def in_school(username: str, school: str) -> str:
        """The name ``token``/``headers`` know a person by when signed in asking for ``school`` (``tenant=``
        on authorize): a person holding roles in several schools, with a token of one of them."""
        return f"{username}@{school}"

    def headers(self, username: str) -> dict[str, str]:
        """Authorization header of ``username``."""
        return {"Authorization": f"Bearer {self.token(username)}"}

    def _totp(self, username: str) -> str:
        username = username.partition("@")[0]
        step = int(time.time()) // 30
        if self._last_step.get(username) == step:  # a code works once: wait for the next step
            time.sleep(30 - time.time() % 30 + 0.2)
            step = int(time.time()) // 30
        self._last_step[username] = step
        return pyotp.TOTP(self.totp_secrets[username]).at(step * 30)

    def _sign_in(self, name: str) -> tuple[str, int]:
        username, _, school = name.partition("@")  # see in_school
        base = self.url + "/api/identity"
        redirect_uri = self.url + "/auth/callback"
        browser = requests.Session()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        start = base + "/oauth/authorize?" + urlencode({
            "response_type": "code", "client_id": "hoso-web", "redirect_uri": redirect_uri, "scope": self.scope,
            "state": "trust", "code_challenge": challenge, "code_challenge_method": "S256",
            **({"tenant": school} if school else {})})
        resp = browser.get(start, allow_redirects=False)
        sign_in_url = urljoin(start, resp.headers["Location"])
        page = browser.get(sign_in_url)
        nxt = parse_qs(urlsplit(sign_in_url).query)["next"][0]
        resp = browser.post(base + "/auth/sign-in", allow_redirects=False, data={
            "login": username, "password": self.passwords.get(username, DEMO_PASSWORD), "csrf": _csrf(page.text), "next": nxt})
        assert resp.status_code == 303, f"{username} could not sign in: {resp.status_code}"
        location = urljoin(base + "/auth/sign-in", resp.headers["Location"])
        for _ in range(6):  # the steps a person walks through before the code is issued
            path = urlsplit(location).path
            if path.endswith("/auth/change-password"):
                page = browser.get(location)
                resp = browser.post(location, allow_redirects=False, data={
                    "csrf": _csrf(page.text), "next": nxt, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
                self.passwords[username] = NEW_PASSWORD
            elif path.endswith("/auth/passkey"):  # the passkey offer (a host where passkeys work): TOTP instead
                page = browser.get(location)
                resp = browser.post(location, allow_redirects=False, data={
                    "csrf": _csrf(page.text), "next": nxt, "method": "totp"})
            elif path.endswith("/auth/enrol"):
                page = browser.get(location)
                self.totp_secrets[username] = re.search(r'<code class="secret"[^>]*>([^<]+)</code>', page.text).group(1).strip()
                resp = browser.post(location, allow_redirects=False, data={
                    "csrf": _csrf(page.text), "next": nxt, "action": "confirm", "code": self._totp(username)})
            elif path.endswith("/auth/second-factor"):
                page = browser.get(location)
                resp = browser.post(location, allow_redirects=False, data={
                    "csrf": _csrf(page.text), "next": nxt, "code": self._totp(username)})
            else:
                resp = browser.get(location, allow_redirects=False)
                if "code=" in resp.headers.get("Location", ""):
                    break
            assert resp.status_code in (302, 303), f"{username}: {path} answered {resp.status_code}"
            location = urljoin(location, resp.headers["Location"])
        code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
        tokens = requests.post(base + "/oauth/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "client_id": "hoso-web",
            "code_verifier": verifier, **self.token_params}, timeout=30)
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        return body["access_token"], int(body.get("expires_in", 600))


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no csrf field on the page"
    return match.group(1)
