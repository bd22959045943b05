"""Another service accepts identity's access tokens through the kernel's verification (JWKS
fetched from identity), and rejects expired, unknown-key, wrong-audience and tampered tokens.
Key rotation keeps old tokens valid until they expire."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from services.identity.adapters.documents import IdentitySigningKeyDoc
from services.identity.adapters.keystore import SigningKeys
from services.kernel.errors import Unauthorized
from services.kernel.tokens import JwksKeySource, TokenVerifier

from .conftest import ISSUER, browser_login_tokens


class FlaskJwksSession:
    """A requests-like session that fetches the JWKS from the identity app in-process."""

    def __init__(self, client) -> None:
        self._client = client
        self.fetches = 0

    def get(self, url: str, timeout: float):
        self.fetches += 1
        resp = self._client.get("/oauth/jwks")

        class _Resp:
            def raise_for_status(self_inner) -> None:
                assert resp.status_code == 200

            def json(self_inner):
                return resp.get_json()

        return _Resp()


@pytest.fixture
def service_verifier(client, clock):
    source = JwksKeySource(url=ISSUER + "/oauth/jwks", session=FlaskJwksSession(client), min_refresh_interval=0)
    return TokenVerifier(keys=source, issuer=ISSUER, audience="hoso-documents", clock=clock)


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["hieu_truong"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([header, forged, signature])


def test_a_service_accepts_the_token_and_sees_the_person(client, service_verifier):
    access = browser_login_tokens(client, "thhp.totruong")["access_token"]
    principal = service_verifier.verify(access)
    assert principal.sub == "thhp.totruong" and principal.tenant == "th-hoa-phong"
    assert principal.has_role("to_truong", "th-hoa-phong/to-4")


def test_expired_unknown_key_wrong_audience_and_tampered_tokens_are_rejected(client, seeded, service_verifier, clock):
    access = browser_login_tokens(client, "thhp.giaovien")["access_token"]
    with pytest.raises(Unauthorized, match="Chữ ký"):
        service_verifier.verify(_tamper(access))

    claims = jwt.decode(access, ECKey.import_key(client.get("/oauth/jwks").get_json()["keys"][0])).claims
    stranger = ECKey.generate_key("P-256", parameters={"kid": "stranger"}, private=True)
    forged = jwt.encode({"alg": "ES256", "kid": "stranger", "typ": "at+jwt"}, claims, stranger)
    with pytest.raises(Unauthorized, match="khóa không xác định"):
        service_verifier.verify(forged)

    other_audience = seeded.keys.sign({**claims, "aud": "another-system"})
    with pytest.raises(Unauthorized, match="không dành cho dịch vụ này"):
        service_verifier.verify(other_audience)

    clock.advance(seconds=600 + 31)
    with pytest.raises(Unauthorized) as expired:
        service_verifier.verify(access)
    assert expired.value.code == "token-expired"


def test_rotation_publishes_first_signs_later_and_keeps_the_old_key_until_its_tokens_expire(
        client, seeded, service_verifier, clock):
    old = browser_login_tokens(client, "thhp.giaovien")["access_token"]
    old_kid = seeded.keys.current_kid()
    new_kid = seeded.keys.rotate()
    both = {old_kid, new_kid, f"{old_kid}-rs", f"{new_kid}-rs"}  # each ES256 key with its RS256 companion
    assert {k["kid"] for k in client.get("/oauth/jwks").get_json()["keys"]} == both
    assert seeded.keys.current_kid() == old_kid, "a new key is published before it signs"
    clock.advance(minutes=5)
    assert seeded.keys.current_kid() == new_kid
    new = seeded.tokens.service_access_token("approvals")  # approvals calls documents
    assert service_verifier.verify(new).is_service  # an unknown kid makes the service refetch the JWKS
    assert service_verifier.verify(old).sub == "thhp.giaovien"
    clock.advance(seconds=600 + 5 * 60 + 1)
    kids = {k["kid"] for k in client.get("/oauth/jwks").get_json()["keys"]}
    assert kids == {new_kid, f"{new_kid}-rs"}, "the old keys leave the JWKS once every token they signed has expired"


def test_scheduled_rotation_happens_by_itself(seeded, clock):
    first = seeded.keys.current_kid()
    clock.advance(days=30)
    assert seeded.keys.current_kid() == first  # the successor is created now, published, not yet signing
    assert len(seeded.keys.jwks()["keys"]) == 4  # two ES256 keys and their RS256 companions
    clock.advance(minutes=5)
    assert seeded.keys.current_kid() != first


def test_a_second_process_signs_with_the_same_persisted_key(seeded, clock):
    other_process = SigningKeys(box=seeded.box, clock=clock, rotate_after=timedelta(days=30),
                                keep_after_superseded=timedelta(minutes=15))
    assert other_process.current_kid() == seeded.keys.current_kid()
    assert other_process.jwks() == seeded.keys.jwks()


def test_a_key_made_before_rs256_gets_its_rsa_companion_once_and_signs_id_tokens(seeded, clock):
    kid = seeded.keys.current_kid()
    IdentitySigningKeyDoc.objects(id=kid).update_one(unset__sealed_rsa_private_key=True, unset__rsa_public_jwk=True)
    upgraded = SigningKeys(box=seeded.box, clock=clock, rotate_after=timedelta(days=30),
                           keep_after_superseded=timedelta(minutes=15))
    published = upgraded.jwks()
    assert {k["kid"] for k in published["keys"]} == {kid, f"{kid}-rs"}
    again = SigningKeys(box=seeded.box, clock=clock, rotate_after=timedelta(days=30),
                        keep_after_superseded=timedelta(minutes=15))
    assert again.jwks() == published, "the companion is made once and shared by every process"
    token = again.sign_id_token({"iss": ISSUER, "sub": "thhp.giaovien"}, algorithm="RS256")
    decoded = jwt.decode(token, KeySet.import_key_set(published), algorithms=["RS256"])
    assert decoded.header == {"alg": "RS256", "kid": f"{kid}-rs", "typ": "JWT"}
