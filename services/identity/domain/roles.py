"""Role slugs of HoSo, where each role lives in the organisation tree, and which roles need
a second factor or may administer a school.

The slugs are the ones of ``shared/DOMAIN.md``; the Vietnamese names are what the pages show.
"""
from __future__ import annotations

from enum import Enum


class RoleLevel(str, Enum):
    """Where a role is held: in one school (optionally one unit), in a district or in a province."""

    SCHOOL = "school"
    DISTRICT = "district"
    PROVINCE = "province"


ROLE_NAMES: dict[str, str] = {
    "truong_phong": "Trưởng phòng GD&ĐT",
    "chuyen_vien": "Chuyên viên phòng GD&ĐT",
    "chuyen_vien_so": "Chuyên viên Sở GD&ĐT",
    "hieu_truong": "Hiệu trưởng",
    "pho_hieu_truong": "Phó hiệu trưởng",
    "to_truong": "Tổ trưởng",
    "to_pho": "Tổ phó",
    "giao_vien": "Giáo viên",
    "tong_phu_trach": "Tổng phụ trách Đội",
    "van_thu": "Văn thư",
    "ke_toan": "Kế toán",
    "quan_tri": "Quản trị hệ thống",
}

ROLE_LEVELS: dict[str, RoleLevel] = {
    "truong_phong": RoleLevel.DISTRICT,
    "chuyen_vien": RoleLevel.DISTRICT,
    "chuyen_vien_so": RoleLevel.PROVINCE,
    **{
        slug: RoleLevel.SCHOOL
        for slug in (
            "hieu_truong", "pho_hieu_truong", "to_truong", "to_pho", "giao_vien",
            "tong_phu_trach", "van_thu", "ke_toan", "quan_tri",
        )
    },
}

#: Roles that are always held in one unit (a tổ or a class), never school-wide.
UNIT_ROLES: frozenset[str] = frozenset({"to_truong", "to_pho"})

#: Roles whose holders must sign in with a TOTP second factor.
SECOND_FACTOR_ROLES: frozenset[str] = frozenset(
    {"hieu_truong", "pho_hieu_truong", "quan_tri", "truong_phong", "chuyen_vien", "chuyen_vien_so"}
)
#: roles offered a passkey first (TOTP as the fallback): the school's leaders and oversight staff
PASSKEY_FIRST_ROLES: frozenset[str] = frozenset(
    {"hieu_truong", "pho_hieu_truong", "truong_phong", "chuyen_vien", "chuyen_vien_so"}
)

#: School roles that administer their own school's accounts and roles (delegated administration).
SCHOOL_ADMIN_ROLES: frozenset[str] = frozenset({"hieu_truong", "quan_tri"})

#: District roles that read every school of their district; province roles every school of the province.
DISTRICT_READ_ROLES: frozenset[str] = frozenset({"truong_phong", "chuyen_vien"})
PROVINCE_READ_ROLES: frozenset[str] = frozenset({"chuyen_vien_so"})

#: District roles that may onboard schools of their district and add its staff.
DISTRICT_ONBOARD_ROLES: frozenset[str] = frozenset({"truong_phong"})

#: Province roles that may onboard oversight units of their province, their staff and their schools.
PROVINCE_ONBOARD_ROLES: frozenset[str] = frozenset({"chuyen_vien_so"})

#: The roles an oversight unit's staff hold (given by the unit's head or by the Sở).
UNIT_STAFF_ROLES: tuple[str, ...] = ("truong_phong", "chuyen_vien")

#: How a unit role is called in a commune or ward (its culture–society office, Phòng Văn hóa – Xã hội).
COMMUNE_ROLE_NAMES: dict[str, str] = {
    "truong_phong": "Trưởng phòng Văn hóa – Xã hội",
    "chuyen_vien": "Công chức văn hóa – xã hội phụ trách giáo dục",
}


def staff_role_name(role: str, unit_kind: str) -> str:
    """The Vietnamese name of a unit role as people of that kind of unit call it."""
    if unit_kind != "phong_gddt" and role in COMMUNE_ROLE_NAMES:
        return COMMUNE_ROLE_NAMES[role]
    return ROLE_NAMES.get(role, role)


def level_of(slug: str) -> RoleLevel:
    """The level a role is held at; raises KeyError for an unknown slug."""
    return ROLE_LEVELS[slug]


def needs_second_factor(roles: frozenset[str] | set[str]) -> bool:
    """True when any of ``roles`` requires a second factor (a passkey or a TOTP code)."""
    return bool(SECOND_FACTOR_ROLES & set(roles))


def passkey_first(roles: frozenset[str] | set[str]) -> bool:
    """True when any of ``roles`` is offered a passkey before TOTP (principals, oversight staff)."""
    return bool(PASSKEY_FIRST_ROLES & set(roles))
