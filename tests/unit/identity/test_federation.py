"""Federated sign-in through identity's real pages and API, with a fake outside provider at the
HTTP boundary (``outside_provider.py``): configuration rights and discovery checks, the first
sign-in confirmed by password or by mailed link, later sign-ins straight through, refusals
(unverified e-mail, nobody of that school, a forged token, another browser), roles unchanged,
a second factor still asked, interleaved confirmations, a person's own links."""
from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc.jwk import RSAKey

from services.identity.adapters.documents import IdentityFederatedIdentityDoc, IdentityPersonDoc
from services.identity.adapters.mail import MemoryMailer
from services.identity.adapters.passwords import PasswordHasher
from services.identity.bootstrap import bootstrap
from services.identity.service_layer.tokens import GrantUser
from services.kernel.messaging import InMemoryPublisher

from .conftest import DEMO_PASSWORD, PUBLIC, REDIRECT, authorize_query, csrf_of, follow, fresh_db_name, pkce_pair
from .outside_provider import CLIENT_ID, CLIENT_SECRET, ISSUER, FakeOutsideProvider

TEACHER = {"sub": "g-1001", "email": "thhp.giaovien@hoaphong.edu.vn", "email_verified": True, "name": "Lệ Thủy"}
CONFIG = {"display_name": "Đăng nhập bằng Google Workspace của trường", "issuer": ISSUER, "client_id": CLIENT_ID,
          "client_secret": CLIENT_SECRET, "email_domains": ["hoaphong.edu.vn"]}


@pytest.fixture
def outside(clock):
    return FakeOutsideProvider(clock)


@pytest.fixture
def container(clock, outside):
    c = bootstrap(
        {"mode": "test", "public_url": PUBLIC, "demo_mode": False, "db_name": fresh_db_name()},
        environ={"MONGO_URI": os.environ["MONGO_URI"]} if os.environ.get("MONGO_URI") else {},
        clock=clock, publisher=InMemoryPublisher(), mailer=MemoryMailer(),
        hasher=PasswordHasher(time_cost=1, memory_cost_kib=8 * 1024), outside_http=outside,
    )
    yield c
    c.runtime.db.client.drop_database(c.runtime.db.name)


@pytest.fixture
def configured(client, tokens_for):
    resp = client.put("/api/v1/schools/th-hoa-phong/federation", json=CONFIG, headers=tokens_for("thhp.hieutruong"))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def federated(client, outside, account, *, query: str = "thhp.giaovien@hoaphong.edu.vn", next_path: str = ""):
    """Choose the school's provider on "Đăng nhập bằng tài khoản khác", sign in there, come back."""
    page = client.get("/auth/federated", query_string={"q": query, **({"next": next_path} if next_path else {})})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Đăng nhập bằng Google Workspace của trường" in html and "Trường Tiểu học Hòa Phong" in html
    start = re.search(r'href="(federated-start\?[^"]+)"', html).group(1).replace("&amp;", "&")
    resp = client.get("/auth/" + start)
    assert resp.status_code == 303
    back = outside.authorize(resp.headers["Location"], account)
    return client.get("/auth/federated-callback?" + back)


def confirm_with_password(client, password: str = DEMO_PASSWORD):
    token = csrf_of(client, "/auth/federated-confirm")
    return client.post("/auth/federated-confirm", data={"csrf": token, "password": password})


def actions(container, action: str) -> list[dict]:
    return container.runtime.audit.entries(match={"action": action}, limit=50)


