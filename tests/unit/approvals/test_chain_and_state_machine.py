"""Chains resolve against the submitter; the submission state machine refuses what the rules refuse."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from approvals_catalog import seeded_books
from services.approvals.domain.catalog import default_chain
from services.approvals.domain.chains import parse_chain, resolve_chain
from services.approvals.domain.calendar import TIMEZONE
from services.approvals.domain.errors import InvalidRule, InvalidTransition, NotPermitted
from services.approvals.domain.submissions import SignatureState, StepState, Submission
from services.kernel.principal import Principal

NOW = datetime(2025, 9, 10, 9, 0, tzinfo=TIMEZONE)
TEAM = "s/to-1"
CHAINS = {slug: default_chain(book, None) for slug, book in seeded_books("tieu_hoc").items()}


def person(sub: str, *roles: str, units: tuple[tuple[str, str], ...] = ()) -> Principal:
    return Principal(sub=sub, tenant="s", district="d", roles=frozenset(roles) | {r for r, _ in units},
                     unit_roles=frozenset(units))


def submission(book: str, submitter: str = "gv", unit: str | None = TEAM,
               submitter_roles: frozenset = frozenset()) -> Submission:
    steps, signing = resolve_chain(CHAINS[book], submitter=submitter, unit=unit,
                                   submitter_unit_roles=submitter_roles)
    sub = Submission(id="x", tenant="s", district="d", obligation_id="o", book_type=book, item="i", period_key="p",
                     school_year="2025-2026", unit=unit, submitter=submitter, document_id="doc",
                     due_at=NOW + timedelta(days=1), approval_due_at=None, steps=[StepState(s) for s in steps],
                     signatures=[SignatureState(s) for s in signing], issue_role=CHAINS[book].issue_role,
                     created_at=NOW)
    sub.attach_first_version("v1", "a" * 64, NOW)
    sub.submit(person(submitter, "giao_vien"), NOW)
    return sub


def test_lesson_plan_chain_binds_the_submitters_team():
    steps, signing = resolve_chain(CHAINS["ke_hoach_bai_day"], submitter="gv", unit=TEAM,
                                   submitter_unit_roles=frozenset({("giao_vien", TEAM)}))
    assert [(s.role, s.unit, s.mode) for s in steps] == [("to_truong", TEAM, "approve"),
                                                        ("pho_hieu_truong", None, "check")]
    assert signing == []


def test_hoc_ba_signing_order_binds_the_gvcn_as_first_signer():
    _, signing = resolve_chain(CHAINS["hoc_ba"], submitter="gvcn", unit=None, submitter_unit_roles=frozenset())
    assert [(s.order, s.role, s.signer, s.organisation) for s in signing] == [
        (1, "gvcn", "gvcn", False), (2, "hieu_truong", None, False), (3, "van_thu", None, True)]


@pytest.mark.parametrize("data,field", [
    ({"stages": [[]]}, "chain"),
    ({"signing": [{"order": 2, "role": "hieu_truong"}]}, "chain"),
    ({"stages": [[{"role": "to_truong", "scope": "district"}]]}, "chain.stages.0.0.scope"),
    ({"issue_role": "bao_ve"}, "chain"),
])
def test_malformed_chains_are_refused(data, field):
    with pytest.raises(InvalidRule) as exc:
        parse_chain(data)
    assert exc.value.field == field and exc.value.message.startswith("Quy trình duyệt không hợp lệ")


def test_return_needs_a_comment_and_checks_do_not_block():
    sub = submission("ke_hoach_bai_day")
    tt = person("tt", units=(("to_truong", TEAM),))
    with pytest.raises(InvalidTransition, match="kèm nhận xét"):
        sub.decide(tt, "return", "  ", NOW)
    sub.comment(person("pht", "pho_hieu_truong"), "Đã xem.", NOW)
    assert sub.state == "submitted"
    with pytest.raises(NotPermitted):
        sub.comment(person("kt", "ke_toan"), "?", NOW)
    sub.decide(tt, "approve", None, NOW)
    assert sub.state == "approved"
    with pytest.raises(InvalidTransition, match="đã duyệt"):
        sub.decide(tt, "approve", None, NOW)


def test_another_teams_leader_cannot_decide():
    sub = submission("ke_hoach_bai_day")
    with pytest.raises(NotPermitted):
        sub.decide(person("tt2", units=(("to_truong", "s/to-2"),)), "approve", None, NOW)


def test_signature_by_delegation_is_recorded_for_whom_it_was_made():
    sub = submission("hoc_ba", submitter="gv")
    sub.decide(person("ht", "hieu_truong"), "approve", None, NOW)
    assert sub.state == "signing"
    sub.record_signature(signer="gv", on_behalf_of=None, role="gvcn", order=1, holds=frozenset({"gvcn"}),
                         version_id="v1", sha256="a" * 64, signed_at=NOW, service="signing")
    acting = sub.record_signature(signer="pht", on_behalf_of="ht", role="hieu_truong", order=2,
                                  holds=frozenset({"hieu_truong"}), version_id="v1", sha256="a" * 64, signed_at=NOW,
                                  service="signing")
    assert (acting.person, acting.on_behalf_of) == ("pht", "ht")
    assert (sub.signatures[1].signed_by, sub.signatures[1].on_behalf_of) == ("pht", "ht")
    with pytest.raises(InvalidTransition, match="vai trò"):
        sub.record_signature(signer="vt", on_behalf_of=None, role="hieu_truong", order=3, holds=frozenset({"van_thu",
                             "hieu_truong"}), version_id="v1", sha256="a" * 64, signed_at=NOW, service="signing")
    sub.record_signature(signer="vt", on_behalf_of=None, role="van_thu", order=3, holds=frozenset({"van_thu"}),
                         version_id="v1", sha256="a" * 64, signed_at=NOW, service="signing")
    assert sub.state == "signed"
    assert [e[0].rsplit(".", 1)[1] for e in sub.pending_events] == ["submitted", "approved", "signing_requested",
                                                                    "signing_advanced", "signing_advanced",
                                                                    "signed"]


def test_someone_without_the_right_is_refused_before_learning_the_state():
    """A colleague who may not act gets "not permitted", never the submission's state (a 409 telling
    "đang ở trạng thái …"): found by the trust suite's isolation matrix (school's accountant)."""
    accountant = person("kt", "ke_toan")
    submitted = submission("ke_hoach_bai_day")  # neither draft nor returned, issued nor signed
    for action in (lambda: submitted.submit(accountant, NOW), lambda: submitted.resubmit(accountant, "v2", "b" * 64, NOW),
                   lambda: submitted.issue(accountant, NOW), lambda: submitted.recall(accountant, "Sai sót", NOW)):
        with pytest.raises(NotPermitted) as exc:
            action()
        assert "trạng thái" not in exc.value.message
    hoc_ba = submission("hoc_ba", submitter="gvcn", unit=None)
    with pytest.raises(NotPermitted):
        hoc_ba.issue(accountant, NOW)
    with pytest.raises(NotPermitted):
        hoc_ba.withdraw(accountant, NOW)
    assert submitted.state == "submitted" and hoc_ba.state == "submitted"
