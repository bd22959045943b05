"""Building identity's domain events (the kernel's envelope) with the service's clock.

The events and their data are declared in ``services/identity/events.py``; building one
checks its data against the declaration.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.identity.adapters.documents import IdentityPersonDoc
from services.kernel.clock import Clock
from services.identity import events as _declarations  # noqa: F401  (registers identity's events)
from services.kernel.events import Event, declared


def make_event(
    type_: str, *, clock: Clock, data: Mapping[str, Any], tenant: str | None = None, district: str | None = None,
    actor: str | None = None, on_behalf_of: str | None = None,
) -> Event:
    return declared(type_).event(data, tenant=tenant, district=district, actor=actor, on_behalf_of=on_behalf_of,
                                 occurred_at=clock.now().isoformat())


def person_event(type_: str, person: IdentityPersonDoc, *, clock: Clock, data: Mapping[str, Any],
                 actor: str | None = None) -> Event:
    """An event about a person (not tied to one school)."""
    return make_event(type_, clock=clock, data=data, actor=actor or person.id)
