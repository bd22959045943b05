"""Fixtures of the trust suite: the whole platform in-process and real tokens of demo people.

``platform`` starts every service and the gateway once per session (``infra.allinone``) with
the demo district seeded, plus a second district (``pgd-hoa-son``, one school ``th-hoa-son``)
made the way production makes one: the operator command adds the district and its head, the
head onboards the school through identity's API. ``people`` is a ``People`` object;
``people.token(username)`` signs that person in through identity's real OIDC flow (sign-in page,
PKCE, a forced password change for accounts with a temporary password, TOTP enrolment or a code
for roles that need a second factor) and returns the access token (cached for the session).
``token`` is the same function as a fixture of its own.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pyotp
import pytest
import requests

from infra.allinone import SERVICES, Platform, start_platform
from infra.demo.district import DEMO_PASSWORD

OTHER_DISTRICT = "pgd-hoa-son"
OTHER_DISTRICT_HEAD = "pgdhs.truongphong"
OTHER_SCHOOL = "th-hoa-son"
OTHER_SCHOOL_PRINCIPAL = "thhs.hieutruong"
NEW_PASSWORD = "Tin-cay-2026-xyz"  # what people with a temporary password choose at their first sign-in

# the gateway's per-user and per-address buckets would throttle a matrix run (they are tested elsewhere)
GATEWAY_LIMITS = {"HOSO_GATEWAY_USER_RATE": "100000", "HOSO_GATEWAY_USER_BURST": "100000",
                  "HOSO_GATEWAY_IP_RATE": "100000", "HOSO_GATEWAY_IP_BURST": "100000"}


def _available_services() -> tuple[str, ...]:
    return tuple(s for s in SERVICES if importlib.util.find_spec(f"services.{s}.entrypoints.app") is not None)


@dataclass
class People:
    """Signs demo people in through identity's real OIDC flow; tokens cached per username."""

    url: str
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

    def headers(self, username: str) -> dict[str, str]:
        """Authorization header of ``username``."""
        return {"Authorization": f"Bearer {self.token(username)}"}

    def _totp(self, username: str) -> str:
        step = int(time.time()) // 30
        if self._last_step.get(username) == step:  # a code works once: wait for the next step
            time.sleep(30 - time.time() % 30 + 0.2)
            step = int(time.time()) // 30
        self._last_step[username] = step
        return pyotp.TOTP(self.totp_secrets[username]).at(step * 30)

    def _sign_in(self, username: str) -> tuple[str, int]:
        base = self.url + "/api/identity"
        redirect_uri = self.url + "/auth/callback"
        browser = requests.Session()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        start = base + "/oauth/authorize?" + urlencode({
            "response_type": "code", "client_id": "hoso-web", "redirect_uri": redirect_uri, "scope": "openid profile",
            "state": "trust", "code_challenge": challenge, "code_challenge_method": "S256"})
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
            "code_verifier": verifier}, timeout=30)
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        return body["access_token"], int(body.get("expires_in", 600))


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no csrf field on the page"
    return match.group(1)


def _add_other_district(platform: Platform, people: People) -> None:
    """A second district of the same province, made as production makes one (operator, then API)."""
    from services.identity.entrypoints import cli

    identity = platform.containers["identity"]
    cli.add_district(identity, argparse.Namespace(
        province_slug="so-da-nang", province_name="Sở Giáo dục và Đào tạo thành phố Đà Nẵng",
        slug=OTHER_DISTRICT, name="Phòng Giáo dục và Đào tạo huyện Hòa Sơn"))
    printed = cli.add_staff(identity, argparse.Namespace(
        district=OTHER_DISTRICT, role="truong_phong", username=OTHER_DISTRICT_HEAD, full_name="Đoàn Văn Sơn",
        email="truongphong@hoason.edu.vn", phone=None))
    people.passwords[OTHER_DISTRICT_HEAD] = printed.rsplit(": ", 1)[1].strip()
    resp = requests.post(platform.url + "/api/identity/v1/schools", headers=people.headers(OTHER_DISTRICT_HEAD), json={
        "slug": OTHER_SCHOOL, "name": "Trường Tiểu học Hòa Sơn", "levels": ["tieu_hoc"],
        "units": [{"slug": "to-1", "name": "Tổ chuyên môn khối 1", "kind": "to_chuyen_mon"}],
        "principal": {"username": OTHER_SCHOOL_PRINCIPAL, "full_name": "Lê Văn Sơn", "phone": "0905123456"}}, timeout=30)
    assert resp.status_code == 201, resp.text
    people.passwords[OTHER_SCHOOL_PRINCIPAL] = _find_password(resp.json())


def _find_password(body: Any) -> str:
    """The temporary password of an onboarding answer, wherever it sits."""
    if isinstance(body, dict):
        for key, value in body.items():
            if "password" in key and isinstance(value, str):
                return value
            found = _find_password(value)
            if found:
                return found
    if isinstance(body, list):
        for value in body:
            found = _find_password(value)
            if found:
                return found
    return ""


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    """The whole platform (every service, the gateway, the demo district and a second district)."""
    present = _available_services()
    environ = {f"HOSO_{s.upper()}_URL": "http://127.0.0.1:9" for s in SERVICES if s not in present}
    running = start_platform(services=present, seed=True, environ={**environ, **GATEWAY_LIMITS})
    try:
        running.people = People(running.url)  # type: ignore[attr-defined]
        _add_other_district(running, running.people)  # type: ignore[attr-defined]
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def people(platform: Platform) -> People:
    """Signs demo people in through the real identity service (``people.token(username)``)."""
    return platform.people  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def token(people: People) -> Callable[[str], str]:
    """``token(username) -> str``: a real access token of a demo person."""
    return people.token
