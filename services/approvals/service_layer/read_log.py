"""Cross-school reads in approvals as the school sees them: oversight staff's progress views, logged
under their standing right, and the school's own list of reads (``GET /access-reads``).

A submission read inside a campaign is logged by the kernel's grant; this module adds the progress
views (a unit-wide view shows in the log of every school of the unit) and the leadership's list.
"""
from __future__ import annotations

from typing import Any

from services.kernel.audit import AuditLog
from services.kernel.errors import Forbidden
from services.kernel.permissions import DISTRICT_ROLES, PROVINCE_ROLES, HIEU_TRUONG, PHO_HIEU_TRUONG
from services.kernel.principal import Principal
from services.kernel.read_log import UNIT_WIDE, ReadFilters, school_reads
from services.kernel.tenancy import grant_cross_tenant

#: What each kind of read is called in the school's read log.
READ_LABELS = {"SubmissionDoc": "Hồ sơ trình duyệt (lịch sử phê duyệt, chữ ký)", "school_progress": "Tiến độ của trường",
               "to_progress": "Tiến độ của tổ", UNIT_WIDE: "Tiến độ toàn đơn vị"}

STANDING_PROGRESS_REASON = "Quyền quản lý thường xuyên: theo dõi tiến độ"

#: Who reads the school's log: its leadership and administrator.
LOG_READERS = frozenset({HIEU_TRUONG, PHO_HIEU_TRUONG, "quan_tri"})


def record_progress_read(audit: AuditLog, principal: Principal, scope_kind: str, scope_id: str | None,
                         period: str) -> None:
    """Log an oversight staff's progress view under the standing right; a school's own reads are not logged."""
    if principal.tenant or not principal.roles & (DISTRICT_ROLES | PROVINCE_ROLES):
        return
    grant = grant_cross_tenant(principal, reason=STANDING_PROGRESS_REASON, audit=audit)
    if scope_kind == "district":
        grant.record_read(UNIT_WIDE, scope_id, {"period": period})
    else:
        school = (scope_id or "").split("/", 1)[0] or None
        grant.record_read(f"{'to' if scope_kind == 'to' else 'school'}_progress", scope_id, {"period": period},
                          tenant=school)


def school_log(audit: AuditLog, principal: Principal, filters: ReadFilters) -> list[dict[str, Any]]:
    """The reads of the caller's school (leadership only): submissions and progress views."""
    if not principal.tenant or not any(principal.has_role(r) for r in LOG_READERS):
        raise Forbidden("Chỉ lãnh đạo nhà trường mới xem được nhật ký truy cập hồ sơ.")
    return school_reads(audit, principal.tenant, principal.district, filters, labels=READ_LABELS)
