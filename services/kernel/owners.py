"""Typed owner keys: who owns a record, as (kind, id), so a person never matches a school by id.

Ids of different kinds live in different namespaces (a username, a school slug, a service
client id) and may be spelled the same. Every owner check compares :class:`OwnerKey`
values, never bare strings.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from .principal import Principal


class OwnerKind(str, enum.Enum):
    """The namespace an owner id belongs to."""

    PERSON = "person"
    SCHOOL = "school"
    SERVICE = "service"


@dataclass(frozen=True)
class OwnerKey:
    """An owner: its kind and its id within that kind."""

    kind: OwnerKind
    id: str

    @classmethod
    def person(cls, person_id: str) -> "OwnerKey":
        return cls(OwnerKind.PERSON, person_id)

    @classmethod
    def school(cls, school_id: str) -> "OwnerKey":
        return cls(OwnerKind.SCHOOL, school_id)

    @classmethod
    def service(cls, client_id: str) -> "OwnerKey":
        return cls(OwnerKind.SERVICE, client_id)

    @classmethod
    def of(cls, principal: Principal) -> "OwnerKey":
        """The caller itself: a service client, or a person."""
        if principal.is_service:
            return cls.service(principal.client_id or principal.sub)
        return cls.person(principal.sub)

    @classmethod
    def school_of(cls, principal: Principal) -> "OwnerKey | None":
        """The school the caller's token speaks for, or ``None`` (district staff, services)."""
        return cls.school(principal.tenant) if principal.tenant and not principal.is_service else None

    @classmethod
    def parse(cls, text: str) -> "OwnerKey":
        """Read the ``kind:id`` form written by :meth:`__str__`."""
        kind, sep, ident = text.partition(":")
        if not sep or not ident:
            raise ValueError(f"not an owner key: {text!r}")
        return cls(OwnerKind(kind), ident)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


def keys_of(principal: Principal) -> frozenset[OwnerKey]:
    """Every owner key the caller speaks for: itself, and its school."""
    school = OwnerKey.school_of(principal)
    return frozenset({OwnerKey.of(principal)} | ({school} if school else set()))
