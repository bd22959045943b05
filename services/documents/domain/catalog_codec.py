"""Catalog templates as plain data (what is stored and sent over HTTP) and back."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.documents.domain.catalog_model import (
    BookOverride, BookType, Cadence, CatalogError, CatalogTemplate, Item, OwnerKind, PeriodKind, Signer,
)


def book_from_dict(d: Mapping[str, Any]) -> BookType:
    """A book added by a template; ``CatalogError`` (Vietnamese) when a field is not valid.

    A ``deadlines`` key (stored by templates saved before deadlines moved to approvals) is not read.
    """
    try:
        return BookType(
            slug=str(d["slug"]), name=str(d["name"]), legal_basis=str(d.get("legal_basis") or ""),
            owner_kind=OwnerKind(d["owner_kind"]), owner_roles=tuple(d["owner_roles"]),
            owner_text=str(d.get("owner_text") or ""), cadence=Cadence(d["cadence"]),
            approval_chain=str(d.get("approval_chain") or "khong"),
            signers=tuple(Signer(int(x["order"]), str(x["role"]), str(x.get("kind", "personal")))
                          for x in d.get("signers") or []),
            formats=frozenset(d["formats"]), max_bytes=int(d["max_bytes"]),
            retention_years=None if d.get("retention_years") is None else int(d["retention_years"]),
            print_format=str(d.get("print_format") or "A4"),
            items=tuple(Item(str(x["slug"]), str(x["label"]), PeriodKind(x["period_kind"]))
                        for x in d.get("items") or []),
            per_document=bool(d.get("per_document", False)),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise CatalogError(f"Loại hồ sơ bổ sung không hợp lệ: {exc}.", book=str(d.get("slug") or "")) from None


def override_from_dict(d: Mapping[str, Any]) -> BookOverride:
    formats = d.get("formats")
    return BookOverride(formats=frozenset(formats) if formats is not None else None, max_bytes=d.get("max_bytes"),
                        retention_years=d.get("retention_years"), permanent=bool(d.get("permanent", False)))


def template_from_data(tier: str, owner_id: str, additions: list[Mapping[str, Any]],
                       overrides: Mapping[str, Mapping[str, Any]]) -> CatalogTemplate:
    return CatalogTemplate(level=tier, owner_id=owner_id, additions=tuple(book_from_dict(a) for a in additions),
                           overrides=tuple((slug, override_from_dict(o)) for slug, o in overrides.items()))
