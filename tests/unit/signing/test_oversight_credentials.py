"""Oversight staff (Phòng chuyên viên and trưởng phòng, Sở chuyên viên) register their own certificates.

They belong to no school: before, registering wrote in a school's scope and was refused
("Tài khoản này không thuộc trường học nào"). A credential stays its person's, in their unit.
"""
from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from services.signing.adapters.records import CredentialDoc
from tests.unit.signing.test_signing_api import DISTRICT, GVCN, SCHOOL, World, _key_and_certificate

PROVINCE = "so-da-nang"
OFFICER, HEAD, SO_OFFICER = "pgd.chuyenvien", "pgd.truongphong", "so.chuyenvien"
NAMES = {OFFICER: "Trần Văn Đức", HEAD: "Nguyễn Thị Thu Hương", SO_OFFICER: "Lê Hoàng Yến"}


def oversight(world: World, person: str) -> dict:
    """A token of district staff (no school) or, for the Sở officer, of the province."""
    if person == SO_OFFICER:
        token = world.tokens.issue(person, province=PROVINCE, roles=["chuyen_vien_so"], name=NAMES[person])
    else:
        token = world.tokens.issue(person, district=DISTRICT, province=PROVINCE,
                                   roles=["truong_phong" if person == HEAD else "chuyen_vien"], name=NAMES[person])
    return {"Authorization": f"Bearer {token}"}


def p12_of(world: World, name: str, pin: str) -> str:
    key, cert = _key_and_certificate(world, name)
    return base64.b64encode(pkcs12.serialize_key_and_certificates(
        b"mine", key, cert, None, serialization.BestAvailableEncryption(pin.encode()))).decode()


def test_district_and_province_staff_register_a_pkcs12_a_token_and_list_them(tmp_path):
    world = World(tmp_path)
    made = world.client.post("/api/v1/credentials/pkcs12", headers=oversight(world, OFFICER),
                             json={"p12": p12_of(world, NAMES[OFFICER], "123456"), "pin": "123456"})
    assert made.status_code == 201, made.json
    assert made.json["subject"] == NAMES[OFFICER] and made.json["issuer"]
    doc = CredentialDoc.objects(id=made.json["id"]).first()
    assert (doc.tenant_id, doc.district_id, doc.owner_id) == (None, DISTRICT, OFFICER)

    _key, cert = _key_and_certificate(world, NAMES[SO_OFFICER])
    token = world.client.post("/api/v1/credentials/token", headers=oversight(world, SO_OFFICER), json={
        "certificate": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()})
    assert token.status_code == 201, token.json
    assert CredentialDoc.objects(id=token.json["id"]).first().district_id == PROVINCE

    listed = world.client.get("/api/v1/credentials", headers=oversight(world, OFFICER)).json["items"]
    assert [c["id"] for c in listed] == [made.json["id"]]
    assert world.client.get("/api/v1/credentials", headers=oversight(world, HEAD)).json["items"] == []
    assert all(c["owner_id"] == GVCN for c in
               world.client.get("/api/v1/credentials", headers=world.headers(GVCN)).json["items"])


def test_an_oversight_credential_stays_its_persons(tmp_path):
    world = World(tmp_path)
    refused = world.client.post("/api/v1/credentials/pkcs12", headers=oversight(world, OFFICER),
                                json={"p12": p12_of(world, NAMES[HEAD], "123456"), "pin": "123456"})
    assert refused.status_code == 403 and refused.json["code"] == "certificate-not-yours"
    seal = world.client.post("/api/v1/credentials/pkcs12", headers=oversight(world, OFFICER),
                             json={"p12": p12_of(world, NAMES[OFFICER], "1"), "pin": "1", "organisation": True})
    assert seal.status_code == 403

    mine = world.client.post("/api/v1/credentials/pkcs12", headers=oversight(world, OFFICER),
                             json={"p12": p12_of(world, NAMES[OFFICER], "123456"), "pin": "123456"}).json
    # a school's people and another unit's officer do not reach it; the head of the unit only unlocks it
    school_admin = world.tokens.issue("thhp.quantri", tenant=SCHOOL, district=DISTRICT, roles=["quan_tri"],
                                      name="Quản Trị")
    assert world.client.post(f"/api/v1/credentials/{mine['id']}/revoke",
                             headers={"Authorization": f"Bearer {school_admin}"}).status_code == 404
    assert world.client.post(f"/api/v1/credentials/{mine['id']}/revoke",
                             headers=oversight(world, SO_OFFICER)).status_code == 404
    assert world.client.post(f"/api/v1/credentials/{mine['id']}/revoke",
                             headers=oversight(world, HEAD)).status_code == 404
    assert world.client.post(f"/api/v1/credentials/{mine['id']}/unlock",
                             headers=oversight(world, OFFICER)).status_code == 403
    CredentialDoc.objects(id=mine["id"]).update_one(set__locked=True, set__pin_failures=5)  # five wrong PINs
    assert world.client.get("/api/v1/credentials/locked", headers=oversight(world, OFFICER)).status_code == 403
    locked = world.client.get("/api/v1/credentials/locked", headers=oversight(world, HEAD)).json["items"]
    assert [c["id"] for c in locked] == [mine["id"]]
    assert world.client.get("/api/v1/credentials/locked",
                            headers={"Authorization": f"Bearer {school_admin}"}).json["items"] == []
    unlocked = world.client.post(f"/api/v1/credentials/{mine['id']}/unlock", headers=oversight(world, HEAD))
    assert unlocked.status_code == 200 and unlocked.json["locked"] is False

    revoked = world.client.post(f"/api/v1/credentials/{mine['id']}/revoke", headers=oversight(world, OFFICER))
    assert revoked.status_code == 200 and revoked.json["revoked"] is True
    actions = [e["action"] for e in world.container.runtime.audit.entries(target=mine["id"])]
    assert {"signing.credential.registered", "signing.credential.unlocked", "signing.credential.revoked"} <= set(actions)


def test_a_wrong_pkcs12_password_is_refused_in_vietnamese(tmp_path):
    world = World(tmp_path)
    refused = world.client.post("/api/v1/credentials/pkcs12", headers=oversight(world, OFFICER),
                                json={"p12": p12_of(world, NAMES[OFFICER], "123456"), "pin": "654321"})
    assert refused.status_code == 422 and refused.json["field"] == "pin"
    assert "sai mật khẩu" in refused.json["detail"]
