"""Approvals' published events built from its records: the names and people consumers speak with.

A submission's domain events say what happened; this adds what the contract in
``services/approvals/events.py`` promises readers: the book's Vietnamese name, the period's
label, a ready title, and who must act next (approvers of the open stage, signers of the
next signing order), looked up in approvals' own projection of identity's role holders.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.approvals import events as published
from services.approvals.adapters.documents import ObligationDoc
from services.approvals.adapters.repositories import SchoolDirectory
from services.approvals.domain.submissions import Acting, Submission
from services.approvals.service_layer.common import make_event
from services.kernel.context import current_principal
from services.kernel.events import Event
from services.kernel.periods import period_label

#: shown when a book is not (or no longer) in the catalog, so no slug ever reaches a person
UNKNOWN_BOOK = "Hồ sơ"


def labels(book_name: str | None, period_key: str, known_label: str | None = None) -> dict[str, str]:
    """``book_name``, ``period_label`` and ``title`` of a book's period, in Vietnamese.

    ``book_name`` is the catalog's name of the book (``None`` when the catalog no longer has it).

    ``known_label`` is the label the obligation was derived with (its calendar's words, e.g.
    «Tuần 2 (15/09/2025)»); without one, the kernel's label of the period key.
    """
    name = book_name or UNKNOWN_BOOK
    label = known_label or period_label(period_key)
    return {"book_name": name, "period_label": label, "title": f"{name} – {label}"}


def obligation_label(obligation_id: str) -> str | None:
    """The period label an obligation was derived with (one primary-key read)."""
    doc = ObligationDoc.objects(id=obligation_id).only("period_label").first()
    return doc.period_label if doc else None


def approvers(sub: Submission, directory: SchoolDirectory, now: datetime) -> list[str]:
    """Holders of the roles of the stage awaiting a decision (never the submitter)."""
    people: set[str] = set()
    for state in sub.waiting_steps():
        people.update(directory.holders(sub.tenant, state.step.role, state.step.unit, now))
    people.discard(sub.submitter)
    return sorted(people)


def next_signers(sub: Submission, directory: SchoolDirectory, now: datetime) -> dict[str, Any]:
    """The next signing order, the people who may sign it (named signer, else the role's holders), its role."""
    order = sub.next_signing_order()
    steps = [s.spec for s in sub.signatures if s.spec.order == order and s.signed_by is None]
    people: set[str] = set()
    for spec in steps:
        people.update([spec.signer] if spec.signer else directory.holders(sub.tenant, spec.role, None, now))
    return {"order": order or 0, "signers": sorted(people), "signer_role": steps[0].role if steps else ""}


def submitter_name(sub: Submission) -> str | None:
    """The submitter's full name when the submitter is the verified caller (their token names them)."""
    caller = current_principal()
    if caller is None or caller.sub != sub.submitter or caller.name in ("", caller.sub):
        return None
    return caller.name


def submission_event(type_: str, data: dict[str, Any], sub: Submission, *, book_name: str | None,
                     directory: SchoolDirectory, acting: Acting | None, now: datetime) -> Event:
    """The declared event of one submission transition (``InvalidEvent`` when it misses a field)."""
    payload = {**data, **labels(book_name, sub.period_key, obligation_label(sub.obligation_id))}
    if type_ in (published.SUBMITTED.type, published.ADVANCED.type):
        payload["approvers"] = approvers(sub, directory, now)
        if name := submitter_name(sub):
            payload["submitter_name"] = name
    elif type_ in (published.SIGNING_REQUESTED.type, published.SIGNING_ADVANCED.type):
        payload.update(next_signers(sub, directory, now))
    return make_event(type_, payload, tenant=sub.tenant, district=sub.district, acting=acting, now=now)
