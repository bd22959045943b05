"""What a backup covers: the whole platform, one unit (a district or province office) or one school.

Tenancy is stored as ``services.kernel.tenancy`` says: every tenant-owned record carries
``tenant_id`` (the school), ``district_id`` and ``province_id``; audit chain entries carry
``tenant`` and ``district``. A school's objects live under ``<school>/`` (versions, renditions,
exports) and ``uploads/<school>/`` (resumable uploads in progress) in the documents store, and
every record names its object in a ``storage_key`` field.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

AUDIT_COLLECTION = "audit_log"
KEY_FIELD = "storage_key"


class ScopeError(ValueError):
    """A ``--scope`` that is neither ``platform``, ``unit:<id>`` nor ``school:<id>``."""


@dataclass(frozen=True)
class Scope:
    """The platform, a unit (``district_id`` or ``province_id``) or a school (``tenant_id``)."""

    kind: Literal["platform", "unit", "school"]
    id: str | None = None

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """``platform``, ``unit:<id>`` or ``school:<id>``."""
        if text == "platform":
            return cls("platform")
        kind, _, ident = text.partition(":")
        if kind in ("unit", "school") and ident.strip():
            return cls(kind, ident.strip())  # type: ignore[arg-type]
        raise ScopeError(f"unknown scope {text!r}: use platform, unit:<id> or school:<id>")

    def __str__(self) -> str:
        return "platform" if self.kind == "platform" else f"{self.kind}:{self.id}"

    @property
    def is_platform(self) -> bool:
        return self.kind == "platform"

    def covers(self, other: "Scope") -> bool:
        """Whether a backup of this scope can serve a restore of ``other`` (the same or narrower)."""
        return self.is_platform or self == other or (self.kind == "unit" and other.kind == "school")

    def records(self) -> dict[str, Any]:
        """The filter of a service's tenant-owned records in this scope."""
        if self.kind == "platform":
            return {}
        if self.kind == "school":
            return {"tenant_id": self.id}
        return {"$or": [{"district_id": self.id}, {"province_id": self.id}]}

    def audit(self, schools: Iterable[str]) -> dict[str, Any]:
        """The filter of audit chain entries in this scope (``schools``: the unit's schools)."""
        if self.kind == "platform":
            return {}
        if self.kind == "school":
            return {"tenant": self.id}
        return {"$or": [{"district": self.id}, {"tenant": {"$in": sorted(set(schools))}}]}

    def query(self, collection: str, schools: Iterable[str] = ()) -> dict[str, Any]:
        """The filter for ``collection``: audit entries by their tenant, the rest by tenant fields."""
        return self.audit(schools) if collection == AUDIT_COLLECTION else self.records()

    def matches(self, collection: str, doc: Mapping[str, Any], schools: Iterable[str] = ()) -> bool:
        """``query`` evaluated on one decoded document (narrowing a wider backup at restore)."""
        if self.kind == "platform":
            return True
        if collection == AUDIT_COLLECTION:
            if self.kind == "school":
                return doc.get("tenant") == self.id
            return doc.get("district") == self.id or doc.get("tenant") in set(schools)
        if self.kind == "school":
            return doc.get("tenant_id") == self.id
        return self.id in (doc.get("district_id"), doc.get("province_id"))

    def object_prefixes(self, schools: Iterable[str]) -> list[str]:
        """Key prefixes of the documents store in this scope (``schools``: the scope's schools)."""
        if self.kind == "platform":
            return [""]
        return [p for s in sorted(set(schools)) for p in (f"{s}/", f"uploads/{s}/")]


def storage_keys(doc: Any) -> Iterator[str]:
    """Every ``storage_key`` value in a decoded document, nested ones included."""
    if isinstance(doc, Mapping):
        for name, value in doc.items():
            if name == KEY_FIELD and isinstance(value, str) and value:
                yield value
            else:
                yield from storage_keys(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from storage_keys(item)
