"""Signing credentials: registering the four kinds, listing them, unlocking and revoking them.

:meth:`CredentialService.check_holder` is the one rule every key path goes through, at
registration and before every signature: a personal credential is usable only by the person
its certificate names (checked against the identity record the caller's verified token
carries), a school's seal only by that school's văn thư. Owners are compared as typed
:class:`~services.kernel.owners.OwnerKey` values, never as bare strings.
"""
from __future__ import annotations

from datetime import timezone

import mongoengine

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.ids import new_id
from services.kernel.owners import OwnerKey
from services.kernel.permissions import QUAN_TRI, TRUONG_PHONG, VAN_THU
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantRepository, TenantScope
from services.signing.adapters.key_paths.pkcs12 import Pkcs12KeyPath
from services.signing.adapters.key_paths.remote import RemoteSigningProvider
from services.signing.adapters.records import CredentialDoc
from services.signing.domain.errors import CertificateNotYours
from services.signing.domain.credentials import (
    MAX_PIN_TRIES, CertificateFacts, Credential, KeyPathKind, OwnerKind, PersonRecord, check_bound,
    check_certificate, check_may_sign,
)
from services.signing.service_layer.authority import CertificateAuthority


class CredentialRepository(TenantRepository[CredentialDoc]):
    document = CredentialDoc


class OversightCredentials:
    """Credentials of oversight staff (district, commune or Sở), who belong to no school.

    They live outside every school (``tenant_id`` null) in the caller's unit (``district_id``,
    the province for Sở staff); a person reaches their own only, the head of a district unit
    (trưởng phòng) also the unit's, to unlock them.
    """

    def __init__(self, principal: Principal) -> None:
        self.unit = oversight_unit(principal)
        self.principal = principal

    def query(self, **filters: str) -> mongoengine.QuerySet:
        return CredentialDoc.objects(tenant_id=None, district_id=self.unit, **filters)

    def own(self, credential_id: str | None = None) -> mongoengine.QuerySet:
        """The caller's own personal credentials (one of them with ``credential_id``)."""
        extra = {"id": credential_id} if credential_id is not None else {}
        return self.query(owner_id=self.principal.sub, owner_kind=OwnerKind.PERSON.value, **extra)

    def get(self, credential_id: str, *, unit_wide: bool = False) -> CredentialDoc:
        """One credential of the caller (or, ``unit_wide``, of their unit); 404 elsewhere."""
        doc = (self.query(id=credential_id) if unit_wide else self.own(credential_id)).first()
        if doc is None:
            raise NotFound()
        return doc

    def add(self, doc: CredentialDoc) -> CredentialDoc:
        """Write a new credential of the caller into their unit, whatever the document said."""
        doc.tenant_id, doc.district_id = None, self.unit
        doc.province_id = self.principal.province
        doc.save()
        return doc


def oversight_unit(principal: Principal) -> str:
    """The unit whose CA issues an oversight person's credentials: their district (or commune) unit,
    else their province; 403 for anyone else without a school."""
    if principal.is_service or not (principal.district or principal.province):
        raise Forbidden("Tài khoản này không thuộc trường học hay đơn vị quản lý nào.")
    return principal.district or principal.province or ""


class MongoPinCounter:
    """Wrong-PIN counts on the credential document, incremented atomically; locks at the limit."""

    def failed(self, credential_id: str) -> int:
        doc = CredentialDoc.objects(id=credential_id).modify(inc__pin_failures=1, new=True)
        if doc.pin_failures >= MAX_PIN_TRIES and not doc.locked:
            CredentialDoc.objects(id=credential_id).update_one(set__locked=True)
        return doc.pin_failures

    def succeeded(self, credential_id: str) -> None:
        CredentialDoc.objects(id=credential_id).update_one(set__pin_failures=0)


