"""The Friday-evening steps, each the HTTP calls the web app makes for it, over any requests-like client.

The locust file runs them under load; ``friday_evening`` runs them once more, in-process over the
wire database, to count the database commands each step makes. Nothing here imports locust (its
import patches the standard library with gevent). ``client`` is a ``requests.Session`` or locust's
``HttpSession`` (a subclass that also takes ``name=``, the label its statistics use); ``Named``
gives a plain session that argument.

Steps, as the web app (gateway/web/js) calls them:
  sign-in        authorization code with PKCE through identity's own sign-in page (core/auth.js)
  mywork         "Việc của tôi": obligations, my addresses, my submissions (pages/mywork.js)
  upload         tus 1.0.0 resumable upload in 1 MiB chunks, then the finished upload (core/resumable.js)
  submit         the new version submitted to approvals (core/submitfile.js)
  approve-batch  a tổ trưởng's queue, then up to ``APPROVE_BATCH`` approved at once (pages/queue.js)
  sign-batch     a principal's signing queue, one batch with the principal's credential, followed
                 until it is done (pages/signing.js, core/batch.js)
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

CHUNK = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
YEAR = "2026-2027"
LESSON_PLAN = "ke_hoach_bai_day"
APPROVE_BATCH = 20
SIGN_BATCH = 10
SIGN_WAIT = 120.0


class StepError(RuntimeError):
    """A step got an answer the web app would show as an error."""


class Named:
    """A ``requests.Session`` that accepts (and ignores) locust's ``name=`` argument."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.calls = 0

    def request(self, method: str, url: str, name: str | None = None, **kwargs: Any) -> requests.Response:
        self.calls += 1
        return self.session.request(method, url, timeout=kwargs.pop("timeout", 120), **kwargs)

    @property
    def cookies(self) -> Any:
        return self.session.cookies


def _ok(resp: requests.Response, *expected: int) -> requests.Response:
    if resp.status_code not in (expected or (200,)):
        raise StepError(f"{resp.request.method} {urlsplit(resp.url).path} answered {resp.status_code}: {resp.text[:300]}")
    return resp


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    if not match:
        raise StepError("no csrf field on the sign-in page")
    return match.group(1)


def sign_in(client: Any, url: str, username: str, password: str) -> str:
    """The whole code flow a teacher's browser walks; returns the access token."""
    base = url + "/api/identity"
    redirect_uri = url + "/auth/callback"
    client.cookies.clear()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    start = base + "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": "hoso-web", "redirect_uri": redirect_uri, "scope": "openid profile",
        "state": secrets.token_urlsafe(8), "code_challenge": challenge, "code_challenge_method": "S256"})
    resp = _ok(client.request("GET", start, name="sign-in: authorize", allow_redirects=False), 302, 303)
    sign_in_url = urljoin(start, resp.headers["Location"])
    page = _ok(client.request("GET", sign_in_url, name="sign-in: page"))
    nxt = parse_qs(urlsplit(sign_in_url).query)["next"][0]
    resp = _ok(client.request("POST", base + "/auth/sign-in", name="sign-in: password", allow_redirects=False, data={
        "login": username, "password": password, "csrf": _csrf(page.text), "next": nxt}), 303)
    location = urljoin(base + "/auth/sign-in", resp.headers["Location"])
    resp = _ok(client.request("GET", location, name="sign-in: authorize (signed in)", allow_redirects=False), 302, 303)
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    if "code" not in query:
        raise StepError(f"{username}: no code after signing in (sent to {resp.headers['Location'][:120]})")
    tokens = _ok(client.request("POST", base + "/oauth/token", name="sign-in: token", data={
        "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": redirect_uri,
        "client_id": "hoso-web", "code_verifier": verifier}))
    return str(tokens.json()["access_token"])


def _auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def my_work(client: Any, url: str, token: str) -> list[dict[str, Any]]:
    """"Việc của tôi": the page's three reads; returns the lesson-plan obligations not yet submitted."""
    api = url + "/api"
    obligations = _ok(client.request("GET", api + "/approvals/v1/obligations", name="mywork: obligations",
                                     headers=_auth(token))).json()["items"]
    _ok(client.request("GET", api + "/documents/v1/me/addresses", name="mywork: addresses", headers=_auth(token),
                       params={"school_year": YEAR}))
    _ok(client.request("GET", api + "/approvals/v1/submissions", name="mywork: submissions", headers=_auth(token)))
    return [o for o in obligations if o["book_type"] == LESSON_PLAN and not o.get("submission_id")]


