"""Key path (b): a PKCS#12 the user uploaded once (from a licensed CA), opened by their PIN.

The PKCS#12 file is kept exactly as issued (its own password is the user's PIN) and sealed
again with AES-GCM under the key-encryption key from settings, so neither a database dump
without the KEK nor the KEK without the PIN yields the key. One PIN opens the key for one
signing session (a batch of any size); wrong PINs are counted and the credential locks at
:data:`MAX_PIN_TRIES`.
"""
from __future__ import annotations

from typing import Sequence

from cryptography.hazmat.primitives.serialization import pkcs12

from services.kernel.ids import new_id
from services.signing.adapters.key_paths.base import KeyPath, PinCounter, Ticket, ToBeSigned, checked
from services.signing.adapters.raw_signing import sign_raw
from services.signing.adapters.sealing import KeySealer
from services.signing.domain.credentials import MAX_PIN_TRIES, Credential, KeyPathKind
from services.signing.domain.errors import CredentialLocked, SigningRefused, WrongPin


class Pkcs12KeyPath(KeyPath):
    kind = KeyPathKind.PKCS12

    def __init__(self, *, sealer: KeySealer, pins: PinCounter) -> None:
        self._sealer = sealer
        self._pins = pins

    def seal(self, credential_id: str, p12: bytes) -> bytes:
        return self._sealer.seal(p12, credential_id=credential_id)

    def begin(self, credential: Credential, items: Sequence[ToBeSigned], *, pin: str | None = None) -> Ticket:
        if credential.locked:
            raise CredentialLocked()
        if not pin:
            raise SigningRefused("Cần nhập mã PIN của chứng thư số để ký.")
        p12 = self._sealer.open(credential.sealed_key or b"", credential_id=credential.id)
        try:
            key, _cert, _chain = pkcs12.load_key_and_certificates(p12, pin.encode())
        except ValueError:
            failures = self._pins.failed(credential.id)
            if failures >= MAX_PIN_TRIES:
                raise CredentialLocked() from None
            raise WrongPin(MAX_PIN_TRIES - failures) from None
        self._pins.succeeded(credential.id)
        signatures = {item.id: sign_raw(key, item.data) for item in items}
        return Ticket(id=new_id(), signatures=checked(credential, items, signatures))

    def collect(
        self, credential: Credential, ticket_id: str, items: Sequence[ToBeSigned]
    ) -> dict[str, bytes] | None:
        raise LookupError("PKCS#12 tickets are answered by begin")
