"""Stored week keys of the old form (``2025-2026/tuan-07``) become the kernel's, submissions following."""
from __future__ import annotations

import hashlib

from services.approvals.adapters.documents import ObligationDoc, SubmissionDoc
from services.approvals.entrypoints.migrate import kernel_key, rekey_weeks


def test_old_week_keys_are_rekeyed_once_and_submissions_follow(api):
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t03")
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "d", "version_id": "v1", "sha256": hashlib.sha256(b"d").hexdigest()})
    # store them as an older approvals did
    old_id = ob["id"].replace("2025-2026.t03", "2025-2026/tuan-03")
    coll = ObligationDoc._get_collection()
    stored = coll.find_one({"_id": ob["id"]})
    coll.delete_one({"_id": ob["id"]})
    coll.insert_one({**stored, "_id": old_id, "period_key": "2025-2026/tuan-03"})
    SubmissionDoc._get_collection().update_one({"_id": sub["id"]}, {"$set": {
        "obligation_id": old_id, "period_key": "2025-2026/tuan-03"}})

    assert rekey_weeks() == {"obligations_moved": 1, "obligations_dropped": 0, "submissions": 1}
    assert rekey_weeks() == {"obligations_moved": 0, "obligations_dropped": 0, "submissions": 0}
    again = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t03")
    assert again["id"] == ob["id"] and again["submission_id"] == sub["id"]
    view = api.ok("GET", f"/submissions/{sub['id']}", "thhp.giaovien")
    assert (view["period_key"], view["obligation_id"]) == ("2025-2026.t03", ob["id"])
    assert kernel_key("2025-10") == "2025-10"
