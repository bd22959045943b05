"""Approvals refuses a campaign read at once once it has consumed identity's event: the submission a
member read a moment ago is 404 with the same still-valid token after the campaign closed, and for a
member taken off the team."""
from __future__ import annotations

from test_read_log import _hoc_ba  # type: ignore[import-not-found]

from services.identity.events import CAMPAIGN_CHANGED, CAMPAIGN_CLOSED
from services.kernel.testing import example_event

TEAM = [{"person": "pgd.chuyenvien", "full_name": "Trần Văn Đức"},
        {"person": "pgd.truongphong", "full_name": "Nguyễn Thị Thu Hương"}]


def _event(api, spec, **changes):
    """identity's event for campaign dkt-hb as it stands after the change (a year long unless closed)."""
    now = api.clock.now()
    data = {"campaign": "dkt-hb", "team": TEAM, "head": "pgd.chuyenvien", "starts_at": now.isoformat(),
            "until": now.replace(year=now.year + 1).isoformat(), **changes}
    return example_event(spec, tenant=None, **data)


def test_a_closed_campaign_or_a_removed_member_reads_no_submission_at_once(api) -> None:
    hoc_ba = _hoc_ba(api)
    until = int(api.clock.now().timestamp()) + 7 * 86400
    grant = {"campaign": "dkt-hb", "schools": ["th-hoa-phong"], "books": ["hoc_ba"], "year": None, "until": until}
    tokens = {p["person"]: api.inspector_token(p["person"], grant) for p in TEAM}
    url = f"/submissions/{hoc_ba['id']}?campaign=dkt-hb"

    def status(person: str) -> int:
        return api.call("GET", url, person, token=tokens[person]).status_code

    assert status("pgd.chuyenvien") == 200 and status("pgd.truongphong") == 200
    consumer = api.container.campaigns_consumer
    assert consumer.handle(_event(api, CAMPAIGN_CHANGED, team=TEAM[:1]))
    assert (status("pgd.chuyenvien"), status("pgd.truongphong")) == (200, 404)
    assert consumer.handle(_event(api, CAMPAIGN_CLOSED, team=TEAM[:1], closed_at=api.clock.now().isoformat()))
    assert status("pgd.chuyenvien") == 404
