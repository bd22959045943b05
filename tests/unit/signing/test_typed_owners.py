"""Defect 6 (signing) and defect 4 (signing's part): owners are typed keys; ids of another school are refused.

A person whose username equalled a school's id read that school's seal job
(``GET /external-jobs/{id}`` → 200): the owner check compared bare strings.
"""
from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization

from services.kernel.owners import OwnerKey, OwnerKind, keys_of
from services.kernel.principal import Principal
from services.signing.adapters.approvals_client import FakeSubmission
from services.signing.adapters.x509_issuer import Subject, new_key
from tests.unit.signing.test_signing_api import CLERK, DISTRICT, GVCN, OTHER, SCHOOL, World, _waiting_on_token


def test_owner_keys_of_different_kinds_never_match():
    assert OwnerKey.person(SCHOOL) != OwnerKey.school(SCHOOL)
    assert OwnerKey.parse(str(OwnerKey.school(SCHOOL))) == OwnerKey.school(SCHOOL)
    person = Principal(sub=SCHOOL, tenant=OTHER)
    assert keys_of(person) == {OwnerKey(OwnerKind.PERSON, SCHOOL), OwnerKey(OwnerKind.SCHOOL, OTHER)}
    service = Principal(sub="service:approvals", client_id="approvals", is_service=True, roles=frozenset({"service"}))
    assert keys_of(service) == {OwnerKey.service("approvals")}


def _seal_job(world: World) -> str:
    """The văn thư registers the school's seal on a USB token and starts sealing: the batch waits on the agent."""
    sub = world.submission("sub-1")
    sub.signed += [{"order": 1, "role": "gvcn"}, {"order": 2, "role": "hieu_truong"}]
    key = new_key()
    cert = world.container.authority.issue_for_key(
        district_id=DISTRICT, public_key=key.public_key(),
        subject=Subject("Trường Tiểu học Hòa Phong", "Trường Tiểu học Hòa Phong"))
    seal = world.client.post("/api/v1/credentials/token", headers=world.headers(CLERK), json={
        "certificate": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode(),
        "organisation": True})
    assert seal.status_code == 201, seal.json
    waiting = world.client.post("/api/v1/batches", headers=world.headers(CLERK), json={
        "submission_ids": ["sub-1"], "credential_id": seal.json["id"], "wait": True}).json
    assert waiting["state"] == "waiting", waiting
    return waiting["external_job_id"]


def test_a_person_named_like_the_school_cannot_read_its_seal_job(tmp_path):
    world = World(tmp_path)
    job_id = _seal_job(world)
    assert world.client.get(f"/api/v1/external-jobs/{job_id}", headers=world.headers(CLERK)).status_code == 200
    for tenant in (OTHER, SCHOOL):  # username == the school's id, in another school or in this one
        namesake = world.headers(SCHOOL, tenant=tenant)
        assert world.client.get(f"/api/v1/external-jobs/{job_id}", headers=namesake).status_code == 404
        posted = world.client.post(f"/api/v1/external-jobs/{job_id}/signatures", headers=namesake,
                                   json={"signatures": [{"id": "sub-1", "signature": "AAAA"}]})
        assert posted.status_code == 404
    teacher = world.headers("thhp.giaovien2")  # a colleague who is not the văn thư
    assert world.client.get(f"/api/v1/external-jobs/{job_id}", headers=teacher).status_code == 404


def test_a_person_named_like_the_school_does_not_get_its_seal_credential(tmp_path):
    world = World(tmp_path)
    namesake = world.headers(SCHOOL)
    listed = world.client.get("/api/v1/credentials", headers=namesake).json["items"]
    assert all(c["owner_kind"] == "person" for c in listed) and listed == []
    world.submission("sub-1")
    resp = world.client.post("/api/v1/batches", headers=namesake, json={
        "submission_ids": ["sub-1"], "credential_id": world.creds[CLERK].id, "wait": True})
    assert resp.status_code == 403


def test_a_job_of_another_school_is_not_found_even_for_the_same_person(tmp_path):
    """A teacher who works in two schools, signed in for the other one, does not reach this school's job."""
    world = World(tmp_path)
    world.submission("sub-1")
    job_id = _waiting_on_token(world, GVCN, "Nguyễn Thị Lệ Thủy")["external_job_id"]
    assert world.client.get(f"/api/v1/external-jobs/{job_id}", headers=world.headers(GVCN)).status_code == 200
    elsewhere = world.headers(GVCN, tenant=OTHER)
    assert world.client.get(f"/api/v1/external-jobs/{job_id}", headers=elsewhere).status_code == 404
    posted = world.client.post(f"/api/v1/external-jobs/{job_id}/signatures", headers=elsewhere,
                               json={"signatures": [{"id": "sub-1", "signature": "AAAA"}]})
    assert posted.status_code == 404


def test_another_schools_submission_in_a_batch_body_is_refused_before_it_is_used(tmp_path):
    world = World(tmp_path)
    version = world.documents.add(OTHER, b"%PDF-1.7 another school's document")
    world.approvals.add(FakeSubmission(
        id="sub-foreign", tenant=OTHER, district=DISTRICT, book_type="hoc_ba", document_id="doc-foreign",
        version_id=version.id, sha256=version.sha256, state="signing",
        steps=[{"order": 1, "role": "gvcn", "signer": GVCN, "organisation": False}], holders={GVCN: {"gvcn"}}))
    asked: list[str] = []
    real_turn = world.approvals.signing_turn
    world.approvals.signing_turn = lambda sid, signer: asked.append(sid) or real_turn(sid, signer)
    world.submission("sub-1")
    body = world.sign(GVCN, ["sub-foreign", "sub-1"]).json
    items = {i["submission_id"]: i for i in body["items"]}
    assert items["sub-foreign"]["status"] == "failed" and items["sub-foreign"]["reason_code"] == "not-found"
    assert items["sub-1"]["status"] == "signed"
    assert "sub-foreign" not in asked and "sub-1" in asked  # nothing was asked about the foreign id
    assert [v for v, (tenant, _, base) in world.documents.versions.items() if base] != []
    assert all(tenant == SCHOOL for tenant, _, base in world.documents.versions.values() if base)
