"""Digests: many reminders for one person become one message; principals and inspectors opt in to progress.

- ``group``: when one person would get more than ``threshold`` reminders or escalations in one run
  of the reminder job, they get one message listing them (key per person, day and stage time).
- ``DigestJob.daily``: each opted-in principal, once a day from 07:00 (Vietnam), the school's
  figures of the month from approvals' school dashboard.
- ``DigestJob.weekly``: each opted-in district inspector, on Mondays from 07:00, one message per
  school of the district from approvals' unit dashboard (one call for all the schools).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from services.kernel.clock import Clock, VN_TZ

from ..adapters.approvals_client import ApprovalsPort
from ..adapters.reminder_records import DigestPrefs
from ..domain.notices import Kind, Notice
from .dispatcher import Dispatcher

DIGEST_AT = time(7, 0)
PROGRESS = "/truong/tien-do"
#: a digest holding an unmutable message (overdue, escalation) cannot be muted either
_SEVERITY = (Kind.ESCALATION, Kind.OVERDUE)


def group(notices: Iterable[Notice], *, threshold: int, now: datetime) -> list[Notice]:
    """The notices to dispatch: each person's own, or one grouped message when they have more than ``threshold``."""
    by_person: dict[str, list[Notice]] = defaultdict(list)
    for n in notices:
        by_person[n.recipient].append(n)
    out: list[Notice] = []
    for person, mine in by_person.items():
        if len(mine) <= threshold:
            out += mine
            continue
        slot = max(n.not_before or now for n in mine).astimezone(VN_TZ)
        kind = next((k for k in _SEVERITY if any(n.kind is k for n in mine)), Kind.DIGEST)
        lines = "\n".join(f"• {n.body}" for n in sorted(mine, key=lambda n: n.body))
        out.append(Notice(key=f"digest:{person}:{slot:%Y-%m-%d}:{slot:%H%M}", recipient=person, kind=kind,
                          title=f"{len(mine)} hồ sơ cần bạn lưu ý", body=lines, link=PROGRESS,
                          not_before=slot, school=mine[0].school,
                          data={"grouped": [n.key for n in mine]}))
    return out


def _figures(f: dict[str, Any]) -> str:
    return (f"phải nộp {f['owed']}, đúng hạn {f['on_time']}, nộp trễ {f['late']}, chưa nộp {f['missing']}, "
            f"chờ duyệt {f['awaiting_approval']}")


@dataclass(kw_only=True)
class DigestJob:
    """The opt-in progress digests, built from approvals' dashboards."""

    clock: Clock
    approvals: ApprovalsPort
    dispatcher: Dispatcher
    prefs: DigestPrefs

    def run(self) -> dict[str, int]:
        """Both digests whose time has come (the job runs every few minutes; keys make each once)."""
        return {"daily": self.daily(), "weekly": self.weekly()}

    def daily(self) -> int:
        local = self.clock.now().astimezone(VN_TZ)
        if local.time() < DIGEST_AT:
            return 0
        month = f"{local:%Y-%m}"
        out = []
        for pref in self.prefs.daily():
            view = self.approvals.dashboard("school", pref.school, month)
            out.append(Notice(
                key=f"digest:daily:{pref.school}:{local:%Y-%m-%d}", recipient=pref.id, kind=Kind.DIGEST,
                title=f"Tiến độ hồ sơ ngày {local:%d/%m}", link=PROGRESS, school=pref.school,
                body=f"{view.get('name') or pref.school}, tháng {local:%m/%Y}: {_figures(view['total'])}."))
        return self.dispatcher.dispatch(out)

    def weekly(self) -> int:
        local = self.clock.now().astimezone(VN_TZ)
        if local.weekday() != 0 or local.time() < DIGEST_AT:
            return 0
        month = f"{local:%Y-%m}"
        views: dict[str, dict[str, Any]] = {}
        out = []
        for pref in self.prefs.weekly():
            view = views.get(pref.district) or views.setdefault(
                pref.district, self.approvals.dashboard("unit", pref.district, month))
            for row in view["rows"]:
                out.append(Notice(
                    key=f"digest:weekly:{row['id']}:{local:%Y-%m-%d}", recipient=pref.id, kind=Kind.DIGEST,
                    title=f"Tiến độ tuần của {row['name']}", link=f"/phong/truong/{row['id']}", school=row["id"],
                    body=f"{row['name']}, tháng {local:%m/%Y}: {_figures(row)}."))
        return self.dispatcher.dispatch(out)
