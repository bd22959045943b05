"""The platform CA of each district: its root, its development TSA, the certificates it issues, its CRL.

Keys are sealed under the KEK and opened once per process. The CRL is published, signed by
the district root, at ``/api/v1/crl/<district>.crl``; every certificate names that URL.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import NotFound
from services.kernel.ids import new_id
from services.signing.adapters import x509_issuer as issuer
from services.signing.adapters.key_paths.server_key import ServerKeyPath
from services.signing.adapters.records import CredentialDoc, DistrictCaDoc
from services.signing.adapters.sealing import KeySealer
from services.signing.adapters.timestamps import DevelopmentTsa
from services.signing.domain.credentials import KeyPathKind, OwnerKind


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


class CertificateAuthority:
    def __init__(self, *, sealer: KeySealer, server_keys: ServerKeyPath, clock: Clock, audit: AuditLog,
                 crl_base_url: str, extra_roots: Sequence[asn1_x509.Certificate] = ()) -> None:
        self._extra_roots = list(extra_roots)
        self._sealer = sealer
        self._server_keys = server_keys
        self._clock = clock
        self._audit = audit
        self._crl_base = crl_base_url.rstrip("/")
        self._keys: dict[str, PrivateKeyTypes] = {}
        self._tsas: dict[str, DevelopmentTsa] = {}
        self._lock = threading.Lock()

    def anchored(self, certificate: x509.Certificate, chain: list[x509.Certificate]) -> bool:
        """Whether ``certificate`` chains (directly or through ``chain``) to a configured extra anchor."""
        anchors = [x509.load_der_x509_certificate(r.dump()) for r in self._extra_roots]
        issuers = anchors + [c for c in chain if any(_issued_by(c, a) for a in anchors)]
        return any(_issued_by(certificate, i) for i in issuers)

    def crl_url(self, district_id: str) -> str:
        return f"{self._crl_base}/{district_id}.crl"

    def ensure_district(self, district_id: str, name: str, *, actor: str = "system") -> DistrictCaDoc:
        """The district's CA, created (root + TSA) on first use."""
        doc = DistrictCaDoc.objects(id=district_id).first()
        if doc is not None:
            return doc
        now = self._clock.now()
        key = issuer.new_key("ec")
        root = issuer.create_root(key=key, subject=issuer.Subject(f"HoSo CA {name}", name), now=now)
        tsa_key = issuer.new_key("rsa")
        tsa = issuer.issue(ca_key=key, ca_cert=root, public_key=tsa_key.public_key(),
                           subject=issuer.Subject(f"HoSo TSA {name}", name), now=now, crl_url=None,
                           for_timestamping=True, days=3650)
        doc = DistrictCaDoc(
            id=district_id, name=name, certificate_der=_der(root),
            sealed_key=self._sealer.seal(_pkcs8(key), credential_id=f"ca:{district_id}"),
            tsa_certificate_der=_der(tsa),
            tsa_sealed_key=self._sealer.seal(_pkcs8(tsa_key), credential_id=f"tsa:{district_id}"),
            created_at=now,
        )
        doc.save()
        self._audit.append(action="signing.ca.created", actor=actor, tenant=None, district=district_id,
                           target=district_id, data={"root_serial": format(root.serial_number, "x")})
        return doc

    def _ca(self, district_id: str) -> tuple[DistrictCaDoc, x509.Certificate, PrivateKeyTypes]:
        doc = DistrictCaDoc.objects(id=district_id).first()
        if doc is None:
            raise NotFound("Phòng GD&ĐT này chưa có CA của nền tảng.")
        with self._lock:
            key = self._keys.get(district_id)
            if key is None:
                key = serialization.load_der_private_key(
                    self._sealer.open(doc.sealed_key, credential_id=f"ca:{district_id}"), password=None)
                self._keys[district_id] = key
        return doc, x509.load_der_x509_certificate(doc.certificate_der), key

    def timestamper(self, district_id: str) -> DevelopmentTsa:
        """The district's development TSA (all-in-one and test modes), key kept loaded."""
        with self._lock:
            tsa = self._tsas.get(district_id)
        if tsa is None:
            doc, root, _ = self._ca(district_id)
            key = serialization.load_der_private_key(
                self._sealer.open(doc.tsa_sealed_key, credential_id=f"tsa:{district_id}"), password=None)
            tsa = DevelopmentTsa(key=key, certificate=x509.load_der_x509_certificate(doc.tsa_certificate_der),
                                 chain=(root,))
            with self._lock:
                self._tsas[district_id] = tsa
        return tsa

    def issue_credential(self, *, district_id: str, tenant_id: str | None, owner_id: str, owner_kind: OwnerKind,
                         common_name: str, organisation: str, email: str | None = None, actor: str,
                         key_kind: str = "rsa", days: int = 3 * 365, not_before: datetime | None = None) -> CredentialDoc:
        """A platform-CA certificate and a server-held key for a person or for a school's seal.

        ``tenant_id`` None: a person of an oversight unit (``district_id`` is the unit or province).
        """
        ca_doc, root, ca_key = self._ca(district_id)
        key = issuer.new_key(key_kind)
        cert = issuer.issue(
            ca_key=ca_key, ca_cert=root, public_key=key.public_key(),
            subject=issuer.Subject(common_name, organisation, locality=ca_doc.name,
                                   user_id=owner_id if owner_kind is OwnerKind.PERSON else None),
            now=self._clock.now(), crl_url=self.crl_url(district_id), email=email, days=days, not_before=not_before,
        )
        cred = CredentialDoc(
            id=new_id(), tenant_id=tenant_id, district_id=district_id, owner_id=owner_id, owner_kind=owner_kind.value,
            kind=KeyPathKind.PLATFORM.value, label=f"{common_name} — CA nền tảng {ca_doc.name}",
            certificate_der=_der(cert), chain_der=[ca_doc.certificate_der], serial_hex=format(cert.serial_number, "x"),
            not_after=cert.not_valid_after_utc, created_at=self._clock.now(),
        )
        cred.sealed_key = self._server_keys.seal(cred.id, key)
        cred.save()
        self._audit.append(action="signing.credential.issued", actor=actor, tenant=tenant_id, district=district_id,
                           target=cred.id, data={"owner": owner_id, "kind": cred.kind, "serial": cred.serial_hex})
        return cred

    def issue_for_key(self, *, district_id: str, public_key, subject: issuer.Subject) -> x509.Certificate:
        """A certificate of the district CA for a key held elsewhere (a remote provider's, a token's)."""
        _doc, root, ca_key = self._ca(district_id)
        return issuer.issue(ca_key=ca_key, ca_cert=root, public_key=public_key, subject=subject,
                            now=self._clock.now(), crl_url=self.crl_url(district_id))

    def revoke(self, cred: CredentialDoc, *, actor: str) -> None:
        """Revoke a credential; platform-CA certificates also go on the district CRL."""
        now = self._clock.now()
        cert = x509.load_der_x509_certificate(cred.certificate_der)
        ca = DistrictCaDoc.objects(id=cred.district_id).first()
        if ca is not None and cert.issuer == x509.load_der_x509_certificate(ca.certificate_der).subject:
            DistrictCaDoc.objects(id=cred.district_id).update_one(
                push__revoked={"serial": str(cert.serial_number), "at": now}, inc__crl_number=1)
        cred.revoked_at = now
        cred.save()
        self._server_keys.forget(cred.id)
        self._audit.append(action="signing.credential.revoked", actor=actor, tenant=cred.tenant_id,
                           district=cred.district_id, target=cred.id, data={"serial": cred.serial_hex})

    def is_revoked(self, district_id: str, serial: int) -> bool:
        return DistrictCaDoc.objects(id=district_id, revoked__serial=str(serial)).count() > 0

    def crl(self, district_id: str) -> x509.CertificateRevocationList:
        doc, root, key = self._ca(district_id)
        return issuer.build_crl(
            ca_key=key, ca_cert=root, now=self._clock.now(), number=doc.crl_number,
            revoked=[(int(r["serial"]), r["at"]) for r in doc.revoked], next_update=timedelta(days=7),
        )

    def trust(self) -> tuple[list[asn1_x509.Certificate], list[asn1_crl.CertificateList]]:
        """Every district root (and the configured extra anchors), and a fresh CRL of each district, for validation."""
        roots, crls = list(self._extra_roots), []
        for doc in DistrictCaDoc.objects.only("id", "certificate_der"):
            roots.append(asn1_x509.Certificate.load(doc.certificate_der))
            crls.append(asn1_crl.CertificateList.load(
                self.crl(doc.id).public_bytes(serialization.Encoding.DER)))
        return roots, crls


def load_roots(folder: str | None) -> list[asn1_x509.Certificate]:
    """Trust anchors from ``folder`` (every ``.pem``, ``.crt``, ``.cer`` or ``.der`` file in it)."""
    if not folder:
        return []
    roots = []
    for path in sorted(Path(folder).iterdir()):
        if path.suffix.lower() not in (".pem", ".crt", ".cer", ".der"):
            continue
        data = path.read_bytes()
        certs = (x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data
                 else [x509.load_der_x509_certificate(data)])
        roots += [asn1_x509.Certificate.load(_der(c)) for c in certs]
    return roots


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _pkcs8(key: PrivateKeyTypes) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
