"""Token-signing keys: ES256 keys kept in the identity database, sealed with the key-encryption
key, loaded once per process and kept as key objects (re-importing a PEM per token costs ~54 ms).

Every process signs with the newest key and publishes, in the JWKS, every key whose tokens may
still be alive: a superseded key stays published for the access-token lifetime plus a margin.
A process notices a rotation made elsewhere when it reloads (every ``reload_seconds``).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey
from mongoengine.errors import NotUniqueError

from services.identity.adapters.documents import SigningKeyDoc
from services.identity.adapters.secrets_box import SecretBox
from services.kernel.clock import Clock
from services.kernel.ids import new_id

ALGORITHM = "ES256"


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    generation: int
    key: ECKey
    public_jwk: dict
    created_at: datetime
    superseded_at: datetime | None


class SigningKeys:
    """Signs access tokens and publishes the JWKS."""

    def __init__(
        self, *, box: SecretBox, clock: Clock, rotate_after: timedelta, keep_after_superseded: timedelta,
        reload_seconds: float = 60.0, monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._box = box
        self._clock = clock
        self._rotate_after = rotate_after
        self._keep = keep_after_superseded
        self._reload_seconds = reload_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._keys: dict[str, LoadedKey] = {}
        self._current: LoadedKey | None = None
        self._loaded_at = float("-inf")
        self._jwks: dict | None = None

    # -- loading -----------------------------------------------------------------------------
    def _load(self) -> None:
        docs = list(SigningKeyDoc.objects.order_by("-generation").limit(20))
        keys: dict[str, LoadedKey] = {}
        for doc in docs:
            loaded = self._keys.get(doc.id)
            if loaded is None or loaded.superseded_at != doc.superseded_at:
                if loaded is None:
                    pem = self._box.open(doc.sealed_private_key, context=doc.id)
                    key = ECKey.import_key(pem, parameters={"kid": doc.id, "alg": ALGORITHM, "use": "sig"})
                else:
                    key = loaded.key
                loaded = LoadedKey(doc.id, doc.generation, key, dict(doc.public_jwk), doc.created_at, doc.superseded_at)
            keys[doc.id] = loaded
        self._keys = keys
        self._current = max(keys.values(), key=lambda k: k.generation) if keys else None
        self._loaded_at = self._monotonic()
        self._jwks = None

    def _ensure(self) -> LoadedKey:
        now_mono = self._monotonic()
        current = self._current
        if current is not None and now_mono - self._loaded_at < self._reload_seconds and not self._due(current):
            return current
        with self._lock:
            if self._current is None or self._monotonic() - self._loaded_at >= self._reload_seconds:
                self._load()
            if self._current is None or self._due(self._current):
                self._create(previous=self._current)
                self._load()
            assert self._current is not None
            return self._current

    def _due(self, key: LoadedKey) -> bool:
        return self._clock.now() - key.created_at >= self._rotate_after

    def _create(self, *, previous: LoadedKey | None) -> None:
        now = self._clock.now()
        kid = new_id()
        private = ec.generate_private_key(ec.SECP256R1())
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        jwk = ECKey.import_key(pem, parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"}).as_dict(private=False)
        try:
            SigningKeyDoc(id=kid, generation=(previous.generation + 1) if previous else 1, algorithm=ALGORITHM,
                          sealed_private_key=self._box.seal(pem, context=kid), public_jwk=jwk,
                          created_at=now).save(force_insert=True)
        except NotUniqueError:
            return  # another process rotated at the same moment; its key is loaded next
        if previous is not None:
            SigningKeyDoc.objects(id=previous.kid, superseded_at=None).update_one(set__superseded_at=now)

    # -- public ------------------------------------------------------------------------------
    def rotate(self) -> str:
        """Create a new signing key now (the previous one stays in the JWKS); returns its kid."""
        with self._lock:
            self._load()
            self._create(previous=self._current)
            self._load()
            assert self._current is not None
            return self._current.kid

    def sign(self, claims: dict) -> str:
        """A compact JWS of ``claims`` signed with the current key."""
        key = self._ensure()
        return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "at+jwt"}, claims, key.key)

    def jwks(self) -> dict:
        """The public keys that may have signed a live token."""
        self._ensure()
        if self._jwks is None:
            now = self._clock.now()
            self._jwks = {"keys": [
                k.public_jwk for k in sorted(self._keys.values(), key=lambda k: -k.generation)
                if k.superseded_at is None or now - k.superseded_at < self._keep
            ]}
        return self._jwks

    def current_kid(self) -> str:
        return self._ensure().kid
