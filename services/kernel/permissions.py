"""Role slugs of DOMAIN.md and the checks every action makes."""
from __future__ import annotations

from .errors import Forbidden, Unauthorized
from .principal import SERVICE_ROLE, Principal

TRUONG_PHONG = "truong_phong"
CHUYEN_VIEN = "chuyen_vien"
CHUYEN_VIEN_SO = "chuyen_vien_so"
HIEU_TRUONG = "hieu_truong"
PHO_HIEU_TRUONG = "pho_hieu_truong"
TO_TRUONG = "to_truong"
TO_PHO = "to_pho"
GIAO_VIEN = "giao_vien"
TONG_PHU_TRACH = "tong_phu_trach"
VAN_THU = "van_thu"
KE_TOAN = "ke_toan"
QUAN_TRI = "quan_tri"

DISTRICT_ROLES = frozenset({TRUONG_PHONG, CHUYEN_VIEN})
PROVINCE_ROLES = frozenset({CHUYEN_VIEN_SO})
SCHOOL_ROLES = frozenset(
    {HIEU_TRUONG, PHO_HIEU_TRUONG, TO_TRUONG, TO_PHO, GIAO_VIEN, TONG_PHU_TRACH, VAN_THU, KE_TOAN, QUAN_TRI}
)
ALL_ROLES = DISTRICT_ROLES | PROVINCE_ROLES | SCHOOL_ROLES

ROLE_NAMES_VI = {
    TRUONG_PHONG: "Trưởng phòng GD&ĐT",
    CHUYEN_VIEN: "Chuyên viên Phòng GD&ĐT",
    CHUYEN_VIEN_SO: "Chuyên viên Sở GD&ĐT",
    HIEU_TRUONG: "Hiệu trưởng",
    PHO_HIEU_TRUONG: "Phó hiệu trưởng",
    TO_TRUONG: "Tổ trưởng",
    TO_PHO: "Tổ phó",
    GIAO_VIEN: "Giáo viên",
    TONG_PHU_TRACH: "Tổng phụ trách Đội",
    VAN_THU: "Văn thư",
    KE_TOAN: "Kế toán",
    QUAN_TRI: "Quản trị hệ thống",
}


def require_principal(principal: Principal | None) -> Principal:
    """The caller, or 401 when the request carried no valid token."""
    if principal is None:
        raise Unauthorized()
    return principal


def require_roles(principal: Principal | None, *roles: str) -> Principal:
    """The caller when it holds one of ``roles`` (in any unit), else 403."""
    p = require_principal(principal)
    if not any(p.has_role(r) for r in roles):
        raise Forbidden()
    return p


def require_service(principal: Principal | None) -> Principal:
    """Only another HoSo service (client-credentials token) may call this."""
    p = require_principal(principal)
    if not p.is_service:
        raise Forbidden()
    return p


def is_district_staff(principal: Principal) -> bool:
    return bool(principal.roles & (DISTRICT_ROLES | PROVINCE_ROLES))


__all__ = [name for name in globals() if name.isupper()] + [
    "SERVICE_ROLE",
    "require_principal",
    "require_roles",
    "require_service",
    "is_district_staff",
]
