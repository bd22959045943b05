"""The reminders' feed: open obligations due in a window, across schools, for service tokens only."""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from benchmarks._queries import counting_queries
from services.approvals.domain.calendar import TIMEZONE

from conftest import SCHOOL_A, SCHOOL_B

WEEK = (datetime(2025, 11, 24, tzinfo=TIMEZONE), datetime(2025, 12, 1, tzinfo=TIMEZONE))


def _due(api, token, start=WEEK[0], end=WEEK[1], **extra):
    q = urlencode({"from": start.isoformat(), "to": end.isoformat(), **extra})
    return api.client.get(f"/api/v1/internal/obligations/due?{q}", headers={"Authorization": f"Bearer {token}"})


def _all(api, token, **kw):
    items, cursor = [], None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        page = _due(api, token, **kw, **extra).get_json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_lists_open_obligations_of_every_school_with_who_to_remind(api):
    api.clock.set(datetime(2025, 11, 20, 8, 0, tzinfo=TIMEZONE))
    token = api.tokens.service_token("notifications")
    items = _all(api, token, limit=7)
    assert {i["school"] for i in items} == {SCHOOL_A, SCHOOL_B}
    assert len({i["id"] for i in items}) == len(items)
    for i in items:
        assert WEEK[0] <= datetime.fromisoformat(i["due_at"]) < WEEK[1]
        assert i["book_name"] and "_" not in i["book_name"] and i["period_label"]
        assert i["principal"] and i["owner"] not in i["approvers"]
        assert i["policy"]["before"] == [{"days_before": 2, "at": "07:00"}, {"days_before": 0, "at": "07:00"}]
    lesson = next(i for i in items if i["school"] == SCHOOL_A and i["book_type"] == "ke_hoach_bai_day")
    assert lesson["approvers"], "a teacher's lesson plan is routed to the tổ trưởng"


def test_a_submitted_obligation_is_no_longer_listed(api):
    api.clock.set(datetime(2025, 11, 20, 8, 0, tzinfo=TIMEZONE))
    token = api.tokens.service_token("notifications")
    before = _all(api, token)
    mine = next(i for i in before if i["owner"] == "thhp.giaovien")
    api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": mine["id"], "document_id": "d1",
                                                     "version_id": "v1", "sha256": "a" * 64})
    after = _all(api, token)
    assert mine["id"] not in {i["id"] for i in after} and len(after) == len(before) - 1


def test_a_user_token_is_refused_even_a_principals(api):
    for who in ("thhp.giaovien", "thhp.hieutruong", "pgd.truongphong"):
        assert _due(api, api.token(who)).status_code == 403
    assert api.client.get("/api/v1/internal/obligations/due?from=2025-11-24T00:00:00%2B07:00"
                          "&to=2025-12-01T00:00:00%2B07:00").status_code == 401


def test_queries_per_page_do_not_grow_with_the_page(api):
    """One read per collection per page; only the catalog is read per school (documents' cache over HTTP,
    here ``FakeDocuments``, which builds it from the school record)."""
    api.clock.set(datetime(2025, 11, 20, 8, 0, tzinfo=TIMEZONE))
    token = api.tokens.service_token("notifications")
    due = len(_all(api, token))  # every open obligation of the week (24 in the demo district)
    assert due > 2
    for limit in (2, 40):
        with counting_queries() as queries:
            page = _due(api, token, limit=limit).get_json()
        assert len(page["items"]) == min(limit, due)
        schools = len({i["school"] for i in page["items"]})
        per_collection = dict(queries.by_collection)
        assert per_collection.pop("schools") == 1 + schools
        assert per_collection == {"obligations": 1, "school_settings": 1, "school_chains": 1, "memberships": 1}


def test_the_window_is_half_open(api):
    api.clock.set(datetime(2025, 11, 20, 8, 0, tzinfo=TIMEZONE))
    token = api.tokens.service_token("notifications")
    first = min(_all(api, token), key=lambda i: i["due_at"])
    at = datetime.fromisoformat(first["due_at"])
    assert first["id"] in {i["id"] for i in _all(api, token, start=at, end=at + timedelta(seconds=1))}
    assert first["id"] not in {i["id"] for i in _all(api, token, start=at - timedelta(hours=1), end=at)}
    assert _due(api, token, start=at, end=at).status_code == 422
