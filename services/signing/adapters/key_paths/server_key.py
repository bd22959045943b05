"""Key path (a): keys issued by the district's platform CA and kept, sealed, by the service.

Used in the all-in-one mode and by schools without a licensed certificate. The signed-in
user's session is the authorisation (no PIN). Opened keys are kept in memory (keyed by
credential id) because loading an RSA key costs about 60 ms and signing about 1 ms.
"""
from __future__ import annotations

import threading
from typing import Sequence

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from services.kernel.ids import new_id
from services.signing.adapters.key_paths.base import KeyPath, Ticket, ToBeSigned, checked
from services.signing.adapters.raw_signing import sign_raw
from services.signing.adapters.sealing import KeySealer
from services.signing.domain.credentials import Credential, KeyPathKind


class ServerKeyPath(KeyPath):
    kind = KeyPathKind.PLATFORM

    def __init__(self, *, sealer: KeySealer, max_kept: int = 10_000) -> None:
        self._sealer = sealer
        self._kept: dict[str, PrivateKeyTypes] = {}
        self._max_kept = max_kept
        self._lock = threading.Lock()

    def seal(self, credential_id: str, key: PrivateKeyTypes) -> bytes:
        """The sealed form of ``key`` to store on the credential."""
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        return self._sealer.seal(der, credential_id=credential_id)

    def _key(self, credential: Credential) -> PrivateKeyTypes:
        with self._lock:
            key = self._kept.get(credential.id)
        if key is None:
            der = self._sealer.open(credential.sealed_key or b"", credential_id=credential.id)
            key = serialization.load_der_private_key(der, password=None)
            with self._lock:
                if len(self._kept) >= self._max_kept:
                    self._kept.pop(next(iter(self._kept)))
                self._kept[credential.id] = key
        return key

    def forget(self, credential_id: str) -> None:
        """Drop a kept key (after revocation or replacement)."""
        with self._lock:
            self._kept.pop(credential_id, None)

    def begin(self, credential: Credential, items: Sequence[ToBeSigned], *, pin: str | None = None) -> Ticket:
        key = self._key(credential)
        signatures = {item.id: sign_raw(key, item.data) for item in items}
        return Ticket(id=new_id(), signatures=checked(credential, items, signatures))

    def collect(
        self, credential: Credential, ticket_id: str, items: Sequence[ToBeSigned]
    ) -> dict[str, bytes] | None:
        raise LookupError("server-key tickets are answered by begin")
