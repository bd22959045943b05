"""A school of several levels says which level each tổ and class serves; documents and approvals read it."""
from __future__ import annotations

import pytest

from services.identity.domain.errors import IdentityError
from services.identity.domain.org import District, School
from services.identity.service_layer.admin import onboarded_data

DISTRICT = District("pgd-lien-chieu", "Phòng GD&ĐT Liên Chiểu", "so-da-nang")


def test_the_onboarded_event_carries_each_units_level():
    school = School.create(slug="lc-quang-trung", name="Trường liên cấp Quang Trung", levels=["tieu_hoc", "thcs"],
                           district=DISTRICT, units=[("to-th", "Tổ tiểu học", "to_chuyen_mon", "tieu_hoc"),
                                                     ("lop-8a", "Lớp 8A", "lop", "thcs"),
                                                     ("to-van-phong", "Tổ văn phòng", "to_van_phong")])
    units = {u["slug"]: u for u in onboarded_data(school, "lcqt.hieutruong")["units"]}
    assert units["to-th"]["level"] == "tieu_hoc" and units["lop-8a"]["level"] == "thcs"
    assert "level" not in units["to-van-phong"]  # serves every level of the school


def test_a_unit_cannot_serve_a_level_the_school_does_not_teach():
    with pytest.raises(IdentityError) as refused:
        School.create(slug="th-hoa-sen", name="Trường Tiểu học Hoa Sen", levels=["tieu_hoc"], district=DISTRICT,
                      units=[("to-khtn", "Tổ KHTN", "to_chuyen_mon", "thcs")])
    assert refused.value.field == "level"
