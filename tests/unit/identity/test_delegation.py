"""Delegation (ủy quyền) through the API: the delegate's token carries ``act``, services see
"B on behalf of A", revocation ends it, and the rules refuse wrong pairs."""
from __future__ import annotations

from datetime import timedelta

from services.identity.service_layer.tokens import GrantUser


def _principal(seeded, person):
    token = seeded.tokens.person_access_token(GrantUser(person, None, None), "hoso-web")
    return seeded.runtime.verifier.verify(token)


def test_to_truong_delegates_to_to_pho_and_the_token_says_so(client, seeded, tokens_for, clock):
    until = (clock.now() + timedelta(days=7)).isoformat()
    resp = client.post("/api/v1/schools/th-hoa-phong/delegations", headers=tokens_for("thhp.totruong"), json={
        "delegate_id": "thhp.topho", "role": "to_truong", "unit": "to-4", "book_types": ["ke_hoach_bai_day"],
        "until": until})
    assert resp.status_code == 201, resp.get_json()
    delegation = resp.get_json()
    deputy = _principal(seeded, "thhp.topho")
    now = int(clock.now().timestamp())
    assert deputy.may_act_as("to_truong", "th-hoa-phong/to-4", "ke_hoach_bai_day", now=now) == (True, "thhp.totruong")
    assert deputy.may_act_as("to_truong", "th-hoa-phong/to-4", "so_chu_nhiem", now=now) == (False, None)
    assert deputy.may_act_as("to_truong", "th-hoa-phong/to-1", "ke_hoach_bai_day", now=now) == (False, None)

    listed = client.get("/api/v1/schools/th-hoa-phong/delegations", headers=tokens_for("thhp.topho")).get_json()["items"]
    assert [d["id"] for d in listed] == [delegation["id"]]
    assert client.get("/api/v1/schools/th-hoa-phong/delegations", headers=tokens_for("thhp.giaovien2")).get_json()["items"] == []

    revoked = client.post(f"/api/v1/schools/th-hoa-phong/delegations/{delegation['id']}/revoke",
                          headers=tokens_for("thhp.totruong"))
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert _principal(seeded, "thhp.topho").act == ()
    seeded.relay().relay_once()
    types = seeded.runtime.publisher.types()
    assert "identity.delegation.granted" in types and "identity.delegation.revoked" in types


def test_delegation_window_ends_by_itself(client, seeded, tokens_for, clock):
    client.post("/api/v1/schools/th-hoa-phong/delegations", headers=tokens_for("thhp.totruong"), json={
        "delegate_id": "thhp.topho", "role": "to_truong", "unit": "to-4", "until": (clock.now() + timedelta(days=1)).isoformat()})
    assert _principal(seeded, "thhp.topho").act
    clock.advance(days=1, seconds=1)
    assert _principal(seeded, "thhp.topho").act == ()


def test_a_pht_acting_for_the_principal_administers_and_is_recorded_on_behalf(client, seeded, tokens_for, clock):
    resp = client.post("/api/v1/schools/th-hoa-phong/delegations", headers=tokens_for("thhp.hieutruong"), json={
        "delegate_id": "thhp.phohieutruong", "role": "hieu_truong", "until": (clock.now() + timedelta(days=3)).isoformat()})
    assert resp.status_code == 201, resp.get_json()
    pht = tokens_for("thhp.phohieutruong")
    granted = client.post("/api/v1/schools/th-hoa-phong/people/thhp.giaovien2/memberships", headers=pht,
                          json={"role": "tong_phu_trach"})
    assert granted.status_code == 201
    entry = next(e for e in seeded.runtime.audit.entries(tenant="th-hoa-phong") if e["action"] == "membership.granted"
                 and e["target"] == granted.get_json()["id"])
    assert entry["actor"] == "thhp.phohieutruong" and entry["on_behalf_of"] == "thhp.hieutruong"
    seeded.relay().relay_once()
    event = next(e for e in seeded.runtime.publisher.published if e.type == "identity.membership.granted"
                 and e.data["membership"] == granted.get_json()["id"])
    assert event.on_behalf_of == "thhp.hieutruong" and event.actor == "thhp.phohieutruong"


def test_wrong_pairs_and_other_schools_are_refused(client, tokens_for, clock):
    until = (clock.now() + timedelta(days=3)).isoformat()
    teacher = client.post("/api/v1/schools/th-hoa-phong/delegations", headers=tokens_for("thhp.giaovien"), json={
        "delegate_id": "thhp.giaovien2", "role": "giao_vien", "until": until})
    assert teacher.status_code == 422
    not_deputy = client.post("/api/v1/schools/th-hoa-phong/delegations", headers=tokens_for("thhp.totruong"), json={
        "delegate_id": "thhp.giaovien2", "role": "to_truong", "unit": "to-4", "until": until})
    assert not_deputy.status_code == 409 and "tổ phó" in not_deputy.get_json()["detail"]
    elsewhere = client.post("/api/v1/schools/mn-hoa-chau/delegations", headers=tokens_for("thhp.totruong"), json={
        "delegate_id": "mnhc.topho", "role": "to_truong", "unit": "to-mau-giao", "until": until})
    assert elsewhere.status_code == 404
