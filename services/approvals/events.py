"""The events the approvals service publishes: names, versions and typed payloads (its contract).

Every submission event carries what a consumer needs to speak to people: the book's
Vietnamese name, the period's label, a ready ``title`` and, where someone must act next,
the people to tell (``approvers``, ``signers``). Fields listed in a model's ``internal``
(``progress``, ``deltas``) are approvals' own counters for its progress projection: no
other service may read them (the event contract test enforces it).
"""
from __future__ import annotations

from typing import ClassVar

from services.kernel.events import EventData, declare


class Counted(EventData):
    """An event the progress projection counts: ``progress`` is approvals-internal (no other service reads it)."""

    #: deltas of the progress counters (on_time, late, missing, awaiting, signing_overdue…)
    progress: dict[str, int] | None = None

    internal: ClassVar[frozenset[str]] = frozenset({"progress"})


class SubmissionEvent(Counted):
    """What every ``approvals.submission.*`` event says about the submission."""

    submission_id: str
    obligation_id: str
    book_type: str
    book_name: str
    item: str
    period_key: str
    period_label: str
    title: str
    unit: str | None
    submitter: str
    document_id: str
    state: str
    school_year: str
    due_at: str
    on_time: bool | None


class Submitted(SubmissionEvent):
    version_id: str
    submitted_at: str
    resubmission: bool
    #: people who may decide the first open stage now (holders of its roles)
    approvers: list[str]
    #: the submitter's full name as identity signed it into their token (None when not known)
    submitter_name: str | None = None


class Advanced(SubmissionEvent):
    """A stage approved and the next one opened: its approvers are told."""

    stage: int
    version_id: str
    approvers: list[str]
    #: the submitter's full name (None when not known: the stage was decided by someone else)
    submitter_name: str | None = None


class Withdrawn(SubmissionEvent):
    """The submitter took the submission back; it says no more than every submission event."""


class Returned(SubmissionEvent):
    comment: str | None
    stage: int
    version_id: str


class Commented(SubmissionEvent):
    comment: str


class Approved(SubmissionEvent):
    version_id: str
    approved_at: str
    approved_in_time: bool


class SigningStep(EventData):
    order: int
    role: str
    signer: str | None = None
    organisation: bool = False


class SigningRequested(SubmissionEvent):
    version_id: str
    sha256: str
    steps: list[SigningStep]
    #: the first signing order to sign, the people who may sign it, and its role
    order: int
    signers: list[str]
    signer_role: str


class SigningAdvanced(SubmissionEvent):
    """One signature of several made; the next order's signers are told."""

    signed_order: int
    order: int
    signers: list[str]
    signer_role: str


class Signed(SubmissionEvent):
    version_id: str
    sha256: str


class Issued(SubmissionEvent):
    version_id: str | None
    sha256: str | None


class Recalled(SubmissionEvent):
    reason: str
    version_ids: list[str]
    approved_version_id: str | None


class Corrected(SubmissionEvent):
    correction_id: str
    version_id: str
    superseded_version_id: str


class Overdue(Counted):
    """An obligation past its due time with nothing submitted (told to its owner)."""

    obligation_id: str
    book_type: str
    book_name: str
    item: str
    period_key: str
    period_label: str
    title: str
    owner: str
    unit: str | None
    school_year: str
    due_at: str


class SignatureOverdue(Counted):
    """Signatures not made by the signing deadline: told to the signers of the waiting order and the principal.

    ``signers`` may be empty when any holder of the order's ``roles`` may sign (then the principal
    is told that no holder has signed).
    """

    submission_id: str
    book_type: str
    book_name: str
    period_key: str
    period_label: str
    signers: list[str]
    due_at: str
    principal: str | None = None
    roles: list[str] = []
    order: int | None = None
    title: str | None = None
    obligation_id: str | None = None
    item: str | None = None
    school_year: str | None = None
    unit: str | None = None
    submitter: str | None = None
    signing_due_at: str | None = None


class Recomputed(EventData):
    """A school's obligations were derived again (after a rule, frame, catalog or role change)."""

    school: str
    reason: str
    added: int
    removed: int
    changed: int
    #: approvals-internal: owed/missing deltas per tổ, month and year for the progress projection
    deltas: list[dict[str, int | str | None]] = []

    internal: ClassVar[frozenset[str]] = frozenset({"deltas"})


