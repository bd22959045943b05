"""The identity benchmark's flow driver walks the real sign-in of an in-process identity app.

``benchmarks/_identity_flow.py`` is what ``benchmarks/identity_tokens.py`` runs under load through
the gateway; here it runs once against identity (bootstrap with fakes, the demo seed, cheap argon2)
served over real HTTP on loopback under the gateway's ``/api/identity`` prefix, so a change to the
sign-in pages or the token endpoint that would break the benchmark shows up in the unit suite.
"""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from benchmarks._identity_flow import STEPS, FlowError, Timings, client_credentials, refresh, sign_in, whole_flow
from infra.allinone import free_port
from services.identity.adapters.mail import MemoryMailer
from services.identity.adapters.passwords import PasswordHasher
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.identity.entrypoints.demo import seed_demo
from services.kernel.clock import FixedClock
from services.kernel.messaging import InMemoryPublisher

DEMO_PASSWORD = "HoSo@2026"
SECRET = "documents-secret-for-the-flow-test"


@pytest.fixture
def url() -> Iterator[str]:
    """Identity mounted at ``/api/identity`` of a threaded loopback server; yields the public URL."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    container = bootstrap(
        {"mode": "test", "public_url": public, "documents_client_secret": SECRET, "demo_mode": False,
         "db_name": f"hoso_identity_flow_{uuid.uuid4().hex[:10]}"},
        environ={"MONGO_URI": os.environ["MONGO_URI"]} if os.environ.get("MONGO_URI") else {}, clock=FixedClock(datetime.now(timezone.utc).replace(microsecond=0)),
        publisher=InMemoryPublisher(), mailer=MemoryMailer(), hasher=PasswordHasher(time_cost=1, memory_cost_kib=8 * 1024))
    seed_demo(container)
    app = DispatcherMiddleware(Response("not here", status=404), {"/api/identity": create_app(container=container)})
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield public
    server.shutdown()
    thread.join(timeout=10)
    container.runtime.db.client.drop_database(container.runtime.db.name)


def test_a_teacher_walks_the_whole_flow_and_is_signed_out_at_the_end(url: str) -> None:
    timings = Timings()
    with requests.Session() as browser:
        last = whole_flow(browser, url, "thhp.giaovien", DEMO_PASSWORD, timings)
        assert {step: len(values) for step, values in timings.seconds.items()} == {step: 1 for step in STEPS}
        with pytest.raises(FlowError):  # the sign-out revoked the refresh token
            refresh(browser, url, last.refresh_token, Timings())
        # the session ended too: the same browser is shown the sign-in form again, not sent back with a code
        again = Timings()
        sign_in(browser, url, "thhp.giaovien", DEMO_PASSWORD, again)
        assert len(again.seconds["password"]) == 1


def test_a_wrong_password_stops_the_flow_and_counts_no_token(url: str) -> None:
    timings = Timings()
    with requests.Session() as browser, pytest.raises(FlowError, match="answered 401"):
        sign_in(browser, url, "thhp.giaovien", "not-the-password", timings)
    assert "token" not in timings.seconds


def test_client_credentials_need_the_service_secret(url: str) -> None:
    timings = Timings()
    client_credentials(url, "documents", SECRET, timings)
    assert len(timings.seconds["client_credentials"]) == 1
    with pytest.raises(FlowError):
        client_credentials(url, "documents", "not-the-secret", Timings())
