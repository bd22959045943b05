"""What every use case shares: domain errors as problems, events into the outbox, audit entries."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from services.approvals.domain.calendar import TIMEZONE
from services.approvals.domain.errors import InvalidRule, InvalidTransition, NotPermitted
from services.approvals.domain.submissions import Acting
from services.kernel.audit import AuditLog
from services.kernel.context import current_request_id
from services.kernel.errors import Conflict, Forbidden, ValidationFailed
from services.approvals import events as _declarations  # noqa: F401  (registers approvals' events)
from services.kernel.events import Event, declared
from services.kernel.outbox import OutboxMixin


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn domain refusals into problem+json: 422 bad rule, 403 wrong person, 409 wrong state."""
    try:
        yield
    except InvalidRule as exc:
        raise ValidationFailed(exc.message, field=exc.field, code=exc.code) from None
    except NotPermitted as exc:
        raise Forbidden(exc.message, field=exc.field, code=exc.code) from None
    except InvalidTransition as exc:
        raise Conflict(exc.message, field=exc.field, code=exc.code) from None


def progress_period(due_at: datetime) -> str:
    """The month a due instant falls in, in Vietnam (progress is reported per month and year)."""
    return due_at.astimezone(TIMEZONE).strftime("%Y-%m")


def make_event(type_: str, data: dict, *, tenant: str, district: str, acting: Acting | None, now: datetime) -> Event:
    """A declared approvals event (``services/approvals/events.py``); ``InvalidEvent`` when ``data`` does not match."""
    return declared(type_).event(data, tenant=tenant, district=district, actor=acting.person if acting else None,
                                 on_behalf_of=acting.on_behalf_of if acting else None, occurred_at=now.isoformat())


def record(doc: OutboxMixin, event: Event) -> None:
    doc.record_event(event)


def audit(log: AuditLog, action: str, acting: Acting | None, *, tenant: str | None, district: str | None,
          target: str, data: dict | None = None) -> None:
    """One audit entry; a delegated act reads “B thay mặt A” (actor B, on_behalf_of A)."""
    log.append(action=action, actor=acting.person if acting else "system", tenant=tenant, district=district,
               target=target, data=data or {}, on_behalf_of=acting.on_behalf_of if acting else None,
               request_id=current_request_id())
