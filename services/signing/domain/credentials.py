"""Signing credentials: whose key, which of the four key paths holds it, and whether it may sign now.

Plain Python. The certificate itself is parsed in the adapters; the rules here work on
:class:`CertificateFacts` extracted from it.
"""
from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from services.kernel.owners import OwnerKey
from services.signing.domain.errors import (
    CertificateExpired,
    CertificateNotForSigning,
    CertificateNotYours,
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

    def key(self, owner_id: str) -> OwnerKey:
        """The typed owner key: a person, or the school an organisational seal belongs to."""
        return OwnerKey.person(owner_id) if self is OwnerKind.PERSON else OwnerKey.school(owner_id)


#: Prefixes Vietnamese CAs write before a personal id in UID / serialNumber (``CCCD:0010…``).
NATIONAL_ID_KINDS = frozenset({"CCCD", "CMND", "CMT", "HC", "PASSPORT", "DDCN"})


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
    #: ("uid" | "serial", value) of the subject's UID and serialNumber attributes
    subject_ids: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PersonRecord:
    """What identity says about the caller: the username, full name and national ids on record."""

    username: str
    full_name: str
    national_ids: frozenset[str] = frozenset()


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

    @property
    def owner_key(self) -> OwnerKey:
        return self.owner_kind.key(self.owner_id)


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


def _name_key(name: str, *, fold_marks: bool) -> str:
    text = " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    if fold_marks:
        text = "".join(c for c in unicodedata.normalize("NFD", text.replace("đ", "d"))
                       if not unicodedata.combining(c))
    return text


def check_bound(facts: CertificateFacts, person: PersonRecord) -> None:
    """Refuse a personal certificate that does not name ``person``.

    The subject's common name must be the person's full name (Unicode-normalised, case and
    spacing ignored; a certificate written without diacritics is compared without them). A
    personal id in the subject must agree with the record: a ``CCCD:``/``CMND:``… value with
    the national ids on record (when identity holds any), a bare UID (the platform CA writes
    the username there) with the username.
    """
    ascii_only = facts.subject_name.isascii()
    if not person.full_name or (_name_key(facts.subject_name, fold_marks=ascii_only)
                                != _name_key(person.full_name, fold_marks=ascii_only)):
        raise CertificateNotYours()
    for where, value in facts.subject_ids:
        kind, sep, ident = value.partition(":")
        if sep and kind.strip().upper() in NATIONAL_ID_KINDS:
            if person.national_ids and ident.strip() not in person.national_ids:
                raise CertificateNotYours()
        elif not sep and where == "uid" and value.strip() != person.username:
            raise CertificateNotYours()
