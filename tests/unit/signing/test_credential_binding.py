"""Defect 2: a credential is usable only by the person its certificate names.

Once, this school's principal registered another school's principal's remote-signing account
(201, that person's certificate) and, after the phone confirmation, this school's học bạ carried
the other principal's signature. The rule now holds in one place for every key path, at
registration and at every signature.
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from services.signing.adapters.records import CredentialDoc
from services.signing.adapters.x509_issuer import Subject, new_key
from services.signing.domain.credentials import CertificateFacts, OwnerKind, PersonRecord, check_bound
from services.signing.domain.errors import CertificateNotYours
from tests.unit.signing.test_signing_api import DISTRICT, GVCN, PRINCIPAL, SCHOOL, World

OTHER_PRINCIPAL = "Trần Văn Bình"  # the principal of another school


def _foreign_key_and_cert(world: World, name: str = OTHER_PRINCIPAL, user_id: str | None = "mnhc.hieutruong"):
    key = new_key()
    cert = world.container.authority.issue_for_key(
        district_id=DISTRICT, public_key=key.public_key(),
        subject=Subject(name, "Trường Mầm non Hòa Châu", user_id=user_id))
    return key, cert


def _register(world: World, path: str, person: str, cert, key) -> tuple[int, dict]:
    der = cert.public_bytes(serialization.Encoding.DER)
    if path == "remote":
        world.container.simulated_provider.enrol("0905999888", key, der)
        resp = world.client.post("/api/v1/credentials/remote", json={"provider": "simulated", "account": "0905999888"},
                                 headers=world.headers(person))
    elif path == "pkcs12":
        p12 = pkcs12.serialize_key_and_certificates(b"x", key, cert, None,
                                                    serialization.BestAvailableEncryption(b"123456"))
        resp = world.client.post("/api/v1/credentials/pkcs12", headers=world.headers(person),
                                 json={"p12": base64.b64encode(p12).decode(), "pin": "123456"})
    else:
        resp = world.client.post("/api/v1/credentials/token", headers=world.headers(person),
                                 json={"certificate": base64.b64encode(der).decode()})
    return resp.status_code, resp.json


@pytest.mark.parametrize("path, field", [("remote", "account"), ("pkcs12", "p12"), ("token", "certificate")])
def test_another_persons_certificate_is_refused_at_registration_on_every_key_path(tmp_path, path, field):
    world = World(tmp_path)
    key, cert = _foreign_key_and_cert(world)
    before = CredentialDoc.objects.count()
    status, body = _register(world, path, PRINCIPAL, cert, key)
    assert status == 403, body
    assert body["type"] == "https://hoso.edu.vn/problems/certificate-not-yours" and body["field"] == field
    assert "không đứng tên bạn" in body["detail"]
    assert CredentialDoc.objects.count() == before  # nothing kept


@pytest.mark.parametrize("path", ["remote", "pkcs12", "token"])
def test_the_holders_own_certificate_is_accepted(tmp_path, path):
    world = World(tmp_path)
    key, cert = _foreign_key_and_cert(world, name="Phạm Văn Hùng", user_id=None)
    status, body = _register(world, path, PRINCIPAL, cert, key)
    assert status == 201, body
    assert body["subject"] == "Phạm Văn Hùng"


def test_a_credential_naming_someone_else_cannot_sign_even_if_stored_before_the_rule(tmp_path):
    """The check runs again at every signature: a server-key credential of another person is refused."""
    world = World(tmp_path)
    world.submission("sub-1")
    world.sign(GVCN, ["sub-1"])
    stolen = world.container.authority.issue_credential(
        district_id=DISTRICT, tenant_id=SCHOOL, owner_id=PRINCIPAL, owner_kind=OwnerKind.PERSON,
        common_name=OTHER_PRINCIPAL, organisation="Trường Mầm non Hòa Châu", actor="t")
    stored = len(world.documents.versions)
    resp = world.sign(PRINCIPAL, ["sub-1"], credential=stolen.id)
    assert resp.status_code == 403 and resp.json["type"].endswith("/certificate-not-yours")
    assert resp.json["field"] == "credential_id"
    assert len(world.documents.versions) == stored
    assert world.sign(PRINCIPAL, ["sub-1"]).json["signed"] == 1  # the principal's own certificate still signs


def test_a_remote_account_registered_before_the_rule_is_refused_when_the_phone_confirms(tmp_path):
    """Registered while the name still matched, the account later names someone else: no signature is kept."""
    world = World(tmp_path)
    provider = world.container.simulated_provider
    key, cert = _foreign_key_and_cert(world, name="Phạm Văn Hùng", user_id=None)
    status, cred = _register(world, "remote", PRINCIPAL, cert, key)
    assert status == 201
    world.submission("sub-1").signed.append({"order": 1, "role": "gvcn"})
    waiting = world.sign(PRINCIPAL, ["sub-1"], credential=cred["id"]).json
    assert waiting["state"] == "waiting"
    _key2, other = _foreign_key_and_cert(world)
    CredentialDoc.objects(id=cred["id"]).update_one(set__certificate_der=other.public_bytes(serialization.Encoding.DER))
    [(tid, _, _)] = provider.pending("0905999888")
    provider.confirm(tid)
    world.container.signing.resume_remote(tid)
    view = world.client.get(f"/api/v1/batches/{waiting['id']}", headers=world.headers(PRINCIPAL)).json
    assert view["state"] == "failed" and "không đứng tên bạn" in view["reason"]
    assert view["signed"] == 0


def _facts(name: str, *ids: tuple[str, str]) -> CertificateFacts:
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return CertificateFacts(subject_name=name, organisation=None, serial_hex="1", issuer_name="CA", not_before=at,
                            not_after=at, digital_signature=True, non_repudiation=True, subject_ids=ids)


def test_names_and_ids_are_compared_as_people_write_them():
    me = PersonRecord(username="thhp.hieutruong", full_name="Phạm Văn Hùng", national_ids=frozenset({"001080012345"}))
    check_bound(_facts("PHẠM  VĂN HÙNG"), me)  # case and spacing
    check_bound(_facts("PHAM VAN HUNG"), me)  # a CA that writes names without diacritics
    check_bound(_facts("Phạm Văn Hùng", ("uid", "CCCD:001080012345"), ("uid", "thhp.hieutruong")), me)
    check_bound(_facts("Phạm Văn Hùng", ("uid", "MST:0401234567")), me)  # an organisation's id is not a person's
    for facts in (_facts("Phạm Văn Hưng"),  # one diacritic is another person
                  _facts("Phạm Văn Hùng", ("uid", "CCCD:001080099999")),
                  _facts("Phạm Văn Hùng", ("serial", "CMND:201234567")),
                  _facts("Phạm Văn Hùng", ("uid", "mnhc.hieutruong"))):
        with pytest.raises(CertificateNotYours):
            check_bound(facts, me)
    with pytest.raises(CertificateNotYours):
        check_bound(_facts("Phạm Văn Hùng"), PersonRecord(username="x", full_name=""))  # no name on record