def test_configuration_checks_discovery_keeps_the_secret_sealed_and_only_the_school_admins_may(
        client, tokens_for, seeded, outside):
    principal = tokens_for("thhp.hieutruong")
    before = client.get("/api/v1/schools/th-hoa-phong/federation", headers=principal).get_json()
    assert before == {"federation": None, "redirect_uri": "http://hoso.test/api/identity/auth/federated-callback"}

    outside.reachable = False
    down = client.put("/api/v1/schools/th-hoa-phong/federation", json=CONFIG, headers=principal)
    assert down.status_code == 422 and down.get_json()["code"] == "federation-discovery-failed"
    assert "Không đọc được cấu hình OpenID Connect" in down.get_json()["detail"]
    outside.reachable = True
    outside.discovery_overrides = {"issuer": "https://khac.test"}
    wrong = client.put("/api/v1/schools/th-hoa-phong/federation", json=CONFIG, headers=principal)
    assert wrong.status_code == 422 and "khác với địa chỉ đã nhập" in wrong.get_json()["detail"]
    outside.discovery_overrides = {}
    plain = client.put("/api/v1/schools/th-hoa-phong/federation", json={**CONFIG, "issuer": "http://sso.giaoduc.test"},
                       headers=principal)
    assert plain.status_code == 422 and plain.get_json()["field"] == "issuer"

    saved = client.put("/api/v1/schools/th-hoa-phong/federation", json=CONFIG, headers=principal)
    assert saved.status_code == 200
    body = saved.get_json()
    assert body["federation"]["display_name"] == "Đăng nhập bằng Google Workspace của trường"
    assert CLIENT_SECRET not in saved.get_data(as_text=True)
    read = client.get("/api/v1/schools/th-hoa-phong/federation", headers=tokens_for("thhp.quantri"))
    assert read.status_code == 200 and CLIENT_SECRET not in read.get_data(as_text=True)
    entries = actions(seeded, "federation.configured")
    assert entries and entries[0]["tenant"] == "th-hoa-phong" and CLIENT_SECRET not in repr(entries)

    # a change without a secret keeps the stored one
    kept = client.put("/api/v1/schools/th-hoa-phong/federation", json={**CONFIG, "client_secret": None,
                                                                      "display_name": "Google của trường"},
                      headers=principal)
    assert kept.status_code == 200 and kept.get_json()["federation"]["display_name"] == "Google của trường"

    teacher = client.put("/api/v1/schools/th-hoa-phong/federation", json=CONFIG, headers=tokens_for("thhp.giaovien"))
    assert teacher.status_code == 403
    other = tokens_for("mnhc.hieutruong")
    for method in ("get", "put", "delete"):
        resp = getattr(client, method)("/api/v1/schools/th-hoa-phong/federation", json=CONFIG, headers=other)
        assert resp.status_code == 404, (method, resp.get_data(as_text=True))
    # another school's id in the body is refused: the organisation is the one in the path only
    smuggled = client.put("/api/v1/schools/mn-hoa-chau/federation", json={**CONFIG, "school_id": "th-hoa-phong"},
                          headers=tokens_for("mnhc.hieutruong"))
    assert smuggled.status_code == 422
    assert client.get("/api/v1/schools/mn-hoa-chau/federation",
                      headers=tokens_for("mnhc.hieutruong")).get_json()["federation"] is None

    assert client.delete("/api/v1/schools/th-hoa-phong/federation", headers=principal).status_code == 204
    assert actions(seeded, "federation.removed")[0]["data"]["issuer"] == ISSUER
    assert client.delete("/api/v1/schools/th-hoa-phong/federation", headers=principal).status_code == 404


def test_oversight_unit_configuration_is_the_truong_phongs(client, tokens_for):
    head = client.put("/api/v1/districts/pgd-hoa-vang/federation", json={**CONFIG, "email_domains": []},
                      headers=tokens_for("pgd.truongphong"))
    assert head.status_code == 200 and head.get_json()["federation"]["org_name"] == "Phòng Giáo dục và Đào tạo huyện Hòa Vang"
    assert client.put("/api/v1/districts/pgd-hoa-vang/federation", json=CONFIG,
                      headers=tokens_for("pgd.chuyenvien")).status_code == 403
    assert client.get("/api/v1/districts/pgd-hoa-vang/federation",
                      headers=tokens_for("thhp.hieutruong")).status_code == 404
    assert client.get("/api/v1/districts/pgd-khac/federation",
                      headers=tokens_for("pgd.truongphong")).status_code == 404


def test_first_sign_in_links_after_the_password_then_signs_in_directly_with_the_same_roles(
        client, configured, outside, seeded):
    verifier, challenge = pkce_pair()
    start = "/oauth/authorize?" + authorize_query(challenge, nonce="n-fed")
    next_path = parse_qs(urlsplit(follow(client.get(start), start)).query)["next"][0]
    sign_in_page = client.get("/auth/sign-in", query_string={"next": next_path}).get_data(as_text=True)
    assert "Đăng nhập bằng tài khoản khác" in sign_in_page

    resp = federated(client, outside, TEACHER, next_path=next_path)
    assert resp.status_code == 303 and resp.headers["Location"] == "federated-confirm"
    page = client.get("/auth/federated-confirm").get_data(as_text=True)
    assert "Xác nhận liên kết tài khoản" in page and "Nguyễn Thị Lệ Thủy" in page and "thhp.giaovien" not in page

    wrong = confirm_with_password(client, "sai-mat-khau")
    assert wrong.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.get_data(as_text=True)
    assert IdentityFederatedIdentityDoc.objects.count() == 0

    done = confirm_with_password(client)
    assert done.status_code == 303
    back = follow(done, "/auth/federated-confirm")
    assert back.startswith("/oauth/authorize?")
    code = parse_qs(urlsplit(client.get(back).headers["Location"]).query)["code"][0]
    tokens = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                               "client_id": "hoso-web", "code_verifier": verifier}).get_json()
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + tokens["access_token"]}).get_json()
    assert me["id"] == "thhp.giaovien" and sorted(me["roles"]) == ["giao_vien"]
    linked = actions(seeded, "federation.linked")
    assert len(linked) == 1 and linked[0]["data"]["confirmed_by"] == "password"

    # later: straight through, no confirmation, in a fresh browser
    fresh = client.application.test_client()
    again = federated(fresh, outside, {**TEACHER, "name": "Thủy"})
    assert again.status_code == 303 and again.headers["Location"] == "signed-in"
    assert IdentityFederatedIdentityDoc.objects.count() == 1
    assert actions(seeded, "federation.signed_in")