def certificate_facts(der: bytes) -> CertificateFacts:
    cert = x509.load_der_x509_certificate(der)
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        digital, non_rep = usage.digital_signature, usage.content_commitment
    except x509.ExtensionNotFound:
        digital, non_rep = False, False
    org = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    ids = tuple(("uid", str(a.value)) for a in cert.subject.get_attributes_for_oid(NameOID.USER_ID)) + tuple(
        ("serial", str(a.value)) for a in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER))
    return CertificateFacts(
        subject_name=str(cn[0].value) if cn else cert.subject.rfc4514_string(),
        organisation=str(org[0].value) if org else None,
        serial_hex=format(cert.serial_number, "x"), issuer_name=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        digital_signature=digital, non_repudiation=non_rep, subject_ids=ids,
    )


#: Token claims identity may carry with a person's national id (CCCD); read when present.
NATIONAL_ID_CLAIMS = ("national_id", "cccd")


def person_record(principal: Principal) -> PersonRecord:
    """The identity record of the caller, as identity signed it into the verified token."""
    ids = frozenset(str(principal.claims[c]).strip() for c in NATIONAL_ID_CLAIMS if principal.claims.get(c))
    return PersonRecord(username=principal.sub, full_name=principal.name, national_ids=ids)


def to_domain(doc: CredentialDoc) -> Credential:
    return Credential(
        id=doc.id, tenant_id=doc.tenant_id, district_id=doc.district_id, owner_id=doc.owner_id,
        owner_kind=OwnerKind(doc.owner_kind), kind=KeyPathKind(doc.kind), certificate_der=bytes(doc.certificate_der),
        chain_der=tuple(bytes(c) for c in doc.chain_der), sealed_key=bytes(doc.sealed_key) if doc.sealed_key else None,
        provider=doc.provider, provider_account=doc.provider_account, pin_failures=doc.pin_failures,
        locked=doc.locked, revoked_at=doc.revoked_at.replace(tzinfo=timezone.utc) if doc.revoked_at else None,
        label=doc.label,
    )


def issuer_common_name(der: bytes) -> str:
    """The issuing CA as people read it: its CN, else the whole distinguished name."""
    issuer = x509.load_der_x509_certificate(der).issuer
    cn = issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(cn[0].value) if cn else issuer.rfc4514_string()


def view(doc: CredentialDoc) -> dict:
    facts = certificate_facts(bytes(doc.certificate_der))
    return {"id": doc.id, "owner_id": doc.owner_id, "owner_kind": doc.owner_kind, "kind": doc.kind,
            "label": doc.label, "subject": facts.subject_name, "organisation": facts.organisation,
            "issuer": issuer_common_name(bytes(doc.certificate_der)),
            "serial": facts.serial_hex, "not_before": facts.not_before.isoformat(),
            "not_after": facts.not_after.isoformat(), "locked": doc.locked, "pin_failures": doc.pin_failures,
            "revoked": doc.revoked_at is not None, "provider": doc.provider}


