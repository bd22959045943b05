"""The whole platform for the trust suite, and real access tokens of demo people.

``running_platform()`` starts every service that exists behind the gateway in this process
(``infra.allinone.start_platform``, demo district seeded). ``access_token(url, username)``
signs a demo person in the way the web app does — authorization code with PKCE through
identity's own sign-in pages, through the gateway — and returns the access token identity
issued. People whose role needs a second factor enrol a TOTP app at that sign-in (the secret
shown on the page is kept, as a phone would).
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
import secrets
import time
from collections.abc import Mapping
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pyotp
import requests

from infra.allinone import SERVICES, Platform, start_platform
from infra.demo.district import DEMO_PASSWORD

_TOTP_SECRETS: dict[str, str] = {}


def available_services() -> tuple[str, ...]:
    """The services whose code exists in this tree."""
    return tuple(s for s in SERVICES if importlib.util.find_spec(f"services.{s}.entrypoints.app") is not None)


def running_platform(environ: Mapping[str, str] | None = None) -> Platform:
    """Start the platform in-process with the demo district (plus ``environ`` settings); the caller stops it."""
    present = available_services()
    env = {f"HOSO_{s.upper()}_URL": "http://127.0.0.1:9" for s in SERVICES if s not in present}
    env.update(environ or {})
    return start_platform(services=present, seed=True, environ=env)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def _totp_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def access_token(url: str, username: str, password: str = DEMO_PASSWORD) -> str:
    """A real access token of ``username`` from identity (authorization code + PKCE)."""
    session = requests.Session()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = url + "/auth/callback"
    query = urlencode({"response_type": "code", "client_id": "hoso-web", "redirect_uri": redirect_uri,
                       "scope": "openid profile email offline_access", "state": "trust", "nonce": "trust",
                       "code_challenge": challenge, "code_challenge_method": "S256"})
    start = f"{url}/api/identity/oauth/authorize?{query}"
    resp = session.get(start, allow_redirects=False)
    assert resp.status_code == 302, resp.text[:500]
    sign_in_url = urljoin(start, resp.headers["Location"])
    next_path = parse_qs(urlsplit(sign_in_url).query).get("next", [""])[0]
    page = session.get(sign_in_url)
    resp = session.post(urljoin(sign_in_url, "sign-in"), allow_redirects=False, data={
        "login": username, "password": password, "csrf": _csrf(page.text), "next": next_path})
    assert resp.status_code in (302, 303), resp.text[:1000]
    location = urljoin(sign_in_url, resp.headers["Location"])
    for _ in range(6):  # second-factor steps, then back to authorize, which redirects with the code
        if location.startswith(redirect_uri):
            break
        if "/auth/enrol" in location or "/auth/second-factor" in location:
            page = session.get(location)
            if "/auth/enrol" in location:
                found = re.search(r'<code class="secret"[^>]*>\s*([A-Z2-7=]+)\s*</code>', page.text)
                assert found, page.text[:2000]
                _TOTP_SECRETS[username] = found.group(1)
                data = {"csrf": _csrf(page.text), "next": next_path, "action": "confirm",
                        "code": _totp_code(_TOTP_SECRETS[username])}
            else:
                time.sleep(30 - time.time() % 30 + 0.2)  # a code works once per time step
                data = {"csrf": _csrf(page.text), "next": next_path, "code": _totp_code(_TOTP_SECRETS[username])}
            resp = session.post(location.split("?")[0], data=data, allow_redirects=False)
        else:
            resp = session.get(location, allow_redirects=False)
        assert resp.status_code in (302, 303), (location, resp.status_code, resp.text[:1000])
        location = urljoin(location, resp.headers["Location"])
    code = parse_qs(urlsplit(location).query)["code"][0]
    tok = session.post(f"{url}/api/identity/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": "hoso-web", "code_verifier": verifier})
    assert tok.status_code == 200, tok.text[:500]
    return tok.json()["access_token"]
