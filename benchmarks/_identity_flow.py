"""The sign-in a browser walks through the gateway, one HTTP request per step, each step timed.

``whole_flow`` is what the web app (``gateway/web/js/core/auth.js``) and identity's sign-in pages
make a browser do, in order:

  authorize         GET  /api/identity/oauth/authorize (code + PKCE S256)  → 302 to the sign-in page
  sign-in page      GET  /api/identity/auth/sign-in?next=…                 → 200, the form and its csrf
  password          POST /api/identity/auth/sign-in (argon2id)             → 303 back to authorize
  code              GET  /api/identity/oauth/authorize, now signed in       → 302 to the callback with code
  token             POST /api/identity/oauth/token (code + code_verifier)   → access, refresh and ID tokens
  userinfo          GET  /api/identity/oauth/userinfo (bearer)
  refresh           POST /api/identity/oauth/token (refresh_token; rotates)
  revoke            POST /api/identity/oauth/revoke (the refresh token, as the web app's sign-out)
  logout            POST /api/identity/oauth/logout (id_token_hint, post_logout_redirect_uri)

Tokens are only passed on, never decoded: nothing here depends on their audience, type or claims.
``client_credentials`` and ``refresh`` are the two grants Keycloak's sizing guide also counts.
Each function takes a ``requests.Session`` (a browser: its cookie jar and one keep-alive
connection) and a ``Timings`` that collects seconds per step.
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

CLIENT_ID = "hoso-web"
SCOPE = "openid profile offline_access"
STEPS = ("authorize", "sign-in page", "password", "code", "token", "userinfo", "refresh", "revoke", "logout")
TIMEOUT = 60.0


class FlowError(RuntimeError):
    """A step got an answer a browser would not continue from."""


@dataclass
class Timings:
    """Seconds per step, appended as steps complete."""

    seconds: dict[str, list[float]] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self.seconds.setdefault(name, []).append(time.perf_counter() - began)

    def merge(self, other: "Timings") -> None:
        for name, values in other.seconds.items():
            self.seconds.setdefault(name, []).extend(values)


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint returned to the browser."""

    access_token: str
    refresh_token: str
    id_token: str


def _expect(resp: requests.Response, *statuses: int) -> requests.Response:
    if resp.status_code not in statuses:
        raise FlowError(f"{resp.request.method} {urlsplit(resp.url).path} answered {resp.status_code}: "
                        f"{resp.text[:200]}")
    return resp


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    if match is None:
        raise FlowError("the sign-in page has no csrf field")
    return match.group(1)


def _tokens(body: Mapping[str, object]) -> Tokens:
    try:
        return Tokens(str(body["access_token"]), str(body["refresh_token"]), str(body.get("id_token", "")))
    except KeyError as missing:
        raise FlowError(f"the token answer lacks {missing}") from None


def sign_in(browser: requests.Session, url: str, login: str, password: str, timings: Timings) -> Tokens:
    """Authorization code with PKCE through identity's own sign-in form; returns the tokens."""
    base = url + "/api/identity"
    redirect_uri = url + "/auth/callback"
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(12)
    authorize = base + "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri, "scope": SCOPE,
        "state": state, "nonce": secrets.token_urlsafe(12), "code_challenge": challenge,
        "code_challenge_method": "S256"})
    with timings.step("authorize"):
        resp = _expect(browser.get(authorize, allow_redirects=False, timeout=TIMEOUT), 302, 303)
    page_url = urljoin(authorize, resp.headers["Location"])
    with timings.step("sign-in page"):
        page = _expect(browser.get(page_url, timeout=TIMEOUT), 200)
    next_url = parse_qs(urlsplit(page_url).query).get("next", [""])[0]
    with timings.step("password"):
        resp = _expect(browser.post(base + "/auth/sign-in", allow_redirects=False, timeout=TIMEOUT, data={
            "login": login, "password": password, "csrf": _csrf(page.text), "next": next_url}), 303)
    back = urljoin(base + "/auth/sign-in", resp.headers["Location"])
    with timings.step("code"):
        resp = _expect(browser.get(back, allow_redirects=False, timeout=TIMEOUT), 302, 303)
    answer = parse_qs(urlsplit(resp.headers["Location"]).query)
    if "code" not in answer or answer.get("state") != [state]:
        raise FlowError(f"{login}: no code for this state after signing in (sent to "
                        f"{resp.headers['Location'][:120]}; a second factor or a password change is not benchmarked)")
    with timings.step("token"):
        resp = _expect(browser.post(base + "/oauth/token", timeout=TIMEOUT, data={
            "grant_type": "authorization_code", "code": answer["code"][0], "redirect_uri": redirect_uri,
            "client_id": CLIENT_ID, "code_verifier": verifier}), 200)
    return _tokens(resp.json())


def refresh(browser: requests.Session, url: str, refresh_token: str, timings: Timings) -> Tokens:
    """One refresh-token grant (rotation: the answer carries the next refresh token)."""
    with timings.step("refresh"):
        resp = _expect(browser.post(url + "/api/identity/oauth/token", timeout=TIMEOUT, data={
            "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT_ID}), 200)
    body = resp.json()
    return _tokens({"id_token": "", **body})


def whole_flow(browser: requests.Session, url: str, login: str, password: str, timings: Timings) -> Tokens:
    """Sign in, read userinfo, refresh once, then sign out as the web app does (revoke, logout);
    returns the last tokens the browser held (all of them dead by then)."""
    tokens = sign_in(browser, url, login, password, timings)
    base = url + "/api/identity"
    with timings.step("userinfo"):
        _expect(browser.get(base + "/oauth/userinfo", timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {tokens.access_token}"}), 200)
    renewed = refresh(browser, url, tokens.refresh_token, timings)
    with timings.step("revoke"):
        _expect(browser.post(base + "/oauth/revoke", timeout=TIMEOUT, data={
            "client_id": CLIENT_ID, "token": renewed.refresh_token, "token_type_hint": "refresh_token"}), 200)
    with timings.step("logout"):
        _expect(browser.post(base + "/oauth/logout", allow_redirects=False, timeout=TIMEOUT, data={
            "id_token_hint": renewed.id_token or tokens.id_token, "client_id": CLIENT_ID,
            "post_logout_redirect_uri": url + "/"}), 302, 303)
    return renewed


def client_credentials(url: str, client_id: str, secret: str, timings: Timings) -> None:
    """One client-credentials grant on a new connection (each of Keycloak's clients sent one request)."""
    with timings.step("client_credentials"):
        resp = _expect(requests.post(url + "/api/identity/oauth/token", timeout=TIMEOUT, data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}), 200)
    if "access_token" not in resp.json():
        raise FlowError("the client-credentials answer has no access token")
