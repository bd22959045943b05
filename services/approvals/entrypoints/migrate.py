"""One-off migration of stored period keys: ``python -m services.approvals.entrypoints.migrate``.

Approvals once named teaching weeks ``2025-2026/tuan-07``; every service now uses the kernel's
``2025-2026.t07`` (``services/kernel/periods.py``). The week number is kept: documents already
stored the same number under the kernel form, so both services keep agreeing on what was
uploaded and submitted. Obligations are re-keyed (their id holds the key) and the
submissions answering them follow. Running it again changes nothing.

It also publishes the weeks of every stored frame again (``approvals.calendar.published``), so
documents, which now takes its teaching weeks from approvals' calendar, learns the frames
published before it listened; documents keeps the newest, so running it again is harmless.
"""
from __future__ import annotations

import logging
import re

from services.approvals.adapters.documents import ObligationDoc, SubmissionDoc
from services.kernel.jsonlog import configure_logging
from services.kernel.periods import week_period

from ..bootstrap import bootstrap

log = logging.getLogger(__name__)

OLD_WEEK = re.compile(r"^(\d{4}-\d{4})/tuan-(\d{2})$")


def kernel_key(key: str) -> str:
    """The kernel's key for an old week key (any other key is returned as it is)."""
    match = OLD_WEEK.match(key or "")
    return week_period(match.group(1), int(match.group(2))).key if match else key


def rekey_weeks() -> dict[str, int]:
    """Re-key stored obligations and submissions from ``…/tuan-NN`` to ``….tNN``; idempotent."""
    obligations = ObligationDoc._get_collection()
    submissions = SubmissionDoc._get_collection()
    moved = dropped = subs = 0
    for doc in list(obligations.find({"period_key": {"$regex": r"/tuan-\d{2}$"}})):
        new_key = kernel_key(doc["period_key"])
        new_id = doc["_id"].replace(f"|{doc['period_key']}|", f"|{new_key}|", 1)
        target = obligations.find_one({"_id": new_id}, {"satisfied": 1})
        if target is None or (doc.get("satisfied") and not target.get("satisfied")):
            obligations.replace_one({"_id": new_id}, {**doc, "_id": new_id, "period_key": new_key}, upsert=True)
            moved += 1
        else:
            dropped += 1  # a recomputation already owes the week under its new key
        obligations.delete_one({"_id": doc["_id"]})
        subs += submissions.update_many({"obligation_id": doc["_id"]},
                                        {"$set": {"obligation_id": new_id, "period_key": new_key}}).modified_count
    for doc in list(submissions.find({"period_key": {"$regex": r"/tuan-\d{2}$"}}, {"period_key": 1})):
        subs += submissions.update_one({"_id": doc["_id"]},
                                       {"$set": {"period_key": kernel_key(doc["period_key"])}}).modified_count
    return {"obligations_moved": moved, "obligations_dropped": dropped, "submissions": subs}


def main() -> None:
    container = bootstrap()
    configure_logging("approvals-migrate", level=container.settings.log_level)
    log.info("period keys migrated", extra={"result": rekey_weeks()})
    log.info("calendar frames republished", extra={"frames": container.setup.republish_frames()})


if __name__ == "__main__":
    main()
