"""One person in several schools, and sessions a person or an administrator can end (issue 16, points 4 and 5).

The demo's two-school teacher, Lê Thị Thu Hà (``gvbm.thuha``), teaches in Trường Tiểu học Hòa Phong
and Trường THCS Nguyễn Huệ. She signs in once; asking identity again with ``tenant=`` on the live
session gives a token for the other school without a password, and a refresh keeps the school.
Asking for a school she holds no role in is refused (``access_denied`` back to the web app, with
its ``state``) and audited. "Đăng xuất khỏi mọi thiết bị" ends every session of hers, the asking
one included; a school's administrator ends the sessions of a person of that school only.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import base64
import json
import secrets

from infra.demo.district import SPECIALIST
from services.identity.entrypoints.app import create_app

from .conftest import REDIRECT, authorize_query, browser_login_tokens, pkce_pair, sign_in

PRIMARY, SECONDARY, ELSEWHERE = "th-hoa-phong", "thcs-nguyen-hue", "mn-hoa-chau"


def claims(token: str) -> dict:
    """The access token's claims as the web app reads them (services verify the signature)."""
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def authorize_for(client, tenant: str, *, state: str = "switch-1"):
    """The web app's school picker: authorize again with ``tenant=`` on the browser's live session."""
    verifier, challenge = pkce_pair()
    resp = client.get("/oauth/authorize?" + authorize_query(challenge, state=state, nonce=secrets.token_urlsafe(8)) + "&" + urlencode({"tenant": tenant}))
    return resp, verifier


def exchange(client, resp, verifier: str) -> dict:
    assert resp.status_code == 302, resp.get_data(as_text=True)
    location = resp.headers["Location"]
    assert location.startswith(REDIRECT), location  # straight back to the web app: no sign-in page
    code = parse_qs(urlsplit(location).query)["code"][0]
    tok = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                            "client_id": "hoso-web", "code_verifier": verifier})
    assert tok.status_code == 200, tok.get_data(as_text=True)
    return tok.get_json()


def refresh(client, refresh_token: str):
    return client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                             "client_id": "hoso-web"})


def bearer(tok: dict) -> dict:
    return {"Authorization": f"Bearer {tok['access_token']}"}


def test_the_two_school_teacher_switches_school_without_signing_in_again(client, seeded):
    first = browser_login_tokens(client, SPECIALIST)
    assert claims(first["access_token"])["tenant"] == PRIMARY  # her home school
    me = client.get("/api/v1/me", headers=bearer(first)).get_json()
    assert me["full_name"] == "Lê Thị Thu Hà"
    assert me["school_choices"] == [{"id": SECONDARY, "name": "Trường THCS Nguyễn Huệ"},
                                    {"id": PRIMARY, "name": "Trường Tiểu học Hòa Phong"}]

    resp, verifier = authorize_for(client, SECONDARY)
    there = exchange(client, resp, verifier)
    c = claims(there["access_token"])
    assert c["tenant"] == SECONDARY and c["unit_roles"] == [["giao_vien", f"{SECONDARY}/to-khtn"]]
    assert client.get("/api/v1/me", headers=bearer(there)).get_json()["organisation"] == "Trường THCS Nguyễn Huệ"

    # the choice holds across refreshes (the web app refreshes every ten minutes)
    again = refresh(client, there["refresh_token"])
    assert again.status_code == 200 and claims(again.get_json()["access_token"])["tenant"] == SECONDARY

    # and back again, still without a password
    resp, verifier = authorize_for(client, PRIMARY, state="switch-2")
    back = exchange(client, resp, verifier)
    assert claims(back["access_token"])["tenant"] == PRIMARY
    assert claims(back["access_token"])["unit_roles"] == [["giao_vien", f"{PRIMARY}/to-4"]]


def test_a_school_the_person_holds_no_role_in_is_refused_and_audited(client, seeded):
    browser_login_tokens(client, SPECIALIST)
    for asked in (ELSEWHERE, "khong-co-truong-nay"):
        resp, _ = authorize_for(client, asked, state="st-refused")
        assert resp.status_code == 302
        location = urlsplit(resp.headers["Location"])
        query = parse_qs(location.query)
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
        assert query["error"] == ["access_denied"] and query["state"] == ["st-refused"] and "code" not in query
    refused = seeded.runtime.audit.entries(match={"action": "signin.school_refused"})
    assert [(e["actor"], e["data"]["asked"]) for e in refused] == [
        (SPECIALIST, "khong-co-truong-nay"), (SPECIALIST, ELSEWHERE)]

    # a teacher of one school cannot reach another either
    other = create_app(container=seeded).test_client()
    browser_login_tokens(other, "thhp.giaovien")
    resp, _ = authorize_for(other, SECONDARY)
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["error"] == ["access_denied"]


