"""Account linking across schools (issue 10, defect 1): an account held elsewhere is never linked
silently, the answer names nobody, joining a second school needs the person's (or the district's)
consent, the token's default school does not move, and power over an account needs authority over
every role the person holds."""
from __future__ import annotations

import io

from openpyxl import Workbook

from services.identity.adapters.documents import IdentityMembershipDoc, IdentityPersonDoc
from services.identity.service_layer.tokens import GrantUser

from .conftest import sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DISTRICT_HEAD_EMAIL = "pgd.truongphong@hoavang.edu.vn"
OTHER_TEACHER_EMAIL = "thcsnh.giaovien@nguyenhue.edu.vn"


def _add(client, headers, email: str, username: str = "thhp.moi", role: str = "giao_vien", unit: str | None = "to-1"):
    return client.post("/api/v1/schools/th-hoa-phong/people", headers=headers, json={
        "username": username, "full_name": "Người Mới", "email": email, "roles": [{"role": role, "unit": unit}]})


def _token_claims(seeded, person: str) -> dict:
    token = seeded.tokens.person_access_token(GrantUser(person, None, None), "hoso-web")
    return dict(seeded.runtime.verifier.verify(token).claims)


def test_a_principal_adding_the_district_heads_address_links_nothing_and_learns_nothing(client, tokens_for, seeded):
    principal = tokens_for("thhp.hieutruong")
    resp = _add(client, principal, DISTRICT_HEAD_EMAIL)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["outcome"] == "invited" and body["person"] is None and body["temporary_password"] is None
    assert "pgd.truongphong" not in resp.get_data(as_text=True)
    assert "Nguyễn Thị Thu Hương" not in resp.get_data(as_text=True)
    # same shape whether the address belongs to the district head or to another school's teacher
    other = _add(client, principal, OTHER_TEACHER_EMAIL, username="thhp.moi2").get_json()
    assert set(other) == set(body) and other["outcome"] == "invited" and other["person"] is None
    assert IdentityMembershipDoc.objects(person_id="pgd.truongphong").count() == 0
    assert client.get("/api/v1/schools/th-hoa-phong/people/pgd.truongphong", headers=principal).status_code == 404
    # power over the account: nothing works from this school
    for method, path, json in [
        ("post", "/api/v1/schools/th-hoa-phong/people/pgd.truongphong/password-reset", None),
        ("put", "/api/v1/schools/th-hoa-phong/people/pgd.truongphong/active", {"active": False}),
        ("patch", "/api/v1/schools/th-hoa-phong/people/pgd.truongphong", {"email": "ke-gian@example.com"}),
        ("post", "/api/v1/schools/th-hoa-phong/people/pgd.truongphong/second-factor-reset", None),
    ]:
        refused = getattr(client, method)(path, headers=principal, json=json)
        assert refused.status_code in (403, 404), (path, refused.get_json())
        assert refused.content_type == "application/problem+json"
    head = IdentityPersonDoc.objects(id="pgd.truongphong").first()
    assert head.active and head.email == DISTRICT_HEAD_EMAIL and not head.must_change_password
    assert sign_in(client, "pgd.truongphong").status_code == 303


