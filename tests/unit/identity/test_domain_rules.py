"""Rules of the identity domain: organisation tree, people, memberships, delegation, lockout, passwords, claims."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone

import pytest

from services.identity.domain.claims import access_claims, service_claims, standing
from services.identity.domain.delegation import grant_delegation
from services.identity.domain.errors import InvalidValue, RuleViolation
from services.identity.domain.org import District, School
from services.identity.domain.passwords import check_new_password
from services.identity.domain.people import Membership, PersonProfile, normalise_phone
from services.identity.domain.throttle import (
    Counter, LockoutPolicy, account_key, after_failure, lock_message, locked_until,
)

NOW = datetime(2026, 9, 7, 8, 0, tzinfo=timezone.utc)
DISTRICT = District.create("pgd-hoa-vang", "Phòng Giáo dục và Đào tạo huyện Hòa Vang", "so-da-nang")


def _m(person: str, role: str, unit: str | None = None, school: str = "th-a") -> Membership:
    return Membership.create(person_id=person, role=role, school_id=school, unit_id=unit,
                             district_id="pgd-hoa-vang", province_id="so-da-nang")


def test_school_ids_are_slugs_and_unit_ids_carry_the_school():
    school = School.create(slug="th-hoa-phong", name="Trường Tiểu học  Hòa Phong", levels=["tieu_hoc"],
                           district=DISTRICT, units=[("to-4", "Tổ chuyên môn khối 4", "to_chuyen_mon")])
    assert school.id == "th-hoa-phong"
    assert school.name == "Trường Tiểu học Hòa Phong"
    assert school.units[0].id == "th-hoa-phong/to-4"
    assert school.province_id == "so-da-nang"


@pytest.mark.parametrize("slug", ["Trường", "th_a", "-a", "a--b", ""])
def test_school_slug_must_be_ascii_kebab(slug):
    with pytest.raises(InvalidValue):
        School.create(slug=slug, name="Trường", levels=["thcs"], district=DISTRICT)


def test_unknown_level_and_duplicate_unit_are_refused_in_vietnamese():
    with pytest.raises(InvalidValue, match="Cấp học"):
        School.create(slug="a", name="A", levels=["dai_hoc"], district=DISTRICT)
    with pytest.raises(InvalidValue, match="trùng"):
        School.create(slug="a", name="A", levels=["thcs"], district=DISTRICT,
                      units=[("to-1", "Tổ 1", "to_chuyen_mon"), ("to-1", "Tổ 1", "to_chuyen_mon")])


def test_person_profile_normalises_name_to_nfc_and_contacts():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Lệ Thủy")
    person = PersonProfile.create(username="GV.Thuy", full_name=f"  {decomposed} ", email=" Thuy@X.EDU.VN ",
                                  phone="+84 905 123 456")
    assert person.full_name == "Nguyễn Thị Lệ Thủy" and unicodedata.is_normalized("NFC", person.full_name)
    assert person.username == "gv.thuy"
    assert person.email == "thuy@x.edu.vn"
    assert person.phone == "0905123456"


def test_person_needs_a_way_to_be_reached():
    with pytest.raises(InvalidValue, match="thư điện tử hoặc số điện thoại"):
        PersonProfile.create(username="abc", full_name="Lê Văn A")


def test_phone_from_a_spreadsheet_number_regains_its_leading_zero():
    assert normalise_phone(905123456) == "0905123456"
    with pytest.raises(InvalidValue):
        normalise_phone("12345")


def test_membership_places():
    assert _m("a", "giao_vien", "th-a/lop-4a").unit_id == "th-a/lop-4a"
    with pytest.raises(RuleViolation, match="tổ"):
        _m("a", "to_truong")
    with pytest.raises(RuleViolation, match="không thuộc trường"):
        _m("a", "giao_vien", "th-b/to-1")
    with pytest.raises(RuleViolation):
        Membership.create(person_id="a", role="chuyen_vien", school_id="th-a", district_id="d", province_id="p")
    with pytest.raises(InvalidValue):
        _m("a", "sieu_nhan")


def _delegate(role="to_truong", unit="th-a/to-4", delegate_roles=None, **kw):
    delegator = [_m("tt", "to_truong", "th-a/to-4"), _m("ht", "hieu_truong")]
    delegate = delegate_roles if delegate_roles is not None else [_m("tp", "to_pho", "th-a/to-4"), _m("pht", "pho_hieu_truong")]
    args = dict(id="d1", delegator_id="tt", delegator_memberships=delegator, delegate_id="tp",
                delegate_memberships=delegate, role=role, school_id="th-a", district_id="pgd-hoa-vang",
                province_id="so-da-nang", unit_id=unit, book_types=["ke_hoach_bai_day"],
                starts_at=NOW, until=NOW + timedelta(days=7), now=NOW)
    args.update(kw)
    return grant_delegation(**args)


def test_to_truong_delegates_to_the_to_pho_of_the_same_to_for_a_window():
    d = _delegate()
    assert d.is_active(NOW) and not d.is_active(NOW + timedelta(days=7))
    assert d.act_claim() == {"on_behalf_of": "tt", "role": "to_truong", "unit": "th-a/to-4",
                             "book_types": ["ke_hoach_bai_day"], "until": int((NOW + timedelta(days=7)).timestamp())}
    assert not d.revoke(NOW + timedelta(hours=1)).is_active(NOW + timedelta(hours=2))


def test_delegation_rules_refuse_wrong_pairs_and_windows():
    with pytest.raises(RuleViolation, match="tổ phó của cùng tổ"):
        _delegate(delegate_roles=[_m("tp", "to_pho", "th-a/to-1")])
    with pytest.raises(RuleViolation, match="không giữ vai trò"):
        _delegate(unit="th-a/to-1")
    with pytest.raises(InvalidValue):
        _delegate(role="giao_vien")
    with pytest.raises(InvalidValue, match="tối đa một năm"):
        _delegate(until=NOW + timedelta(days=400))
    with pytest.raises(InvalidValue):
        _delegate(until=NOW - timedelta(days=1), starts_at=NOW - timedelta(days=2))
    with pytest.raises(RuleViolation, match="tự ủy quyền"):
        _delegate(delegate_id="tt")


def test_principal_delegates_to_a_pht():
    d = _delegate(role="hieu_truong", unit=None, delegator_id="ht", delegate_id="pht")
    assert d.unit_id is None and d.role == "hieu_truong"


def test_account_delays_grow_after_five_failures_and_are_forgotten_a_day_later():
    rule = LockoutPolicy().account
    counter = None
    for i in range(4):
        counter = rule.next(counter, NOW + timedelta(seconds=i))
        assert locked_until(counter, NOW + timedelta(seconds=i)) is None
    waits = []
    for i in range(4, 12):
        counter = rule.next(counter, NOW + timedelta(seconds=i))
        waits.append(counter.locked_until - (NOW + timedelta(seconds=i)))
    assert waits[:4] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(waits) == timedelta(minutes=15), "never a lock longer than the cap"
    until = counter.locked_until
    assert locked_until(counter, until) is None
    assert "15 phút" in lock_message(until, until - timedelta(minutes=15))
    assert "30 giây" in lock_message(until, until - timedelta(seconds=30))
    assert rule.next(counter, until + timedelta(days=1)).failures == 1


def test_reset_mail_rule_still_blocks_at_its_limit():
    rule = LockoutPolicy().reset_mail
    counter = None
    for i in range(3):
        counter = after_failure(counter, rule, NOW + timedelta(seconds=i))
    assert locked_until(counter, NOW + timedelta(seconds=3)) == NOW + timedelta(seconds=2) + rule.lock_for
    stale = Counter(2, NOW - timedelta(hours=2), None)
    assert after_failure(stale, rule, NOW).failures == 1


def test_account_key_ignores_case_and_spaces_and_never_holds_the_login():
    assert account_key(" Thhp.GiaoVien ") == account_key("thhp.giaovien")
    assert "giaovien" not in account_key("thhp.giaovien")


def test_password_rules():
    assert check_new_password("Mùa thu 2026!", username="gv") == "Mùa thu 2026!"
    for bad, why in [("a1", "ít nhất"), ("abcdefghij", "chữ số"), ("12345678", "chữ cái"),
                     ("gv.thuy123", "dễ đoán")]:
        with pytest.raises(InvalidValue, match=why):
            check_new_password(bad, username="gv.thuy")


def test_claims_speak_for_one_school_with_unit_roles_and_active_delegations():
    memberships = [_m("tp", "to_pho", "th-a/to-4"), _m("tp", "giao_vien", "th-a/lop-4a"),
                   _m("tp", "giao_vien", school="th-b", unit=None)]
    s = standing(memberships)
    assert s.tenant == "th-a" and s.district == "pgd-hoa-vang"
    assert s.roles == ("giao_vien", "to_pho")
    assert s.unit_roles == (("giao_vien", "th-a/lop-4a"), ("to_pho", "th-a/to-4"))
    assert standing(memberships, "th-b").roles == ("giao_vien",)
    expired = _delegate(id="d0", starts_at=NOW - timedelta(days=3), until=NOW + timedelta(days=1), now=NOW - timedelta(days=3))
    claims = access_claims(subject="tp", name="Huỳnh Minh Tuấn", standing=s, delegations=[_delegate(), expired],
                           client_id="hoso-web", issuer="http://x/api/identity", audience="hoso",
                           now=NOW + timedelta(days=2), lifetime_seconds=600, jti="j")
    assert [a["on_behalf_of"] for a in claims["act"]] == ["tt"]
    assert claims["exp"] - claims["iat"] == 600 and claims["aud"] == "hoso"


def test_district_staff_have_no_tenant():
    m = Membership.create(person_id="cv", role="chuyen_vien", district_id="pgd-hoa-vang", province_id="so-da-nang")
    s = standing([m])
    assert (s.tenant, s.district, s.province, s.roles) == (None, "pgd-hoa-vang", "so-da-nang", ("chuyen_vien",))


def test_service_token_claims_carry_the_service_role():
    c = service_claims(client_id="documents", issuer="i", audience="hoso", now=NOW, lifetime_seconds=600, jti="j")
    assert c["roles"] == ["service"] and c["sub"] == "service:documents"
