"""The life of an inspection campaign through identity's API: a head of the team (trưởng đoàn),
changes to the team, its head and its end, closing early; only the opening unit (or the Sở above)
may do it, another unit's campaign is not found, and every step is audited and published with the
team by name and the unit as people call it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.identity.adapters.documents import IdentityDistrictDoc
from services.identity.domain.people import Membership, PersonProfile
from services.identity.service_layer.access import Actor
from services.identity.service_layer.tokens import GrantUser

UNIT_NAME = "Phòng Giáo dục và Đào tạo huyện Hòa Vang"


def _grants(seeded, person):
    return seeded.runtime.verifier.verify(seeded.tokens.person_access_token(GrantUser(person, None, None), "hoso-web")).grants


def _open(client, tokens_for, clock, **overrides):
    body = {"name": "Kiểm tra hồ sơ chuyên môn HK I", "schools": ["th-hoa-phong"], "books": ["ke_hoach_bai_day"],
            "school_year": "2025-2026", "team": ["pgd.truongphong"],
            "until": (clock.now() + timedelta(days=10)).isoformat(), **overrides}
    resp = client.post("/api/v1/campaigns", json=body, headers=tokens_for("pgd.chuyenvien"))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _events(seeded, type_):
    seeded.relay().relay_once()
    return [e.data for e in seeded.runtime.publisher.published if e.type == type_]


@pytest.fixture
def other_unit(seeded):
    """UBND xã Hòa Tiến, another unit of the same province, with one inspector."""
    IdentityDistrictDoc(id="ubnd-xa-hoa-tien", name="UBND xã Hòa Tiến", province_id="so-da-nang", kind="ubnd_xa").save()
    person = seeded.admin.ensure_person(
        PersonProfile.create(username="ht.chuyenvien", full_name="Phan Thị Lụa", email="lua@hoatien.gov.vn"),
        actor=Actor("test", None), tenant=None, district=None).person
    seeded.admin.grant_staff_role(Membership.create(person_id=person.id, role="chuyen_vien", district_id="ubnd-xa-hoa-tien",
                                                    province_id="so-da-nang"), actor=Actor("test", None))
    return "ht.chuyenvien"


def test_the_opener_heads_the_team_unless_another_member_is_named(client, tokens_for, clock, seeded) -> None:
    campaign = _open(client, tokens_for, clock)
    assert (campaign["head"], campaign["head_name"]) == ("pgd.chuyenvien", "Trần Văn Đức")
    assert campaign["members"][0] == {"person": "pgd.chuyenvien", "full_name": "Trần Văn Đức"}
    named = _open(client, tokens_for, clock, head="pgd.truongphong")
    assert named["head_name"] == "Nguyễn Thị Thu Hương"
    refused = client.post("/api/v1/campaigns", headers=tokens_for("pgd.chuyenvien"), json={
        "name": "Đợt 2", "schools": ["th-hoa-phong"], "head": "so.chuyenvien",
        "until": (clock.now() + timedelta(days=3)).isoformat()})
    assert refused.status_code == 422 and refused.get_json()["field"] == "head"

    opened = _events(seeded, "identity.campaign.opened")
    assert opened[0]["head_name"] == "Trần Văn Đức" and opened[0]["unit_name"] == UNIT_NAME
    assert opened[0]["team"] == [{"person": "pgd.chuyenvien", "full_name": "Trần Văn Đức"},
                                 {"person": "pgd.truongphong", "full_name": "Nguyễn Thị Thu Hương"}]


def test_the_unit_changes_the_team_its_head_and_its_end(client, tokens_for, clock, seeded) -> None:
    campaign = _open(client, tokens_for, clock)
    url = f"/api/v1/campaigns/{campaign['id']}"
    changed = client.patch(url, headers=tokens_for("pgd.truongphong"),
                           json={"team": ["pgd.truongphong"], "head": "pgd.truongphong",
                                 "until": (clock.now() + timedelta(days=3)).isoformat()})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["team"] == ["pgd.truongphong"] and body["head_name"] == "Nguyễn Thị Thu Hương"
    assert _grants(seeded, "pgd.chuyenvien") == (), "the removed member's next token carries nothing"
    assert [g.until for g in _grants(seeded, "pgd.truongphong")] == [int((clock.now() + timedelta(days=3)).timestamp())]

    not_member = client.patch(url, headers=tokens_for("pgd.truongphong"), json={"head": "pgd.chuyenvien"})
    assert not_member.status_code == 422 and not_member.get_json()["field"] == "head"
    head_removed = client.patch(url, headers=tokens_for("pgd.truongphong"), json={"team": ["pgd.chuyenvien"]})
    assert head_removed.status_code == 422, "the head must stay on the team unless another head is named"
    outsider = client.patch(url, headers=tokens_for("pgd.truongphong"), json={"team": ["pgd.truongphong", "thhp.giaovien"]})
    assert outsider.status_code == 422 and outsider.get_json()["field"] == "team"
    too_long = client.patch(url, headers=tokens_for("pgd.truongphong"),
                            json={"until": (clock.now() + timedelta(days=400)).isoformat()})
    assert too_long.status_code == 409
    extended = client.patch(url, headers=tokens_for("so.chuyenvien"), json={"until": (clock.now() + timedelta(days=30)).isoformat()})
    assert extended.status_code == 200, "the Sở above may change the unit's campaign"

    published = _events(seeded, "identity.campaign.changed")
    assert [e["team"] for e in published] == [[{"person": "pgd.truongphong", "full_name": "Nguyễn Thị Thu Hương"}]] * 2
    assert published[-1]["until"] == (clock.now() + timedelta(days=30)).isoformat()
    audited = [e for e in seeded.runtime.audit.entries(limit=100) if e["action"] == "campaign.changed"]
    assert len(audited) == 2 and audited[-1]["target"] == campaign["id"]
    assert any(e["data"]["removed"] == ["pgd.chuyenvien"] for e in audited)


def test_closing_early_ends_the_grant_and_nothing_changes_afterwards(client, tokens_for, clock, seeded) -> None:
    campaign = _open(client, tokens_for, clock)
    clock.advance(seconds=3600)
    closed = client.post(f"/api/v1/campaigns/{campaign['id']}/close", headers=tokens_for("pgd.chuyenvien"))
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["active"] is False and closed.get_json()["closed_at"] == clock.now().isoformat()
    assert _grants(seeded, "pgd.truongphong") == ()
    assert client.post(f"/api/v1/campaigns/{campaign['id']}/close", headers=tokens_for("pgd.chuyenvien")).status_code == 409
    assert client.patch(f"/api/v1/campaigns/{campaign['id']}", headers=tokens_for("pgd.chuyenvien"),
                        json={"until": (clock.now() + timedelta(days=2)).isoformat()}).status_code == 409
    listed = client.get("/api/v1/campaigns", headers=tokens_for("pgd.chuyenvien")).get_json()["items"]
    assert listed[0]["closed_at"] == clock.now().isoformat()

    event = _events(seeded, "identity.campaign.closed")
    assert len(event) == 1 and event[0]["closed_at"] == clock.now().isoformat() and event[0]["head"] == "pgd.chuyenvien"
    assert any(e["action"] == "campaign.closed" and e["target"] == campaign["id"]
               for e in seeded.runtime.audit.entries(limit=100))


def test_another_units_campaign_is_not_found_and_school_staff_are_refused(client, tokens_for, clock, seeded,
                                                                         other_unit) -> None:
    campaign = _open(client, tokens_for, clock)
    url = f"/api/v1/campaigns/{campaign['id']}"
    assert client.patch(url, headers=tokens_for(other_unit), json={"team": [other_unit]}).status_code == 404
    assert client.post(url + "/close", headers=tokens_for(other_unit)).status_code == 404
    assert client.get(url, headers=tokens_for(other_unit)).status_code == 404
    assert client.post(url + "/close", headers=tokens_for("thhp.hieutruong")).status_code == 403
    assert client.get(url, headers=tokens_for("pgd.chuyenvien")).get_json()["active"] is True, "nothing changed"
    assert _events(seeded, "identity.campaign.changed") == [] and _events(seeded, "identity.campaign.closed") == []