class CalendarWeek(EventData):
    """One week of a school year by the district's frame: a holiday week keeps its number (``teaching`` false)."""

    key: str
    number: int
    monday: str
    teaching: bool
    label: str


class CalendarPublished(EventData):
    """A district published (or changed) the frame of a school year: its dates and every week, tuần 1 first.

    ``first_teaching_day`` / ``last_teaching_day`` are the opening and closing days; ``weeks`` runs
    from the school's tuần 1 to the week of the closing day, keys of ``services.kernel.periods`` and
    labels as obligations name the weeks («Tuần 1 (08/09/2025)»). Documents projects it to list and
    export weeks.
    """

    district_id: str
    school_year: str
    first_teaching_day: str
    last_teaching_day: str
    weeks: list[CalendarWeek]


class CorrectionEvent(EventData):
    correction_id: str
    submission_id: str
    state: str


class CorrectionRequested(CorrectionEvent):
    """A correction asked for: ``witnesses`` are the principals who must consent first (then witness it)."""

    reason: str
    version_id: str
    #: the submission's book and period as people read them («Học bạ – Cuối học kỳ I»)
    title: str | None = None
    witnesses: list[str] = []


class CorrectionDecided(CorrectionEvent):
    """The principal consented or refused; on consent ``witnesses`` are the people who must confirm the record."""

    comment: str | None
    title: str | None = None
    witnesses: list[str] = []


class CorrectionConfirmed(CorrectionEvent):
    role: str | None


class MonthlyReport(EventData):
    """An oversight unit's monthly compliance report is ready (PDF with charts, and XLSX) at ``link``.

    ``district_id`` names the unit (a Phòng or a UBND xã/phường; None with ``province_id`` for the
    Sở's report); notifications tells the unit's staff.
    """

    district_id: str | None
    province_id: str | None
    unit_name: str
    month: str
    month_label: str
    link: str
    schools: int
    on_time_percent: float


SUBMITTED = declare("approvals.submission.submitted", Submitted)
ADVANCED = declare("approvals.submission.advanced", Advanced)
WITHDRAWN = declare("approvals.submission.withdrawn", Withdrawn)
RETURNED = declare("approvals.submission.returned", Returned)
COMMENTED = declare("approvals.submission.commented", Commented)
APPROVED = declare("approvals.submission.approved", Approved)
SIGNING_REQUESTED = declare("approvals.submission.signing_requested", SigningRequested)
SIGNING_ADVANCED = declare("approvals.submission.signing_advanced", SigningAdvanced)
SIGNED = declare("approvals.submission.signed", Signed)
ISSUED = declare("approvals.submission.issued", Issued)
RECALLED = declare("approvals.submission.recalled", Recalled)
CORRECTED = declare("approvals.submission.corrected", Corrected)
OVERDUE = declare("approvals.submission.overdue", Overdue)
SIGNATURE_OVERDUE = declare("approvals.signature.overdue", SignatureOverdue)
RECOMPUTED = declare("approvals.obligations.recomputed", Recomputed)
CALENDAR_PUBLISHED = declare("approvals.calendar.published", CalendarPublished)
CORRECTION_REQUESTED = declare("approvals.correction.requested", CorrectionRequested)
CORRECTION_CONSENTED = declare("approvals.correction.consented", CorrectionDecided)
CORRECTION_REFUSED = declare("approvals.correction.refused", CorrectionDecided)
CORRECTION_CONFIRMED = declare("approvals.correction.confirmed", CorrectionConfirmed)
CORRECTION_APPLIED = declare("approvals.correction.applied", CorrectionConfirmed)

#: the progress projection's events (submission events with counters, and recomputations)
SUBMISSION_EVENTS = (SUBMITTED, ADVANCED, WITHDRAWN, RETURNED, COMMENTED, APPROVED, SIGNING_REQUESTED,
                     SIGNING_ADVANCED, SIGNED, ISSUED, RECALLED, CORRECTED, OVERDUE, SIGNATURE_OVERDUE)
MONTHLY_REPORT = declare("approvals.report.monthly", MonthlyReport)