def test_unverified_email_or_nobody_of_that_school_is_refused_and_nothing_is_linked(client, configured, outside, seeded):
    resp = federated(client, outside, {**TEACHER, "email_verified": False})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert "chưa xác minh địa chỉ thư điện tử thhp.giaovien@hoaphong.edu.vn" in html
    assert "Không có tài khoản nào được liên kết." in html
    # the person of another school with a verified address of this school's domain: nobody here
    stranger = federated(client, outside, {"sub": "g-2", "email": "ai.do@hoaphong.edu.vn", "email_verified": True})
    assert stranger.status_code == 403
    assert "Không có người nào của Trường Tiểu học Hòa Phong" in stranger.get_data(as_text=True)
    other_domain = federated(client, outside, {"sub": "g-3", "email": "mnhc.giaovien@hoachau.edu.vn",
                                               "email_verified": True})
    assert "không thuộc các tên miền" in other_domain.get_data(as_text=True)
    assert IdentityFederatedIdentityDoc.objects.count() == 0
    reasons = [e["data"]["reason"] for e in actions(seeded, "federation.link_refused")]
    assert sorted(reasons) == ["domain", "no_person", "unverified"]


def test_another_schools_teacher_is_not_linked_through_this_school(client, tokens_for, outside, seeded):
    resp = client.put("/api/v1/schools/th-hoa-phong/federation", json={**CONFIG, "email_domains": []},
                      headers=tokens_for("thhp.hieutruong"))
    assert resp.status_code == 200
    other = federated(client, outside, {"sub": "g-9", "email": "mnhc.giaovien@hoachau.edu.vn", "email_verified": True},
                      query="hoa pho")
    assert other.status_code == 403 and IdentityFederatedIdentityDoc.objects.count() == 0


def test_a_forged_or_replayed_answer_is_refused(client, configured, outside):
    outside.signing_key = RSAKey.generate_key(2048, parameters={"kid": "outside-1"})
    forged = federated(client, outside, TEACHER)
    assert forged.status_code == 502 and "Không xác thực được tài khoản" in forged.get_data(as_text=True)
    outside.signing_key = outside.key
    outside.id_token_overrides = {"aud": "another-client"}
    assert federated(client, outside, TEACHER).status_code == 502
    outside.id_token_overrides = {"nonce": "someone-elses"}
    assert federated(client, outside, TEACHER).status_code == 502
    outside.id_token_overrides = {}
    # a callback the browser did not start (no cookie): refused before the provider is asked
    stranger = client.application.test_client()
    page = client.get("/auth/federated", query_string={"q": "Hòa Phong"}).get_data(as_text=True)
    start = re.search(r'href="(federated-start\?[^"]+)"', page).group(1).replace("&amp;", "&")
    back = outside.authorize(client.get("/auth/" + start).headers["Location"], TEACHER)
    refused = stranger.get("/auth/federated-callback?" + back)
    assert refused.status_code == 400 and "không bắt đầu từ trình duyệt này" in refused.get_data(as_text=True)
    assert client.get("/auth/federated-callback?" + back).status_code == 303  # the right browser, once
    assert client.get("/auth/federated-callback?" + back).status_code == 400  # and never twice
    assert IdentityFederatedIdentityDoc.objects.count() == 0


def test_a_principal_still_does_the_second_factor(client, configured, outside):
    resp = federated(client, outside, {"sub": "g-7", "email": "thhp.hieutruong@hoaphong.edu.vn", "email_verified": True})
    assert resp.headers["Location"] == "federated-confirm"
    done = confirm_with_password(client)
    assert done.status_code == 303 and done.headers["Location"].startswith(("passkey", "enrol"))
    fresh = client.application.test_client()
    later = federated(fresh, outside, {"sub": "g-7", "email": "thhp.hieutruong@hoaphong.edu.vn", "email_verified": True})
    assert later.status_code == 303 and later.headers["Location"].startswith(("passkey", "enrol"))