def _metadata(values: Mapping[str, str | None]) -> str:
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in values.items() if v)


def upload(client: Any, url: str, token: str, data: bytes, *, book: str, period: str, owner_key: str | None = None,
           title: str | None = None, filename: str = "ke-hoach-bai-day.pdf") -> dict[str, Any]:
    """A tus upload in 1 MiB chunks, as resumable.js sends it; returns ``{version, document}``."""
    base = url + "/api/documents/v1"
    resp = _ok(client.request("POST", base + "/uploads", name="upload: create", headers=_auth(token, **TUS, **{
        "Upload-Length": str(len(data)),
        "Upload-Metadata": _metadata({"filename": filename, "book": book, "period": period, "owner_key": owner_key,
                                      "title": title})})), 201)
    path = urljoin(base + "/uploads", resp.headers["Location"])
    for offset in range(0, len(data), CHUNK):
        _ok(client.request("PATCH", path, name="upload: chunk", data=data[offset:offset + CHUNK], headers=_auth(
            token, **TUS, **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})), 204)
    return dict(_ok(client.request("GET", path, name="upload: finished", headers=_auth(token))).json())


def submit(client: Any, url: str, token: str, obligation_id: str, uploaded: Mapping[str, Any]) -> str:
    """The uploaded version submitted for its obligation; returns the submission id."""
    version = uploaded["version"]
    resp = _ok(client.request("POST", url + "/api/approvals/v1/submissions", name="submit", headers=_auth(token), json={
        "obligation_id": obligation_id, "document_id": uploaded["document"]["id"], "version_id": version["id"],
        "sha256": version["sha256"]}), 200, 201)
    return str(resp.json()["id"])


def approve_batch(client: Any, url: str, token: str, *, book: str = LESSON_PLAN) -> int:
    """A tổ trưởng opens the queue and approves up to ``APPROVE_BATCH`` of ``book`` at once; returns how many."""
    api = url + "/api/approvals/v1"
    items = _ok(client.request("GET", api + "/queue", name="approve: queue", headers=_auth(token))).json()["items"]
    ids = [s["id"] for s in items if s["book_type"] == book][:APPROVE_BATCH]
    if not ids:
        return 0
    results = _ok(client.request("POST", api + "/queue/approve", name="approve: batch", headers=_auth(token),
                                 json={"submission_ids": ids, "comment": None})).json()["results"]
    refused = [r for r in results if not r.get("ok")]
    if refused:
        raise StepError(f"{len(refused)} of {len(ids)} approvals refused: {refused[0]}")
    return len(ids)


def sign_batch(client: Any, url: str, token: str, credential_id: str, *, size: int = SIGN_BATCH,
               sleep: Callable[[float], None] = time.sleep) -> int:
    """A principal signs up to ``size`` documents of the signing queue in one batch, followed until done."""
    api = url + "/api"
    items = _ok(client.request("GET", api + "/approvals/v1/signing-queue", name="sign: queue",
                               headers=_auth(token))).json()["items"]
    ids = [s["id"] for s in items if s.get("action", "sign") == "sign"][:size]
    if not ids:
        return 0
    batch = _ok(client.request("POST", api + "/signing/v1/batches", name="sign: start batch", headers=_auth(token),
                               json={"submission_ids": ids, "credential_id": credential_id, "pin": None}), 200, 201, 202)
    body = batch.json()
    deadline = time.monotonic() + SIGN_WAIT
    while body.get("state") not in ("done", "failed"):  # preparing | waiting | completing | done | failed
        if time.monotonic() > deadline:
            raise StepError(f"batch {body.get('id')} not done within {SIGN_WAIT:.0f} s: {body.get('state')}")
        sleep(0.2)
        body = _ok(client.request("GET", f"{api}/signing/v1/batches/{body['id']}", name="sign: batch status",
                                  headers=_auth(token))).json()
    if body.get("state") == "failed" or body.get("failed"):
        raise StepError(f"batch {body.get('id')}: {body.get('failed')} failed: {body.get('items', [])[:1]}")
    return len(ids)
