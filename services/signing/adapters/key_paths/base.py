"""The one signer port every key path implements, and the checks they share.

Every path signs the same thing: the DER of a signature's CMS signed attributes (the *data to
be signed*), with SHA-256. ``begin`` starts signing a batch of such items with one
authorisation (one PIN, one phone confirmation, one token login); paths that hold the key
answer at once, the others answer ``None`` until the user has acted and ``collect`` returns
the signatures. Every returned signature is checked against the credential's certificate
before it leaves the adapter, so a wrong key or a tampered reply never reaches a PDF.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar, Protocol, Sequence

from cryptography import x509

from services.signing.adapters.raw_signing import signature_matches
from services.signing.domain.credentials import Credential, KeyPathKind
from services.signing.domain.errors import SignatureMismatch


@dataclass(frozen=True)
class ToBeSigned:
    """One item to sign: ``data`` is the DER of the signed attributes; ``label`` is shown to the signer."""

    id: str
    data: bytes
    label: str


@dataclass(frozen=True)
class Ticket:
    """The answer to ``begin``: signatures by item id at once, or ``None`` while the user acts."""

    id: str
    signatures: dict[str, bytes] | None


class PinCounter(Protocol):
    """Persists wrong-PIN counts; ``failed`` returns the count after this failure and locks at the limit."""

    def failed(self, credential_id: str) -> int: ...

    def succeeded(self, credential_id: str) -> None: ...


class KeyPath(abc.ABC):
    """The signer port."""

    kind: ClassVar[KeyPathKind]

    @abc.abstractmethod
    def begin(self, credential: Credential, items: Sequence[ToBeSigned], *, pin: str | None = None) -> Ticket:
        """Start signing ``items`` with ``credential``; one authorisation covers them all."""

    @abc.abstractmethod
    def collect(
        self, credential: Credential, ticket_id: str, items: Sequence[ToBeSigned]
    ) -> dict[str, bytes] | None:
        """Signatures of a started ticket, or ``None`` while the user has not acted yet."""


def checked(credential: Credential, items: Sequence[ToBeSigned], signatures: dict[str, bytes]) -> dict[str, bytes]:
    """Return ``signatures`` if there is one per item and each verifies under the credential's key."""
    public_key = x509.load_der_x509_certificate(credential.certificate_der).public_key()
    if set(signatures) != {item.id for item in items}:
        raise SignatureMismatch("Số chữ ký nhận được không khớp với số tài liệu cần ký.")
    for item in items:
        if not signature_matches(public_key, item.data, signatures[item.id]):
            raise SignatureMismatch()
    return signatures