def test_a_person_without_a_password_confirms_by_the_mailed_link_in_the_same_browser(client, configured, outside, seeded):
    IdentityPersonDoc.objects(id="thhp.giaovien2").update_one(unset__password_hash=True)
    account = {"sub": "g-5", "email": "thhp.giaovien2@hoaphong.edu.vn", "email_verified": True}
    assert federated(client, outside, account).headers["Location"] == "federated-confirm"
    page = client.get("/auth/federated-confirm").get_data(as_text=True)
    assert "chưa có mật khẩu" in page and "Trương Quốc Bảo" in page
    sent = client.post("/auth/federated-confirm", data={"csrf": csrf_of(client, "/auth/federated-confirm"),
                                                        "action": "mail"})
    assert "Đã gửi thư xác nhận đến th•••@hoaphong.edu.vn" in sent.get_data(as_text=True)
    mail = seeded.mailer.sent[-1]
    assert mail["to"] == "thhp.giaovien2@hoaphong.edu.vn" and mail["subject"] == "HoSo: xác nhận liên kết tài khoản"
    link = re.search(r"(http://\S+federated-confirm\?mail=\S+)", mail["text"]).group(1)
    path = link.replace("http://hoso.test/api/identity", "")
    elsewhere = client.application.test_client().get(path)
    assert elsewhere.status_code == 410 and IdentityFederatedIdentityDoc.objects.count() == 0
    done = client.get(path)
    assert done.status_code == 303 and done.headers["Location"] == "signed-in"
    assert IdentityFederatedIdentityDoc.objects(person_id="thhp.giaovien2").count() == 1
    assert client.get(path).status_code == 410  # single use


def test_two_interleaved_confirmations_make_one_link(client, configured, outside):
    assert federated(client, outside, TEACHER).headers["Location"] == "federated-confirm"
    token = csrf_of(client, "/auth/federated-confirm")
    link_cookie = client.get_cookie("hoso_fed_link").value
    twin = client.application.test_client()
    twin.set_cookie("hoso_fed_link", link_cookie)
    twin.set_cookie("hoso_csrf", token)
    first = client.post("/auth/federated-confirm", data={"csrf": token, "password": DEMO_PASSWORD})
    second = twin.post("/auth/federated-confirm", data={"csrf": token, "password": DEMO_PASSWORD})
    assert first.status_code == 303 and second.status_code == 400
    assert IdentityFederatedIdentityDoc.objects.count() == 1


def test_a_person_sees_and_removes_their_own_links_only(client, configured, outside, tokens_for, seeded):
    federated(client, outside, TEACHER)
    confirm_with_password(client)
    mine = client.get("/api/v1/me/federated-identities", headers=tokens_for("thhp.giaovien")).get_json()["items"]
    assert [(i["provider_name"], i["email"]) for i in mine] == [
        ("Đăng nhập bằng Google Workspace của trường", "thhp.giaovien@hoaphong.edu.vn")]
    page = client.get("/auth/federated-links").get_data(as_text=True)
    assert "Tài khoản liên kết" in page and "Gỡ liên kết" in page
    other = tokens_for("thhp.giaovien2")
    assert client.delete(f"/api/v1/me/federated-identities/{mine[0]['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/me/federated-identities/{mine[0]['id']}",
                         headers=tokens_for("thhp.giaovien")).status_code == 204
    assert actions(seeded, "federation.unlinked")
    assert federated(client.application.test_client(), outside, TEACHER).headers["Location"] == "federated-confirm"


def test_the_providers_claims_never_grant_roles(client, configured, outside, seeded):
    """The provider's claims (a name, even a roles claim) change nothing in HoSo."""
    federated(client, outside, {**TEACHER, "roles": ["hieu_truong"], "name": "Hiệu trưởng giả"})
    confirm_with_password(client)
    token = seeded.tokens.person_access_token(GrantUser("thhp.giaovien", None, None), "hoso-web")
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + token}).get_json()
    assert me["roles"] == ["giao_vien"] and me["full_name"] == "Nguyễn Thị Lệ Thủy"


def test_a_link_signs_nobody_in_once_the_person_left_the_school(client, configured, outside, seeded, tokens_for):
    federated(client, outside, TEACHER)
    confirm_with_password(client)
    principal = tokens_for("thhp.hieutruong")
    person = client.get("/api/v1/schools/th-hoa-phong/people/thhp.giaovien", headers=principal).get_json()
    for m in person["memberships"]:
        assert client.delete(f"/api/v1/schools/th-hoa-phong/memberships/{m['id']}", headers=principal).status_code == 204
    after = federated(client.application.test_client(), outside, TEACHER)
    assert after.status_code == 403
    assert "không còn vai trò nào ở Trường Tiểu học Hòa Phong" in after.get_data(as_text=True)
    assert [e["data"]["reason"] for e in actions(seeded, "federation.link_refused")] == ["left_organisation"]
