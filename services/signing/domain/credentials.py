"""Signing credentials: whose key, which of the four key paths holds it, and whether it may sign now.

Plain Python. The certificate itself is parsed in the adapters; the rules here work on
:class:`CertificateFacts` extracted from it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from services.signing.domain.errors import (
    CertificateExpired,
    CertificateNotForSigning,
    CertificateRevoked,
    CredentialLocked,
)

MAX_PIN_TRIES = 5


class KeyPathKind(str, enum.Enum):
    """Where the private key lives and who operates it."""

    PLATFORM = "platform"  # issued by the district's platform CA, key sealed on the server
    PKCS12 = "pkcs12"  # uploaded PKCS#12 from a licensed CA, sealed, opened by the user's PIN
    REMOTE = "remote"  # remote signing provider (SmartCA, MySign, eSign): confirmed on the phone
    EXTERNAL = "external"  # USB token on the user's machine, operated by the signing agent


class OwnerKind(str, enum.Enum):
    PERSON = "person"
    ORGANISATION = "organisation"


@dataclass(frozen=True)
class CertificateFacts:
    """What the rules need from a certificate."""

    subject_name: str
    organisation: str | None
    serial_hex: str
    issuer_name: str
    not_before: datetime
    not_after: datetime
    digital_signature: bool
    non_repudiation: bool


@dataclass
class Credential:
    """One signing key of a person or of a school (its organisational seal)."""

    id: str
    tenant_id: str | None
    district_id: str
    owner_id: str
    owner_kind: OwnerKind
    kind: KeyPathKind
    certificate_der: bytes
    chain_der: tuple[bytes, ...]
    sealed_key: bytes | None = None
    provider: str | None = None
    provider_account: str | None = None
    pin_failures: int = 0
    locked: bool = False
    revoked_at: datetime | None = None
    label: str = ""


def check_may_sign(credential: Credential, facts: CertificateFacts, now: datetime, *, revoked: bool) -> None:
    """Refuse (in Vietnamese) a locked credential or a certificate that cannot sign at ``now``."""
    if credential.locked:
        raise CredentialLocked()
    if revoked or credential.revoked_at is not None:
        raise CertificateRevoked()
    check_certificate(facts, now)


def check_certificate(facts: CertificateFacts, now: datetime) -> None:
    """Refuse a certificate outside its validity or without the signing key usages."""
    if not (facts.not_before <= now <= facts.not_after):
        raise CertificateExpired(
            f"Chứng thư số chỉ có hiệu lực từ {facts.not_before:%d/%m/%Y} đến {facts.not_after:%d/%m/%Y}."
        )
    if not (facts.digital_signature and facts.non_repudiation):
        raise CertificateNotForSigning()