def test_a_teacher_of_another_school_joins_only_after_confirming_and_keeps_her_default_school(client, tokens_for, seeded):
    teacher = "thcsnh.giaovien"
    resp = _add(client, tokens_for("thhp.hieutruong"), OTHER_TEACHER_EMAIL)
    assert resp.get_json()["outcome"] == "invited"
    assert IdentityMembershipDoc.objects(person_id=teacher, tenant_id="th-hoa-phong").count() == 0
    assert _token_claims(seeded, teacher)["tenant"] == "thcs-nguyen-hue"
    mail = seeded.mailer.sent[-1]
    assert mail["to"] == OTHER_TEACHER_EMAIL and "Trường Tiểu học Hòa Phong" in mail["text"]
    audit = {e["action"] for e in seeded.runtime.audit.entries(tenant="th-hoa-phong", limit=500)}
    assert "invitation.created" in audit

    mine = tokens_for(teacher)
    invitations = client.get("/api/v1/me/invitations", headers=mine).get_json()["items"]
    assert [(i["school_id"], [r["role"] for r in i["roles"]]) for i in invitations] == [("th-hoa-phong", ["giao_vien"])]
    # nobody else can answer it
    assert client.post(f"/api/v1/me/invitations/{invitations[0]['id']}/accept",
                       headers=tokens_for("thhp.hieutruong")).status_code == 404
    accepted = client.post(f"/api/v1/me/invitations/{invitations[0]['id']}/accept", headers=mine)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert client.post(f"/api/v1/me/invitations/{invitations[0]['id']}/accept", headers=mine).status_code == 409
    assert IdentityMembershipDoc.objects(person_id=teacher, tenant_id="th-hoa-phong", active=True).count() == 1
    claims = _token_claims(seeded, teacher)
    assert claims["tenant"] == "thcs-nguyen-hue"  # th-hoa-phong sorts first, yet the default stays hers
    asked = seeded.tokens.person_access_token(GrantUser(teacher, "th-hoa-phong", None), "hoso-web")
    assert seeded.runtime.verifier.verify(asked).tenant == "th-hoa-phong"
    assert "invitation.accepted" in {e["action"] for e in seeded.runtime.audit.entries(tenant="th-hoa-phong", limit=500)}

    # now in two schools: neither school alone holds power over her account; the district does
    for school, admin in (("th-hoa-phong", "thhp.hieutruong"), ("thcs-nguyen-hue", "thcsnh.hieutruong")):
        refused = client.post(f"/api/v1/schools/{school}/people/{teacher}/password-reset", headers=tokens_for(admin))
        assert refused.status_code == 403, refused.get_json()
        assert refused.get_json()["type"].endswith("/outside-account-authority")
        assert client.post(f"/api/v1/schools/{school}/people/{teacher}/second-factor-reset",
                           headers=tokens_for(admin)).status_code == 403
        assert client.patch(f"/api/v1/schools/{school}/people/{teacher}", headers=tokens_for(admin),
                            json={"full_name": "Tên Khác"}).status_code == 403
        assert client.put(f"/api/v1/schools/{school}/people/{teacher}/active", headers=tokens_for(admin),
                          json={"active": False}).status_code == 403
    district = tokens_for("pgd.truongphong")
    reset = client.post(f"/api/v1/schools/th-hoa-phong/people/{teacher}/password-reset", headers=district)
    assert reset.status_code == 200, reset.get_json()
    assert sign_in(client, teacher, reset.get_json()["temporary_password"]).headers["Location"] == "change-password"


def test_declining_grants_nothing_and_the_district_may_approve_in_the_persons_place(client, tokens_for, seeded):
    first = _add(client, tokens_for("thhp.hieutruong"), OTHER_TEACHER_EMAIL).get_json()
    declined = client.post(f"/api/v1/me/invitations/{first['invitation_id']}/decline", headers=tokens_for("thcsnh.giaovien"))
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert IdentityMembershipDoc.objects(person_id="thcsnh.giaovien", tenant_id="th-hoa-phong").count() == 0

    again = _add(client, tokens_for("thhp.hieutruong"), OTHER_TEACHER_EMAIL).get_json()
    path = f"/api/v1/schools/th-hoa-phong/invitations/{again['invitation_id']}/approve"
    assert client.post(path, headers=tokens_for("thhp.hieutruong")).status_code == 403  # the inviter cannot
    assert client.post(path, headers=tokens_for("pgd.truongphong")).status_code == 200
    assert IdentityMembershipDoc.objects(person_id="thcsnh.giaovien", tenant_id="th-hoa-phong", active=True).count() == 1


def test_a_colleague_already_in_the_school_gets_the_roles_at_once(client, tokens_for):
    resp = _add(client, tokens_for("thhp.quantri"), "thhp.giaovien2@hoaphong.edu.vn", role="van_thu", unit="to-van-phong")
    body = resp.get_json()
    assert body["outcome"] == "added" and body["person"]["id"] == "thhp.giaovien2"
    assert ["van_thu", "th-hoa-phong/to-van-phong"] in [[m["role"], m["unit"]] for m in body["person"]["memberships"]]


def test_a_school_keeps_power_over_its_own_people_but_not_over_its_principal(client, tokens_for, seeded):
    admin = tokens_for("thhp.quantri")
    person = "thhp.giaovien2"
    changed = client.patch(f"/api/v1/schools/th-hoa-phong/people/{person}", headers=admin,
                           json={"full_name": "Nguyễn Văn Hai", "phone": "0905 999 888"})
    assert changed.status_code == 200 and changed.get_json()["full_name"] == "Nguyễn Văn Hai"
    assert changed.get_json()["phone"] == "0905999888"
    IdentityPersonDoc.objects(id=person).update_one(set__totp_enabled=True)
    assert client.post(f"/api/v1/schools/th-hoa-phong/people/{person}/second-factor-reset", headers=admin).status_code == 204
    assert IdentityPersonDoc.objects(id=person).first().totp_enabled is False
    assert client.post(f"/api/v1/schools/th-hoa-phong/people/{person}/password-reset", headers=admin).status_code == 200
    assert client.post("/api/v1/schools/th-hoa-phong/people/thhp.hieutruong/password-reset",
                       headers=admin).status_code == 403
    assert "totp.reset_by_admin" in {e["action"] for e in seeded.runtime.audit.entries(tenant="th-hoa-phong", limit=500)}


