"""Khóa/mở: the admin locks a scope for a time window; every change is audited and published."""
from __future__ import annotations

from datetime import datetime

from services.documents.adapters.records import LockRecord
from services.documents.domain.locks import LockScope
from services.documents.service_layer.access import CallerContext, require_school_staff
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, ValidationFailed
from services.documents.events import LOCK_CREATED, LOCK_REMOVED
from services.kernel.ids import new_id


class Locks:
    def __init__(self, *, clock: Clock, audit: AuditLog) -> None:
        self._clock = clock
        self._audit = audit

    @staticmethod
    def _require_admin(ctx: CallerContext) -> None:
        require_school_staff(ctx)
        if "quan_tri" not in ctx.actor.roles:
            raise Forbidden("Chỉ quản trị hệ thống được khóa hoặc mở hồ sơ (theo chỉ đạo của hiệu trưởng).")

    def create(self, ctx: CallerContext, *, scope: LockScope, starts_at: datetime, ends_at: datetime,
               reason: str) -> LockRecord:
        self._require_admin(ctx)
        if ends_at <= starts_at:
            raise ValidationFailed("Thời điểm kết thúc khóa phải sau thời điểm bắt đầu.", field="ends_at")
        if scope.book and not ctx.catalog.has(scope.book):
            raise ValidationFailed("Loại hồ sơ không có trong danh mục của trường.", field="book")
        if scope.unit_id and scope.unit_id not in ctx.units:
            raise ValidationFailed("Đơn vị không thuộc trường.", field="unit_id")
        p = ctx.principal
        lock = LockRecord(id=new_id(), book=scope.book, unit_id=scope.unit_id, period=scope.period,
                          school_year=scope.school_year, starts_at=starts_at, ends_at=ends_at, reason=reason.strip(),
                          created_by=p.sub, created_at=self._clock.now())
        data = {"lock_id": lock.id, "scope": scope.__dict__, "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(), "reason": lock.reason}
        lock.record_event(LOCK_CREATED.event(data, tenant=p.tenant, district=p.district, actor=p.sub))
        ctx.repos.locks.add(lock)
        self._audit.append(action="documents.lock.created", actor=p.sub, tenant=p.tenant, district=p.district,
                           target=lock.id, data=data)
        return lock

    def remove(self, ctx: CallerContext, lock_id: str) -> LockRecord:
        self._require_admin(ctx)
        lock = ctx.repos.locks.get(lock_id)
        if lock.removed:
            raise Conflict("Khóa này đã được mở trước đó.")
        p = ctx.principal
        lock.removed, lock.removed_by, lock.removed_at = True, p.sub, self._clock.now()
        lock.record_event(LOCK_REMOVED.event({"lock_id": lock.id}, tenant=p.tenant, district=p.district, actor=p.sub))
        lock.save()
        self._audit.append(action="documents.lock.removed", actor=p.sub, tenant=p.tenant, district=p.district,
                           target=lock.id, data={"reason": lock.reason})
        return lock

    def list(self, ctx: CallerContext) -> list[LockRecord]:
        return list(ctx.repos.locks.query(removed=False, ends_at__gt=self._clock.now()).order_by("starts_at"))


def lock_dict(lock: LockRecord) -> dict:
    return {"id": lock.id, "book": lock.book, "unit_id": lock.unit_id, "period": lock.period,
            "school_year": lock.school_year, "starts_at": lock.starts_at.isoformat(), "ends_at": lock.ends_at.isoformat(),
            "reason": lock.reason, "created_by": lock.created_by, "removed": lock.removed}
