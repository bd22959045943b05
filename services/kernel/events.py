"""Domain events: the JSON envelope every service publishes on ``hoso.events``.

The routing key is the event type, ``<service>.<aggregate>.<event>``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

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
