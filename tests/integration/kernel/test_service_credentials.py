"""A service obtains a client-credentials token from the real identity service over HTTP, and
another service accepts it through the kernel's JWKS verification; a wrong secret gets nothing."""
from __future__ import annotations

import threading
import uuid

import pytest
import requests
from werkzeug.serving import make_server

from infra.allinone import free_port
from services.identity.bootstrap import bootstrap
from services.identity.entrypoints.app import create_app
from services.kernel.errors import BadGateway
from services.kernel.service_auth import ClientCredentials
from services.kernel.tokens import JwksKeySource, TokenVerifier

pytestmark = pytest.mark.integration


@pytest.fixture
def identity_url():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    c = bootstrap({"mode": "test", "db_name": f"hoso_identity_sc_{uuid.uuid4().hex[:8]}", "public_url": base,
                   "signing_client_secret": "bí-mật-của-dịch-vụ-ký"}, environ={})
    server = make_server("127.0.0.1", port, create_app(container=c), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.posts = 0

    def post(self, *args, **kwargs):  # type: ignore[override]
        self.posts += 1
        return super().post(*args, **kwargs)


def test_service_token_is_issued_cached_and_accepted_by_another_service(identity_url):
    session = CountingSession()
    creds = ClientCredentials(token_url=identity_url + "/oauth/token", client_id="signing",
                              client_secret="bí-mật-của-dịch-vụ-ký", session=session)
    token = creds.token()
    assert creds.token() == token and session.posts == 1  # cached until near expiry
    verifier = TokenVerifier(keys=JwksKeySource(url=identity_url + "/oauth/jwks"), issuer=identity_url + "/api/identity", audience="hoso-documents")
    principal = verifier.verify(token)
    assert principal.is_service and principal.client_id == "signing" and principal.tenant is None


def test_wrong_secret_gets_no_token(identity_url):
    creds = ClientCredentials(token_url=identity_url + "/oauth/token", client_id="signing", client_secret="sai")
    with pytest.raises(BadGateway):
        creds.token()