def test_a_role_taken_back_ends_the_choice_of_that_school(client, seeded, tokens_for):
    browser_login_tokens(client, SPECIALIST)
    membership = next(m for m in client.get(f"/api/v1/schools/{SECONDARY}/people/{SPECIALIST}",
                                            headers=tokens_for("thcsnh.quantri")).get_json()["memberships"])
    assert client.delete(f"/api/v1/schools/{SECONDARY}/memberships/{membership['id']}",
                         headers=tokens_for("thcsnh.quantri")).status_code == 204
    resp, _ = authorize_for(client, SECONDARY)
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["error"] == ["access_denied"]


def test_signing_out_everywhere_ends_every_session_this_one_included(client, seeded):
    laptop = browser_login_tokens(client, "thhp.ketoan")
    phone_client = create_app(container=seeded).test_client()
    phone = browser_login_tokens(phone_client, "thhp.ketoan")
    assert len(client.get("/api/v1/me/sessions", headers=bearer(laptop)).get_json()["items"]) == 2

    resp = client.delete("/api/v1/me/sessions", headers=bearer(laptop))
    assert resp.status_code == 200 and resp.get_json() == {"sessions": 2}
    assert client.get("/api/v1/me/sessions", headers=bearer(laptop)).get_json()["items"] == []
    for who, tok in ((client, laptop), (phone_client, phone)):
        assert refresh(who, tok["refresh_token"]).status_code == 400  # no new token anywhere
        resp, _ = authorize_for(who, PRIMARY)
        assert "/auth/sign-in" in resp.headers["Location"]  # the browser must sign in again
    [entry] = seeded.runtime.audit.entries(match={"action": "sessions.ended_everywhere"})
    assert entry["actor"] == "thhp.ketoan" and entry["data"]["sessions"] == 2
    # a colleague's sessions are untouched
    colleague_client = create_app(container=seeded).test_client()
    colleague = browser_login_tokens(colleague_client, "thhp.vanthu")
    client.delete("/api/v1/me/sessions", headers=bearer(laptop))
    assert refresh(colleague_client, colleague["refresh_token"]).status_code == 200


def test_an_administrator_ends_the_sessions_of_a_person_of_their_school(client, seeded, tokens_for):
    teacher = browser_login_tokens(client, "thhp.giaovien")
    resp = client.delete("/api/v1/schools/th-hoa-phong/people/thhp.giaovien/sessions", headers=tokens_for("thhp.quantri"))
    assert resp.status_code == 200 and resp.get_json() == {"sessions": 1}
    assert refresh(client, teacher["refresh_token"]).status_code == 400
    [entry] = seeded.runtime.audit.entries(tenant="th-hoa-phong", match={"action": "sessions.ended_by_admin"})
    assert (entry["actor"], entry["target"], entry["data"]["sessions"]) == ("thhp.quantri", "thhp.giaovien", 1)
    # the account stays open: she signs in again with her password
    assert browser_login_tokens(client, "thhp.giaovien")["access_token"]


def test_ending_sessions_stays_inside_the_administrator_s_authority(client, seeded, tokens_for):
    teacher = browser_login_tokens(client, "thhp.giaovien")
    other_admin = tokens_for("mnhc.quantri")
    # another school's person: by their school in the path, or named under the caller's own school
    assert client.delete("/api/v1/schools/th-hoa-phong/people/thhp.giaovien/sessions", headers=other_admin).status_code == 404
    assert client.delete("/api/v1/schools/mn-hoa-chau/people/thhp.giaovien/sessions", headers=other_admin).status_code == 404
    # a colleague without the right, and the principal by a school administrator
    assert client.delete("/api/v1/schools/th-hoa-phong/people/thhp.giaovien/sessions",
                         headers=tokens_for("thhp.totruong")).status_code == 403
    refused = client.delete("/api/v1/schools/th-hoa-phong/people/thhp.hieutruong/sessions", headers=tokens_for("thhp.quantri"))
    assert refused.status_code == 403 and refused.get_json()["code"] == "outside-account-authority"
    # the two-school teacher holds a role the school's administrator does not cover; the district head does
    assert client.delete(f"/api/v1/schools/th-hoa-phong/people/{SPECIALIST}/sessions",
                         headers=tokens_for("thhp.quantri")).get_json()["code"] == "outside-account-authority"
    assert client.delete(f"/api/v1/schools/th-hoa-phong/people/{SPECIALIST}/sessions",
                         headers=tokens_for("pgd.truongphong")).status_code == 200
    assert refresh(client, teacher["refresh_token"]).status_code == 200  # nothing of hers ended meanwhile
    assert not seeded.runtime.audit.entries(match={"action": "sessions.ended_by_admin", "target": "thhp.giaovien"})
