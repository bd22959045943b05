"""The reminder job fed by the real approvals service over HTTP (its Flask app), with a service token.

Runs notifications' ``HttpApprovals`` against approvals' own routes: the due feed names the
teacher's lesson plan with the tổ trưởng to escalate to, and the digests read the dashboards.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import requests

from services.approvals.domain.calendar import TIMEZONE
from services.kernel.messaging import InMemoryPublisher
from services.kernel.service_client import ServiceClient
from services.notifications.adapters.approvals_client import HttpApprovals
from services.notifications.adapters.inbox import NotificationDoc
from services.notifications.bootstrap import bootstrap as notifications_bootstrap


class ServiceToken(requests.auth.AuthBase):
    """The client-credentials token identity would issue to notifications."""

    def __init__(self, tokens: Any) -> None:
        self.tokens = tokens

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = "Bearer " + self.tokens.service_token("notifications")
        return request


class FlaskSession:
    """``requests``' session interface over a Flask test client: the request is prepared (URL, auth) as sent."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:
        prepared = requests.Request(method, url, params=kw.get("params"), auth=kw.get("auth")).prepare()
        path = prepared.url.split("://", 1)[1].split("/", 1)[1]
        answer = self.client.open("/" + path, method=method, headers=dict(prepared.headers))
        resp = requests.Response()
        resp.status_code, resp._content = answer.status_code, answer.get_data()
        resp.headers.update(dict(answer.headers))
        return resp


@pytest.fixture
def wired(api):
    port = HttpApprovals(client=ServiceClient(base_url="http://approvals.test", auth=ServiceToken(api.tokens),
                                              service_name="phê duyệt", session=FlaskSession(api.client)), page_size=7)
    notifications = notifications_bootstrap({"mode": "test"}, environ={}, clock=api.clock, publisher=InMemoryPublisher(),
                                            verifier=api.tokens.verifier(), approvals_port=port)
    return notifications


def test_the_teachers_lesson_plan_reminder_and_the_escalation_to_the_to_truong(api, wired):
    api.clock.set(datetime(2025, 11, 26, 7, 0, tzinfo=TIMEZONE))  # two days before Friday's lesson plan deadline
    wired.reminders.remind_due()
    plan = NotificationDoc.objects(recipient="thhp.giaovien", body__contains="«Kế hoạch bài dạy» tuần 13, từ 01/12").get()
    assert plan.title == "Nhắc nộp hồ sơ: còn 2 ngày (hạn 23:59 ngày 28/11)" and plan.link == "/viec-cua-toi"
    api.clock.set(datetime(2025, 11, 30, 0, 0, tzinfo=TIMEZONE))  # a day after the deadline passed
    wired.reminders.remind_due()
    told = {d.recipient for d in NotificationDoc.objects(kind="escalation", body__contains="tuần 13, từ 01/12")}
    assert {"thhp.totruong", "thhp.phohieutruong"} <= told  # the first stage of the lesson plan's chain
    assert "th.hieutruong" not in told  # the principal only after two days
    again = wired.reminders.remind_due()
    assert again["dispatched"] == 0


def test_submitted_in_time_no_overdue_no_escalation(api, wired):
    api.clock.set(datetime(2025, 11, 27, 9, 0, tzinfo=TIMEZONE))
    plan = next(o for o in api.obligations("thhp.giaovien") if o["period_label"] == "Tuần 13 (01/12/2025)")
    wired.reminders.remind_due()
    assert NotificationDoc.objects(key__startswith=f"reminder:{plan['id']}:before-1:").count() == 1
    api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": plan["id"], "document_id": "d1",
                                                     "version_id": "v1", "sha256": "b" * 64})
    for day in (28, 29, 30):
        api.clock.set(datetime(2025, 11, day, 9, 0, tzinfo=TIMEZONE))
        wired.reminders.remind_due()
    assert [d.key.split(":")[2] for d in NotificationDoc.objects(key__startswith=f"reminder:{plan['id']}:")] == [
        "before-1"]


def test_the_principals_daily_digest_reads_the_school_dashboard(api, wired):
    api.clock.set(datetime(2025, 11, 27, 7, 5, tzinfo=TIMEZONE))
    wired.digests.prefs.put("th.hieutruong", school="th-hoa-phong", district="pgd-hoa-vang", daily=True, weekly=False,
                            at=api.clock.now())
    assert wired.digests.daily() == 1
    [digest] = NotificationDoc.objects(recipient="th.hieutruong", kind="digest")
    assert digest.title == "Tiến độ hồ sơ ngày 27/11" and digest.body.startswith("Trường Tiểu học Hòa Phong, tháng 11/2025:")
    assert wired.digests.daily() == 0  # once a day
