"""Token-signing keys: ES256 keys kept in the identity database, sealed with the key-encryption
key, loaded once per process and kept as key objects (re-importing a PEM per token costs ~54 ms).

Each key record also holds an RSA-2048 companion (kid ``<kid>-rs``), sealed the same way and
rotated with it, for ID tokens of clients registered for RS256 (OIDC Discovery requires RS256 to
be offered). Access tokens are ES256 only (``typ: at+jwt``); ID tokens carry ``typ: JWT`` so
that no verifier mistakes one for the other (RFC 9068 §4, RFC 8725 §3.11).

Rotation publishes before it signs: a new key appears in the JWKS at once but signs only from
``activates_at`` (``publish_lead`` later), so services holding a cached JWKS learn it before they
meet a token signed with it. A superseded key stays published for the access-token lifetime plus
a margin after its successor took over. Every process reads the same keys from the database and
reloads them every ``reload_seconds``, so all processes agree on the JWKS and the signing key.
An emergency rotation (``rotate(immediate=True)``, e.g. after a key leak) signs at once.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey
from mongoengine.errors import NotUniqueError

from services.identity.adapters.documents import IdentitySigningKeyDoc
from services.identity.adapters.secrets_box import SecretBox
from services.kernel.clock import Clock
from services.kernel.ids import new_id

ALGORITHM = "ES256"
RSA_ALGORITHM = "RS256"
ID_TOKEN_ALGORITHMS = (RSA_ALGORITHM, ALGORITHM)
ACCESS_TOKEN_TYPE = "at+jwt"
ID_TOKEN_TYPE = "JWT"


def _rsa_kid(kid: str) -> str:
    return f"{kid}-rs"


def _new_rsa(kid: str) -> tuple[bytes, dict]:
    """A fresh RSA-2048 private key (PEM) and its public JWK."""
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    params = {"kid": _rsa_kid(kid), "alg": RSA_ALGORITHM, "use": "sig"}
    return pem, RSAKey.import_key(pem, parameters=params).as_dict(private=False)


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    generation: int
    key: ECKey
    public_jwk: dict
    rsa_key: RSAKey
    rsa_public_jwk: dict
    created_at: datetime
    activates_at: datetime
    superseded_at: datetime | None


class SigningKeys:
    """Signs access tokens and ID tokens and publishes the JWKS."""

    def __init__(
        self, *, box: SecretBox, clock: Clock, rotate_after: timedelta, keep_after_superseded: timedelta,
        publish_lead: timedelta = timedelta(minutes=5), reload_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._box = box
        self._clock = clock
        self._rotate_after = rotate_after
        self._keep = keep_after_superseded
        self._lead = publish_lead
        self._reload_seconds = reload_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._keys: list[LoadedKey] = []  # newest first
        self._loaded_at = float("-inf")

    # -- loading -----------------------------------------------------------------------------
    def _load(self) -> None:
        known = {k.kid: k for k in self._keys}
        keys = []
        for doc in IdentitySigningKeyDoc.objects.order_by("-generation").limit(20):
            loaded = known.get(doc.id)
            if loaded is None and doc.sealed_rsa_private_key is None:
                doc = self._add_rsa(doc)
            key = loaded.key if loaded else ECKey.import_key(
                self._box.open(doc.sealed_private_key, context=doc.id),
                parameters={"kid": doc.id, "alg": ALGORITHM, "use": "sig"})
            rsa_key = loaded.rsa_key if loaded else RSAKey.import_key(
                self._box.open(doc.sealed_rsa_private_key, context=_rsa_kid(doc.id)),
                parameters={"kid": _rsa_kid(doc.id), "alg": RSA_ALGORITHM, "use": "sig"})
            keys.append(LoadedKey(doc.id, doc.generation, key, dict(doc.public_jwk), rsa_key, dict(doc.rsa_public_jwk),
                                  doc.created_at, doc.activates_at, doc.superseded_at))
        self._keys = keys
        self._loaded_at = self._monotonic()

    def _add_rsa(self, doc: IdentitySigningKeyDoc) -> IdentitySigningKeyDoc:
        """Give a key record made before RS256 existed its RSA companion (once, whichever process is first)."""
        pem, jwk = _new_rsa(doc.id)
        IdentitySigningKeyDoc.objects(id=doc.id, sealed_rsa_private_key=None).update_one(
            set__sealed_rsa_private_key=self._box.seal(pem, context=_rsa_kid(doc.id)), set__rsa_public_jwk=jwk)
        return IdentitySigningKeyDoc.objects.get(id=doc.id)

    def _fresh(self) -> list[LoadedKey]:
        """The keys, reloaded when stale, with a new key created when rotation is due."""
        if self._keys and self._monotonic() - self._loaded_at < self._reload_seconds and not self._due():
            return self._keys
        with self._lock:
            if not self._keys or self._monotonic() - self._loaded_at >= self._reload_seconds:
                self._load()
            if not self._keys or self._due():
                self._create(immediate=not self._keys)
                self._load()
            return self._keys

    def _due(self) -> bool:
        newest = self._keys[0]
        return self._clock.now() - newest.created_at >= self._rotate_after - self._lead

    def _create(self, *, immediate: bool) -> None:
        now = self._clock.now()
        previous = self._keys[0] if self._keys else None
        kid = new_id()
        private = ec.generate_private_key(ec.SECP256R1())
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        jwk = ECKey.import_key(pem, parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"}).as_dict(private=False)
        rsa_pem, rsa_jwk = _new_rsa(kid)
        activates = now if immediate else now + self._lead
        try:
            IdentitySigningKeyDoc(id=kid, generation=(previous.generation + 1) if previous else 1, algorithm=ALGORITHM,
                          sealed_private_key=self._box.seal(pem, context=kid), public_jwk=jwk,
                          sealed_rsa_private_key=self._box.seal(rsa_pem, context=_rsa_kid(kid)), rsa_public_jwk=rsa_jwk,
                          created_at=now, activates_at=activates).save(force_insert=True)
        except NotUniqueError:
            return  # another process rotated at the same moment; its key is loaded next
        if previous is not None:
            IdentitySigningKeyDoc.objects(id=previous.kid, superseded_at=None).update_one(set__superseded_at=activates)

    def _signing_key(self, keys: list[LoadedKey]) -> LoadedKey:
        now = self._clock.now()
        return next((k for k in keys if k.activates_at <= now), keys[-1])

    # -- public ------------------------------------------------------------------------------
    def rotate(self, *, immediate: bool = False) -> str:
        """Create a new key now; it signs after the publish lead (at once when ``immediate``).
        Returns its kid; the previous key stays in the JWKS until its tokens have expired."""
        with self._lock:
            self._load()
            self._create(immediate=immediate)
            self._load()
            return self._keys[0].kid

    def sign(self, claims: dict) -> str:
        """An access token: a compact JWS of ``claims`` signed with the active ES256 key, ``typ: at+jwt``."""
        key = self._signing_key(self._fresh())
        return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": ACCESS_TOKEN_TYPE}, claims, key.key)

    def sign_id_token(self, claims: dict, *, algorithm: str) -> str:
        """An ID token (``typ: JWT``) signed with the active key of ``algorithm`` (RS256 or ES256)."""
        key = self._signing_key(self._fresh())
        if algorithm == RSA_ALGORITHM:
            return jwt.encode({"alg": RSA_ALGORITHM, "kid": _rsa_kid(key.kid), "typ": ID_TOKEN_TYPE}, claims, key.rsa_key)
        if algorithm == ALGORITHM:
            return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": ID_TOKEN_TYPE}, claims, key.key)
        raise ValueError(f"unsupported ID token algorithm {algorithm!r}")

    def jwks(self) -> dict:
        """The public keys (ES256 and RS256) that may sign, or may have signed, a live token."""
        now = self._clock.now()
        return {"keys": [jwk for k in self._fresh() if k.superseded_at is None or now - k.superseded_at < self._keep
                         for jwk in (k.public_jwk, k.rsa_public_jwk)]}

    def id_token_key(self, kid: str) -> ECKey | RSAKey | None:
        """The published key (either algorithm) with id ``kid``: checks an ``id_token_hint`` this service issued."""
        now = self._clock.now()
        for k in self._fresh():
            if k.superseded_at is None or now - k.superseded_at < self._keep:
                if k.kid == kid:
                    return k.key
                if _rsa_kid(k.kid) == kid:
                    return k.rsa_key
        return None

    def published_key(self, kid: str) -> ECKey | None:
        """The loaded ES256 key with id ``kid`` when the JWKS publishes it (this process verifies its own
        access tokens; those are never RS256)."""
        now = self._clock.now()
        return next((k.key for k in self._fresh() if k.kid == kid
                     and (k.superseded_at is None or now - k.superseded_at < self._keep)), None)

    def current_kid(self) -> str:
        return self._signing_key(self._fresh()).kid
