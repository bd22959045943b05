"""A province's dashboard names each oversight unit as people call it (a Phòng GD&ĐT, a UBND xã or
phường), from identity's events as approvals' identity consumer receives them; a unit with nothing
counted yet is listed with zeros, and one approvals has not heard of keeps its id."""
from __future__ import annotations

from test_dashboards import DISTRICT, PROVINCE, so_token, view  # type: ignore[import-not-found]

from services.approvals.events import RECOMPUTED
from services.identity.events import DISTRICT_ONBOARDED, SCHOOL_ONBOARDED
from services.kernel.testing import example_event


def _owed(api, school: str, district: str, owed: int) -> None:
    api.container.progress_consumer.handle(example_event(
        RECOMPUTED, tenant=school, district=district, school=school, deltas=[
            {"unit": f"{school}/to-1", "owner": f"{school}.giaovien", "book": "ke_hoach_bai_day", "period": "2025-10",
             "year": "2025-2026", "owed": owed}]))


def test_the_province_view_names_its_units_and_lists_those_without_counts(api) -> None:
    identity = api.container.identity_consumer
    assert identity.handle(example_event(DISTRICT_ONBOARDED, tenant=None, district="ubnd-xa-hoa-tien",
                                         district_id="ubnd-xa-hoa-tien", province_id=PROVINCE, kind="ubnd_xa",
                                         name="UBND xã Hòa Tiến"))
    assert identity.handle(example_event(DISTRICT_ONBOARDED, tenant=None, district="ubnd-xa-khac",
                                         district_id="ubnd-xa-khac", province_id="so-quang-nam", kind="ubnd_xa",
                                         name="UBND xã Duy Xuyên"))
    # the seeded district has no onboarding event: its first school's event names it
    assert identity.handle(example_event(SCHOOL_ONBOARDED, tenant="th-hoa-khanh", district=DISTRICT,
                                         school_id="th-hoa-khanh", slug="th-hoa-khanh", name="Trường Tiểu học Hòa Khánh",
                                         district_id=DISTRICT, province_id=PROVINCE, district_kind="phong_gddt",
                                         district_name="Phòng GD&ĐT huyện Hòa Vang"))
    _owed(api, "th-hoa-phong", DISTRICT, 4)

    province = view(api, f"province/{PROVINCE}?period=2025-10", token=so_token(api))
    rows = {r["id"]: r for r in province["rows"]}
    assert set(rows) == {DISTRICT, "ubnd-xa-hoa-tien"}, "another province's unit is not listed"
    assert (rows[DISTRICT]["name"], rows[DISTRICT]["unit_kind"], rows[DISTRICT]["owed"]) == (
        "Phòng GD&ĐT huyện Hòa Vang", "phong_gddt", 4)
    assert (rows["ubnd-xa-hoa-tien"]["name"], rows["ubnd-xa-hoa-tien"]["owed"]) == ("UBND xã Hòa Tiến", 0)
    assert view(api, f"unit/{DISTRICT}")["name"] == "Phòng GD&ĐT huyện Hòa Vang"


def test_a_unit_not_heard_of_keeps_its_id(api) -> None:
    _owed(api, "th-hoa-phong", DISTRICT, 2)
    province = view(api, f"province/{PROVINCE}?period=2025-10", token=so_token(api))
    assert [(r["id"], r["name"], r["unit_kind"]) for r in province["rows"]] == [(DISTRICT, DISTRICT, None)]
