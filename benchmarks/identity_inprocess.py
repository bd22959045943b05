"""Identity's own cost per core, in-process, printed beside Keycloak's published sizing.

The whole code flow through the gateway under gunicorn is ``benchmarks/identity_tokens.py``; this
one isolates identity's handlers. Keycloak's sizing guide (per vCPU): 15 password logins/s, 120
client-credential grants/s, 120 refresh-token grants/s. This benchmark drives the real identity Flask app in-process
(Werkzeug test client; no network) on the demo district, one thread, and divides the number
of operations by the process CPU time, so other load on the machine does not flatter or hurt
the figures. The database is mongomock (in-process): its cost is not MongoDB's, which is why
the database cost is shown separately as reads per request in
``tests/unit/identity/test_constant_reads.py``.

Also measured: the cost of verifying an identity access token in another service with the
kernel's ``TokenVerifier`` (target: under 0.3 ms per request).

Run: ``.venv/bin/python -m benchmarks.identity_inprocess [--quick]``
"""
from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone

from services.identity.adapters.documents import IdentityRefreshTokenDoc
from services.identity.adapters.passwords import PasswordHasher
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.identity.service_layer.tokens import GrantUser, new_refresh_token
from services.kernel.clock import FixedClock
from services.kernel.messaging import InMemoryPublisher
from services.kernel.api import Api
from services.kernel.tokens import StaticKeySource, TokenVerifier
from services.kernel.web import make_service_app

KEYCLOAK = {"password sign-ins/s": 15.0, "client-credential grants/s": 120.0, "refresh grants/s": 120.0}
SECRET = "bench-documents-secret"
DEMO_PASSWORD = "HoSo@2026"


def per_core(label: str, n: int, fn: Callable[[int], None],
             between: Callable[[], None] | None = None) -> tuple[str, float, float]:
    """Run ``fn(i)`` n times, timing only ``fn``; returns (label, ops per CPU second, ops per wall
    second). ``between`` runs untimed after each call (housekeeping for mongomock, see below)."""
    cpu = wall = 0.0
    for i in range(n):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        fn(i)
        cpu += time.process_time() - cpu0
        wall += time.perf_counter() - wall0
        if between is not None:
            between()
    return label, n / cpu, n / wall


def main() -> None:
    quick = "--quick" in sys.argv
    clock = FixedClock(datetime.now(timezone.utc).replace(microsecond=0))
    c = bootstrap({"mode": "test", "documents_client_secret": SECRET}, environ={}, clock=clock,
                  publisher=InMemoryPublisher())
    seed_demo(c)
    app = create_app(container=c)
    client = app.test_client()
    page = client.get("/auth/sign-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    people = ["thhp.giaovien", "thhp.giaovien2", "thhp.topho", "thhp.totruong", "thhp.vanthu", "thhp.ketoan",
              "mnhc.giaovien", "mnhc.giaovien2", "thcsnh.giaovien", "thcsnh.giaovien2"]

    hasher = PasswordHasher()
    stored = hasher.hash(DEMO_PASSWORD)
    n_pw = 30 if quick else 150

    def argon2_only(i: int) -> None:
        assert hasher.verify(stored, DEMO_PASSWORD)

    def password_sign_in(i: int) -> None:
        resp = client.post("/auth/sign-in", data={"login": people[i % len(people)], "password": DEMO_PASSWORD,
                                                  "csrf": csrf}, environ_base={"REMOTE_ADDR": f"10.0.{i // 250}.{i % 250}"})
        assert resp.status_code == 303, resp.status_code

    def client_credentials(i: int) -> None:
        resp = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "documents",
                                                 "client_secret": SECRET})
        assert resp.status_code == 200

    refresh = {"token": ""}

    def start_family() -> None:
        user = GrantUser("thhp.giaovien", None, None)
        token = new_refresh_token()
        c.tokens.store_refresh_token(token, user=user, client_id="hoso-web", scope="openid offline_access", family_id=None)
        refresh["token"] = token

    def refresh_grant(i: int) -> None:
        resp = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh["token"],
                                                 "client_id": "hoso-web"})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        refresh["token"] = resp.get_json()["refresh_token"]

    def drop_used_refresh_tokens() -> None:
        # mongomock scans every document of a collection for every query (MongoDB finds these by
        # _id): keep the collection small so the figure measures identity, not mongomock's scan.
        IdentityRefreshTokenDoc.objects(used_at__ne=None).delete()

    n_grants = 300 if quick else 1500
    results = [per_core("argon2id verification alone", n_pw, argon2_only),
               per_core("password sign-ins/s", n_pw, password_sign_in),
               per_core("client-credential grants/s", n_grants, client_credentials)]
    start_family()
    results.append(per_core("refresh grants/s", n_grants, refresh_grant, between=drop_used_refresh_tokens))

    access = c.tokens.person_access_token(GrantUser("thhp.totruong", None, None), "hoso-web")
    verifier = TokenVerifier(keys=StaticKeySource(jwks=c.keys.jwks()), issuer=c.settings.issuer, audience="hoso-documents",
                             clock=clock)
    n_verify = 2000 if quick else 20000
    verifier.verify(access)
    cpu0 = time.process_time()
    for _ in range(n_verify):
        verifier.verify(access)
    verify_ms = (time.process_time() - cpu0) / n_verify * 1000
    # the same, as a service sees it: a trivial route of the kernel's web shell, with and without the token
    service = make_service_app(name="bench-service", verifier=verifier, api=Api(title="bench"))
    service.add_url_rule("/api/v1/ping", "ping", lambda: {"ok": True})
    caller = service.test_client()
    bearer = {"Authorization": f"Bearer {access}"}
    n_req = 1000 if quick else 5000

    def request_cpu_ms(headers: dict) -> float:
        cpu0 = time.process_time()
        for _ in range(n_req):
            caller.get("/api/v1/ping", headers=headers)
        return (time.process_time() - cpu0) / n_req * 1000

    request_cpu_ms(bearer)
    with_token, without_token = request_cpu_ms(bearer), request_cpu_ms({})
    n_sign = 2000 if quick else 10000
    cpu0 = time.process_time()
    for _ in range(n_sign):
        c.tokens.person_access_token(GrantUser("thhp.totruong", None, None), "hoso-web")
    issue_ms = (time.process_time() - cpu0) / n_sign * 1000

    print("identity throughput per core (in-process Flask app, mongomock, one thread)")
    print(f"{'measure':34} {'per CPU s':>10} {'per wall s':>11} {'Keycloak/vCPU':>14} {'ratio':>7}")
    for label, cpu_rate, wall_rate in results:
        ref = KEYCLOAK.get(label)
        ratio = f"{cpu_rate / ref:6.1f}×" if ref else ""
        print(f"{label:34} {cpu_rate:10.1f} {wall_rate:11.1f} {ref if ref else '':>14} {ratio:>7}")
    print(f"{'access token issuance (claims + ES256)':34} {issue_ms:9.3f} ms  (reads: person, memberships, staff roles, delegations)")
    print(f"{'token verification in a service':34} {verify_ms:9.3f} ms  target < 0.300 ms  ({0.3 / verify_ms:.1f}× under)")
    print(f"{'  per request (kernel web shell)':34} {with_token - without_token:9.3f} ms  "
          f"({with_token:.3f} ms with the token, {without_token:.3f} ms without)")
    print("argon2id parameters:", hasher.parameters())


if __name__ == "__main__":
    main()
