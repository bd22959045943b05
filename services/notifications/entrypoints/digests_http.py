"""HTTP API of the digest opt-ins: ``GET``/``PUT /api/v1/digests`` ({daily, weekly}), each person their own."""
from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel, ConfigDict

from services.kernel.api import Api
from services.kernel.context import current_principal
from services.kernel.errors import Forbidden
from services.kernel.permissions import DISTRICT_ROLES, HIEU_TRUONG, require_principal

from ..adapters.reminder_records import DigestPrefs
from ..bootstrap import Container


class DigestsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    daily: bool = False
    weekly: bool = False


class DigestsOut(BaseModel):
    daily: bool
    weekly: bool


def digests_blueprint(container: Container, api: Api) -> Blueprint:
    bp = Blueprint("digests", __name__, url_prefix="/api/v1")
    prefs = DigestPrefs()

    @api.route(bp, "/digests", response=DigestsOut, tags=["digests"])
    def get_digests() -> DigestsOut:
        """My digest choices (both off until I opt in)."""
        doc = prefs.get(require_principal(current_principal()).sub)
        return DigestsOut(daily=bool(doc and doc.daily), weekly=bool(doc and doc.weekly))

    @api.route(bp, "/digests", methods=["PUT"], body=DigestsIn, response=DigestsOut, tags=["digests"])
    def put_digests(body: DigestsIn) -> DigestsOut:
        """Opt in or out: the daily digest of my school (principal), the weekly one per school of my district."""
        me = require_principal(current_principal())
        if body.daily and not (me.tenant and me.has_role(HIEU_TRUONG)):
            raise Forbidden("Chỉ hiệu trưởng mới nhận được bản tin tiến độ hằng ngày của trường.", field="daily")
        if body.weekly and not (me.district and me.roles & DISTRICT_ROLES):
            raise Forbidden("Chỉ cán bộ Phòng GD&ĐT mới nhận được bản tin tiến độ hằng tuần.", field="weekly")
        doc = prefs.put(me.sub, school=me.tenant, district=me.district, daily=body.daily, weekly=body.weekly,
                        at=container.runtime.clock.now())
        container.runtime.audit.append(action="notifications.digests.set", actor=me.sub, tenant=me.tenant,
                                       district=me.district, target=f"digests:{me.sub}",
                                       data={"daily": body.daily, "weekly": body.weekly})
        return DigestsOut(daily=doc.daily, weekly=doc.weekly)

    return bp
