"""Inspection campaigns through identity's API: an inspector of the oversight unit opens one on
schools of the unit, the team's tokens carry exactly its scope while it runs, and nothing after."""
from __future__ import annotations

from datetime import timedelta

from services.identity.service_layer.tokens import GrantUser


def _principal(seeded, person):
    return seeded.runtime.verifier.verify(seeded.tokens.person_access_token(GrantUser(person, None, None), "hoso-web"))


def _open(client, tokens_for, clock, **overrides):
    body = {"name": "Kiểm tra hồ sơ chuyên môn HK I", "schools": ["th-hoa-phong"], "books": ["ke_hoach_bai_day"],
            "school_year": "2025-2026", "team": ["pgd.truongphong"],
            "until": (clock.now() + timedelta(days=10)).isoformat(), **overrides}
    return client.post("/api/v1/campaigns", json=body, headers=tokens_for("pgd.chuyenvien"))


def test_an_inspector_opens_a_campaign_and_the_team_tokens_carry_its_scope_until_it_ends(client, seeded, tokens_for, clock) -> None:
    resp = _open(client, tokens_for, clock)
    assert resp.status_code == 201, resp.get_json()
    campaign = resp.get_json()
    assert campaign["team"] == ["pgd.chuyenvien", "pgd.truongphong"] and campaign["active"] is True
    for person in ("pgd.chuyenvien", "pgd.truongphong"):
        grants = _principal(seeded, person).grants
        assert [(g.campaign, g.schools, g.books, g.year) for g in grants] == [
            (campaign["id"], ("th-hoa-phong",), ("ke_hoach_bai_day",), "2025-2026")]
    assert _principal(seeded, "so.chuyenvien").grants == (), "not on the team"
    assert _principal(seeded, "thhp.hieutruong").grants == ()
    listed = client.get("/api/v1/campaigns", headers=tokens_for("pgd.truongphong")).get_json()["items"]
    assert [c["id"] for c in listed] == [campaign["id"]]
    assert client.get(f"/api/v1/campaigns/{campaign['id']}", headers=tokens_for("so.chuyenvien")).status_code == 200, \
        "the Sở sees every campaign of its province"
    assert any(e["action"] == "campaign.opened" and e["target"] == campaign["id"]
               for e in seeded.runtime.audit.entries(limit=50))

    clock.advance(seconds=10 * 86400)
    assert _principal(seeded, "pgd.truongphong").grants == (), "the grant ends by itself"
    assert client.get(f"/api/v1/campaigns/{campaign['id']}", headers=tokens_for("pgd.chuyenvien")).get_json()["active"] is False


def test_only_oversight_staff_open_campaigns_on_their_own_schools_and_staff(client, tokens_for, clock) -> None:
    school_staff = client.post("/api/v1/campaigns", headers=tokens_for("thhp.hieutruong"), json={
        "name": "x", "schools": ["th-hoa-phong"], "until": (clock.now() + timedelta(days=1)).isoformat()})
    assert school_staff.status_code == 403
    assert _open(client, tokens_for, clock, schools=["th-truong-khac"]).status_code == 404
    assert _open(client, tokens_for, clock, team=["thhp.giaovien"]).status_code == 422
    assert _open(client, tokens_for, clock, until=(clock.now() - timedelta(days=1)).isoformat()).status_code == 409
    assert _open(client, tokens_for, clock, school_year="2025-2027").status_code == 422
    assert client.get("/api/v1/campaigns", headers=tokens_for("thhp.hieutruong")).status_code == 403
    assert client.get("/api/v1/campaigns/khong-co", headers=tokens_for("pgd.chuyenvien")).status_code == 404
