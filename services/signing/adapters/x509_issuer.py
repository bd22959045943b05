"""X.509 work of the platform CA: a root per district, personal and organisational certificates, CRLs.

Pure ``cryptography`` code with no storage: the caller keeps the CA's key (encrypted at rest)
and the list of revoked serials. Signing certificates carry ``digitalSignature`` and
``nonRepudiation`` (the key usages a Vietnamese signing certificate carries, and what PDF
readers require) and a CRL distribution point at the service's public CRL endpoint.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SIGNING_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
    key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
)
CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
    key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
)
TSA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
    key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
)


def new_key(kind: str = "rsa") -> PrivateKeyTypes:
    """A fresh key: ``rsa`` (2048 bits, what licensed Vietnamese CAs issue) or ``ec`` (P-256)."""
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    """The same certificate as pyHanko's asn1crypto type."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class Subject:
    """Who a certificate names: a person (``organisation`` is their school) or an organisation."""

    common_name: str
    organisation: str
    unit: str | None = None
    locality: str | None = None
    user_id: str | None = None

    def name(self) -> x509.Name:
        attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
        if self.locality:
            attrs.append(x509.NameAttribute(NameOID.LOCALITY_NAME, self.locality))
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation))
        if self.unit:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, self.unit))
        if self.user_id:
            attrs.append(x509.NameAttribute(NameOID.USER_ID, self.user_id))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, self.common_name))
        return x509.Name(attrs)


def create_root(
    *, key: CertificateIssuerPrivateKeyTypes, subject: Subject, now: datetime, years: int = 10
) -> x509.Certificate:
    """A self-signed district root that signs certificates and CRLs."""
    name = subject.name()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(CA_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def issue(
    *,
    ca_key: CertificateIssuerPrivateKeyTypes,
    ca_cert: x509.Certificate,
    public_key,
    subject: Subject,
    now: datetime,
    crl_url: str | None,
    days: int = 3 * 365,
    not_before: datetime | None = None,
    for_timestamping: bool = False,
    email: str | None = None,
) -> x509.Certificate:
    """An end-entity signing certificate (or, with ``for_timestamping``, a TSA certificate)."""
    start = not_before or (now - timedelta(minutes=5))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject.name())
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False
        )
    )
    if for_timestamping:
        builder = builder.add_extension(TSA_KEY_USAGE, critical=True).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    else:
        builder = builder.add_extension(SIGNING_KEY_USAGE, critical=True)
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints([
                x509.DistributionPoint(
                    full_name=[x509.UniformResourceIdentifier(crl_url)],
                    relative_name=None, reasons=None, crl_issuer=None,
                )
            ]),
            critical=False,
        )
    return builder.sign(ca_key, hashes.SHA256())


def build_crl(
    *,
    ca_key: CertificateIssuerPrivateKeyTypes,
    ca_cert: x509.Certificate,
    revoked: Iterable[tuple[int, datetime]],
    now: datetime,
    next_update: timedelta = timedelta(days=7),
    number: int = 1,
) -> x509.CertificateRevocationList:
    """A CRL listing ``revoked`` (serial, revocation time) pairs, valid until ``now + next_update``."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - timedelta(minutes=1))
        .next_update(now + next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(ca_key, hashes.SHA256())