def _workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Mã định danh", "Chức vụ", "Tổ", "Email", "Số điện thoại"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_staff_import_invites_accounts_held_elsewhere_instead_of_linking_them(client, tokens_for, seeded):
    data = _workbook([[1, "Nguyễn Thị Thu Hương", None, None, "Giáo viên", "to-1", DISTRICT_HEAD_EMAIL, None],
                      [2, "Kiều Thị Minh Nguyệt", None, None, "Giáo viên", "to-1", OTHER_TEACHER_EMAIL, None]])
    resp = client.post("/api/v1/schools/th-hoa-phong/staff-import?apply=true",
                       headers={**tokens_for("thhp.quantri"), "Content-Type": XLSX}, data=data)
    report = resp.get_json()
    assert resp.status_code == 200 and report["applied"], report
    assert report["invitations"] == 2 and report["existing_people"] == 0 and report["created_accounts"] == []
    assert IdentityMembershipDoc.objects(tenant_id="th-hoa-phong",
                                         person_id__in=["pgd.truongphong", "thcsnh.giaovien"]).count() == 0
    assert _token_claims(seeded, "thcsnh.giaovien")["tenant"] == "thcs-nguyen-hue"


def test_foreign_people_and_units_named_in_bodies_are_never_reached(client, tokens_for, seeded):
    """Body-based probes: another school's person or unit placed in a request body of this school."""
    principal = tokens_for("thhp.hieutruong")
    foreign = IdentityPersonDoc.objects(id="mnhc.giaovien").first()
    IdentityPersonDoc.objects(id="mnhc.giaovien").update_one(set__phone="0905123456", set__staff_id="048190000777")
    probes = [
        ("post", "/api/v1/schools/th-hoa-phong/people",
         {"username": "thhp.x1", "full_name": "X", "phone": "0905123456", "roles": [{"role": "giao_vien"}]}),
        ("post", "/api/v1/schools/th-hoa-phong/people",
         {"username": "thhp.x2", "full_name": "X", "email": "x2@hoaphong.edu.vn", "staff_id": "048190000777"}),
        ("post", "/api/v1/schools/th-hoa-phong/delegations",
         {"delegate_id": "mnhc.giaovien", "role": "hieu_truong", "until": "2030-01-01T00:00:00Z"}),
        ("post", "/api/v1/schools/th-hoa-phong/people/thhp.giaovien2/memberships",
         {"role": "giao_vien", "unit": "../mn-hoa-chau/to-mau-giao"}),
    ]
    for method, path, body in probes:
        resp = getattr(client, method)(path, headers=principal, json=body)
        text = resp.get_data(as_text=True)
        assert resp.status_code < 500, (path, text)
        assert "mnhc.giaovien" not in text and foreign.full_name not in text, (path, text)
    assert IdentityMembershipDoc.objects(person_id="mnhc.giaovien", tenant_id="th-hoa-phong").count() == 0
    assert IdentityMembershipDoc.objects(person_id="thhp.giaovien2", unit_id__contains="mn-hoa-chau").count() == 0


def test_the_invitation_page_lets_the_person_accept_in_the_browser(client, tokens_for, seeded):
    from .conftest import csrf_of
    _add(client, tokens_for("thhp.hieutruong"), OTHER_TEACHER_EMAIL)
    assert client.get("/auth/invitations").status_code == 303  # signed out: to the sign-in page
    assert sign_in(client, "thcsnh.giaovien").status_code == 303
    page = client.get("/auth/invitations").get_data(as_text=True)
    assert "Trường Tiểu học Hòa Phong" in page and "Giáo viên" in page
    invitation = client.get("/api/v1/me/invitations", headers=tokens_for("thcsnh.giaovien")).get_json()["items"][0]
    done = client.post(f"/auth/invitations/{invitation['id']}",
                       data={"csrf": csrf_of(client, "/auth/invitations"), "action": "accept"})
    assert done.status_code == 303 and done.headers["Location"].endswith("invitations?done=accepted")
    assert "Bạn đã nhận lời mời" in client.get("/auth/invitations?done=accepted").get_data(as_text=True)
    assert IdentityMembershipDoc.objects(person_id="thcsnh.giaovien", tenant_id="th-hoa-phong", active=True).count() == 1
