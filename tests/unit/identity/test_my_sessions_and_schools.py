"""What the web app's "Phiên đăng nhập của tôi" page and school picker read from identity: each
session says which browser it is ("Chrome trên Android"), which one is the browser asking and when it
was last used (its last token refresh), and /me names the schools a person holds a role in, so one working in two can choose by name."""
from __future__ import annotations

from services.identity.entrypoints.app import create_app
from services.identity.service_layer.tokens import GrantUser

from .conftest import browser_login_tokens, sign_in

ANDROID = "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0"


def test_each_session_names_its_browser_and_the_asking_browser_sees_its_own_marked(client, seeded, tokens_for):
    phone = create_app(container=seeded).test_client()
    sign_in(client, "thhp.ketoan", environ={"REMOTE_ADDR": "10.0.0.1", "HTTP_USER_AGENT": WINDOWS})
    sign_in(phone, "thhp.ketoan", environ={"REMOTE_ADDR": "10.9.9.9", "HTTP_USER_AGENT": ANDROID})
    me = tokens_for("thhp.ketoan")

    from_laptop = client.get("/api/v1/me/sessions", headers=me).get_json()["items"]
    assert {(s["device"], s["ip"], s["current"]) for s in from_laptop} == {
        ("Edge trên Windows", "10.0.0.1", True), ("Chrome trên Android", "10.9.9.9", False)}
    from_phone = phone.get("/api/v1/me/sessions", headers=me).get_json()["items"]
    assert {(s["device"], s["current"]) for s in from_phone} == {("Edge trên Windows", False), ("Chrome trên Android", True)}

    # a caller without the sign-in cookie (a script with a token) sees no session as its own
    bare = create_app(container=seeded).test_client()
    assert not any(s["current"] for s in bare.get("/api/v1/me/sessions", headers=me).get_json()["items"])


def test_a_session_s_last_use_is_its_last_token_refresh(client, clock):
    tok = browser_login_tokens(client, "thhp.ketoan")
    me = {"Authorization": f"Bearer {tok['access_token']}"}
    [before] = client.get("/api/v1/me/sessions", headers=me).get_json()["items"]
    clock.advance(minutes=9)
    again = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
                                              "client_id": "hoso-web"})
    assert again.status_code == 200
    [after] = client.get("/api/v1/me/sessions", headers={"Authorization": f"Bearer {again.get_json()['access_token']}"}).get_json()["items"]
    assert after["id"] == before["id"] and after["last_seen_at"] == clock.now().isoformat() != before["last_seen_at"]


def test_me_names_the_schools_a_person_may_choose(client, seeded, tokens_for):
    teacher = "thcsnh.giaovien"
    assert client.get("/api/v1/me", headers=tokens_for(teacher)).get_json()["school_choices"] == [
        {"id": "thcs-nguyen-hue", "name": "Trường THCS Nguyễn Huệ"}]
    invited = client.post("/api/v1/schools/th-hoa-phong/people", headers=tokens_for("thhp.hieutruong"), json={
        "username": "thhp.moi", "full_name": "Người Mới", "email": "thcsnh.giaovien@nguyenhue.edu.vn",
        "roles": [{"role": "giao_vien", "unit": "to-1"}]}).get_json()
    mine = tokens_for(teacher)
    assert client.post(f"/api/v1/me/invitations/{invited['invitation_id']}/accept", headers=mine).status_code == 200

    me = client.get("/api/v1/me", headers=mine).get_json()
    assert me["school_choices"] == [{"id": "thcs-nguyen-hue", "name": "Trường THCS Nguyễn Huệ"},
                                    {"id": "th-hoa-phong", "name": "Trường Tiểu học Hòa Phong"}]
    assert me["tenant"] == "thcs-nguyen-hue" and me["organisation"] == "Trường THCS Nguyễn Huệ"
    chosen = {"Authorization": "Bearer " + seeded.tokens.person_access_token(GrantUser(teacher, "th-hoa-phong", None), "hoso-web")}
    there = client.get("/api/v1/me", headers=chosen).get_json()
    assert there["tenant"] == "th-hoa-phong" and there["organisation"] == "Trường Tiểu học Hòa Phong"
    assert there["school_choices"] == me["school_choices"]
