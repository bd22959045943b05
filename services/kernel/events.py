"""Domain events: the JSON envelope every service publishes on ``hoso.events``, and declarations.

The routing key is the event type, ``<service>.<aggregate>.<event>``. Every service declares
what it publishes in ``services/<svc>/events.py``: one ``EventData`` model per event type,
registered with ``declare()``. Producers build events with ``EventSpec.event()`` (the data is
checked against the model: a missing, mistyped or extra field raises ``InvalidEvent``);
``OutboxMixin.record_event`` refuses an event of an undeclared type or with undeclared data.
Consumers read an event through ``EventSpec.read()`` (a typed view of the declared fields;
fields a newer producer adds are ignored, so adding an optional field never breaks a consumer).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .ids import new_id

EXCHANGE = "hoso.events"
DEAD_LETTER_EXCHANGE = "hoso.dlx"


@dataclass(frozen=True)
class Event:
    """One thing that happened, addressed to whoever cares."""

    type: str
    data: Mapping[str, Any]
    tenant: str | None = None
    district: str | None = None
    actor: str | None = None
    on_behalf_of: str | None = None
    id: str = field(default_factory=new_id)
    version: int = 1
    occurred_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())

    def __post_init__(self) -> None:
        if self.type.count(".") < 2:
            raise ValueError(f"event type must be <service>.<aggregate>.<event>: {self.type!r}")

    @property
    def routing_key(self) -> str:
        return self.type

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["data"] = dict(self.data)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Event":
        return cls(
            type=d["type"],
            data=dict(d.get("data") or {}),
            tenant=d.get("tenant"),
            district=d.get("district"),
            actor=d.get("actor"),
            on_behalf_of=d.get("on_behalf_of"),
            id=d["id"],
            version=int(d.get("version", 1)),
            occurred_at=d.get("occurred_at") or datetime.now(timezone.utc).isoformat(),
        )


class InvalidEvent(ValueError):
    """An event of an undeclared type, or whose data does not match its declaration."""


class EventData(BaseModel):
    """Base of every declared event payload: exact types, no undeclared field, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    #: Fields only the producing service's own consumers may read (e.g. approvals' progress counters).
    internal: ClassVar[frozenset[str]] = frozenset()


D = TypeVar("D", bound=EventData)


@dataclass(frozen=True)
class EventSpec(Generic[D]):
    """One declared event type: its name, version and payload model."""

    type: str
    model: type[D]
    version: int = 1

    @property
    def service(self) -> str:
        return self.type.split(".", 1)[0]

    def fields(self) -> frozenset[str]:
        return frozenset(self.model.model_fields)

    def event(self, data: D | Mapping[str, Any], *, tenant: str | None = None, district: str | None = None,
              actor: str | None = None, on_behalf_of: str | None = None, occurred_at: str | None = None) -> Event:
        """The envelope of ``data``, checked against the declaration (``InvalidEvent`` when it does not match)."""
        model = data if isinstance(data, self.model) else self.check(data)
        extra = {"occurred_at": occurred_at} if occurred_at else {}
        # optional fields at their default are left out (as protobuf does): the typed view restores them
        return Event(type=self.type, data=model.model_dump(mode="json", exclude_defaults=True), tenant=tenant,
                     district=district, actor=actor, on_behalf_of=on_behalf_of, version=self.version, **extra)

    def check(self, data: Mapping[str, Any]) -> D:
        try:
            return self.model.model_validate(dict(data))
        except ValidationError as exc:
            raise InvalidEvent(f"{self.type}: {exc}") from None

    def read(self, event: Event) -> D:
        """The typed view a consumer reads: declared fields only (others are dropped, not refused)."""
        known = {k: v for k, v in event.data.items() if k in self.model.model_fields}
        try:
            return self.model.model_validate(known, strict=False)
        except ValidationError as exc:
            raise InvalidEvent(f"{event.type} ({event.id}): {exc}") from None


_DECLARED: dict[str, EventSpec[Any]] = {}


def declare(type_: str, model: type[D], *, version: int = 1) -> EventSpec[D]:
    """Register the event type ``type_`` (one declaration per type, in its service's ``events.py``)."""
    if type_.count(".") < 2:
        raise ValueError(f"event type must be <service>.<aggregate>.<event>: {type_!r}")
    spec = EventSpec(type_, model, version)
    known = _DECLARED.get(type_)
    if known is not None and known.model is not model:
        raise ValueError(f"event {type_!r} is declared twice")
    _DECLARED[type_] = spec
    return spec


def declared(type_: str) -> EventSpec[Any]:
    """The declaration of ``type_``; ``InvalidEvent`` when no loaded module declares it."""
    spec = _DECLARED.get(type_)
    if spec is None:
        raise InvalidEvent(f"event type {type_!r} is not declared in any services/<svc>/events.py")
    return spec


def declarations() -> dict[str, EventSpec[Any]]:
    """Every declaration loaded so far, by type (the contract test imports every events module first)."""
    return dict(_DECLARED)


def validate(event: Event) -> None:
    """The publishing hook: ``event`` must be of a declared type with exactly its declared data."""
    declared(event.type).check(event.data)