class CredentialService:
    def __init__(self, *, authority: CertificateAuthority, pkcs12_path: Pkcs12KeyPath,
                 providers: dict[str, RemoteSigningProvider], clock: Clock, audit: AuditLog) -> None:
        self._authority = authority
        self._pkcs12 = pkcs12_path
        self._providers = providers
        self._clock = clock
        self._audit = audit

    def repo(self, principal: Principal) -> CredentialRepository:
        return CredentialRepository(scope=TenantScope.for_principal(principal))

    @staticmethod
    def check_holder(principal: Principal, owner: OwnerKey, facts: CertificateFacts) -> None:
        """The one binding rule of every key path, at registration and before every signature.

        A personal credential: owned by the caller (typed key) and its certificate names the
        caller's identity record. A school's seal: the caller's school, and the caller is its văn thư.
        """
        if owner == OwnerKey.of(principal) and not principal.is_service:
            check_bound(facts, person_record(principal))
            return
        if owner == OwnerKey.school_of(principal):
            if not principal.has_role(VAN_THU):
                raise Forbidden("Chỉ văn thư mới được ký bằng chứng thư số của cơ quan.", field="credential_id")
            return
        raise Forbidden("Chỉ người sở hữu chứng thư số mới được dùng để ký.", field="credential_id")

    def _doc(self, principal: Principal, credential_id: str) -> CredentialDoc:
        """One credential in the caller's scope: their school's, or (oversight staff) their unit's own."""
        if principal.tenant:
            return self.repo(principal).get(credential_id)
        return OversightCredentials(principal).get(credential_id)

    def usable(self, principal: Principal, credential_id: str) -> Credential:
        """A credential ``principal`` may sign with now: their own, or the school's seal for the văn thư."""
        doc = self._doc(principal, credential_id)
        cred = to_domain(doc)
        facts = certificate_facts(cred.certificate_der)
        self.check_holder(principal, cred.owner_key, facts)
        revoked = self._authority.is_revoked(doc.district_id, int(facts.serial_hex, 16))
        check_may_sign(cred, facts, self._clock.now(), revoked=revoked)
        return cred

    def mine(self, principal: Principal) -> list[dict]:
        if not principal.tenant:
            return [view(d) for d in OversightCredentials(principal).own()]
        repo = self.repo(principal)
        docs = list(repo.query(owner_id=principal.sub, owner_kind=OwnerKind.PERSON.value))
        if principal.has_role(VAN_THU):
            docs += list(repo.query(owner_id=principal.tenant, owner_kind=OwnerKind.ORGANISATION.value))
        return [view(d) for d in docs]

    def locked(self, principal: Principal) -> list[dict]:
        """Credentials locked by wrong PINs that the caller may unlock: the school's for its administrator,
        the unit's for a trưởng phòng; 403 for anyone else."""
        if principal.tenant and principal.has_role(QUAN_TRI):
            return [view(d) for d in self.repo(principal).query(locked=True)]
        if not principal.tenant and principal.has_role(TRUONG_PHONG):
            return [view(d) for d in OversightCredentials(principal).query(locked=True)]
        raise Forbidden("Chỉ quản trị hệ thống của trường (hoặc trưởng phòng) mới xem được chứng thư số bị khóa.")

    def _save(self, principal: Principal, doc: CredentialDoc, action: str) -> dict:
        """Write a new credential in the caller's scope: their school, or (oversight staff) their unit."""
        if principal.tenant:
            self.repo(principal).add(doc)
        else:
            OversightCredentials(principal).add(doc)
        self._audit.append(action=action, actor=principal.sub, tenant=doc.tenant_id, district=doc.district_id,
                           target=doc.id, data={"kind": doc.kind, "serial": doc.serial_hex})
        return view(doc)

    def _new_doc(self, principal: Principal, kind: KeyPathKind, cert: x509.Certificate, chain: list[bytes],
                 label: str, owner_kind: OwnerKind = OwnerKind.PERSON, *, field: str) -> CredentialDoc:
        facts = certificate_facts(cert.public_bytes(serialization.Encoding.DER))
        owner = principal.tenant if owner_kind is OwnerKind.ORGANISATION else principal.sub
        if owner is None:
            raise Forbidden("Chỉ cán bộ của một trường mới được đăng ký chứng thư số ký hồ sơ.")
        if not principal.tenant:
            oversight_unit(principal)  # 403 for a caller of no school and no unit (e.g. a service)
        try:
            self.check_holder(principal, owner_kind.key(owner), facts)
        except CertificateNotYours:
            raise CertificateNotYours(field=field) from None
        check_certificate(facts, self._clock.now())
        return CredentialDoc(
            id=new_id(), owner_id=owner, owner_kind=owner_kind.value, kind=kind.value, label=label,
            certificate_der=cert.public_bytes(serialization.Encoding.DER), chain_der=chain,
            serial_hex=facts.serial_hex, not_after=facts.not_after, created_at=self._clock.now(),
        )

    def register_pkcs12(self, principal: Principal, p12: bytes, pin: str, *, organisation: bool = False) -> dict:
        """Keep a licensed CA's PKCS#12 (sealed); its password becomes the signing PIN."""
        if organisation and not principal.has_role(VAN_THU):
            raise Forbidden("Chỉ văn thư mới được đăng ký chứng thư số của cơ quan.")
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(p12, pin.encode())
        except ValueError:
            raise ValidationFailed("Không mở được tệp PKCS#12: sai mật khẩu hoặc tệp hỏng.", field="pin") from None
        if key is None or cert is None:
            raise ValidationFailed("Tệp PKCS#12 phải chứa khóa bí mật và chứng thư số.", field="p12")
        doc = self._new_doc(principal, KeyPathKind.PKCS12, cert,
                            [c.public_bytes(serialization.Encoding.DER) for c in extra or []],
                            f"PKCS#12 — {certificate_facts(cert.public_bytes(serialization.Encoding.DER)).subject_name}",
                            OwnerKind.ORGANISATION if organisation else OwnerKind.PERSON, field="p12")
        doc.sealed_key = self._pkcs12.seal(doc.id, p12)
        return self._save(principal, doc, "signing.credential.registered")

    def register_token(self, principal: Principal, certificate_der: bytes, chain: list[bytes], *,
                       organisation: bool = False) -> dict:
        """Register the certificate of a USB token; the key stays on the token."""
        if organisation and not principal.has_role(VAN_THU):
            raise Forbidden("Chỉ văn thư mới được đăng ký chứng thư số của cơ quan.")
        try:
            cert = x509.load_der_x509_certificate(certificate_der)
        except ValueError:
            raise ValidationFailed("Chứng thư số không hợp lệ.", field="certificate") from None
        doc = self._new_doc(principal, KeyPathKind.EXTERNAL, cert, chain,
                            f"USB token — {certificate_facts(certificate_der).subject_name}",
                            OwnerKind.ORGANISATION if organisation else OwnerKind.PERSON, field="certificate")
        return self._save(principal, doc, "signing.credential.registered")

    def register_remote(self, principal: Principal, provider: str, account: str) -> dict:
        """Register a remote signing account with the certificate the provider holds for it."""
        if provider not in self._providers:
            raise ValidationFailed("Nhà cung cấp ký số từ xa không được hỗ trợ.", field="provider")
        certificate_der, chain = self._providers[provider].certificate(account)
        doc = self._new_doc(principal, KeyPathKind.REMOTE, x509.load_der_x509_certificate(certificate_der), chain,
                            f"Ký số từ xa ({provider}) — {account}", field="account")
        doc.provider, doc.provider_account = provider, account
        return self._save(principal, doc, "signing.credential.registered")

    def unlock(self, principal: Principal, credential_id: str) -> dict:
        """The school's administrator unlocks a credential locked by wrong PINs."""
        if principal.tenant and principal.has_role(QUAN_TRI):
            doc = self.repo(principal).get(credential_id)
        elif not principal.tenant and principal.has_role(TRUONG_PHONG):
            doc = OversightCredentials(principal).get(credential_id, unit_wide=True)
        else:
            raise Forbidden("Chỉ quản trị hệ thống của trường (hoặc trưởng phòng, với chứng thư của phòng) "
                            "mới được mở khóa chứng thư số.")
        doc.locked, doc.pin_failures = False, 0
        doc.save()
        self._audit.append(action="signing.credential.unlocked", actor=principal.sub, tenant=doc.tenant_id,
                           district=doc.district_id, target=doc.id, data={})
        return view(doc)

    def revoke(self, principal: Principal, credential_id: str) -> dict:
        """Revoke a credential: its owner, or the school's administrator for the school's."""
        doc = self._doc(principal, credential_id)
        if OwnerKind(doc.owner_kind).key(doc.owner_id) != OwnerKey.of(principal) and not principal.has_role(QUAN_TRI):
            raise Forbidden("Chỉ người sở hữu hoặc quản trị hệ thống mới được thu hồi chứng thư số.")
        self._authority.revoke(doc, actor=principal.sub)
        return view(doc)
