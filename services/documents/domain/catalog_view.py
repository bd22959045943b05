"""A school's catalog: the books of each of its levels merged, and the form approvals reads.

A school of several levels (mầm non + tiểu học, tiểu học + THCS) keeps one copy of a book its
levels share (the first level's settings; the items of every level), and each book says which
levels it belongs to, so the owner rule (``services.kernel.ownership``) gives a person only the
books of the level of the units they hold roles in. ``version`` is a hash of the content: it
changes whenever a template, a level or the seeded catalog changes what the school owes.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

from services.documents.domain.catalog_model import BookType, Catalog
from services.kernel.ownership import BookOwner


def merge_levels(level_catalogs: Mapping[str, Catalog], education_level: str) -> Catalog:
    """One catalog of the levels' catalogs (in the school's order), each slug once, with its levels."""
    books: dict[str, BookType] = {}
    for level, catalog in level_catalogs.items():
        for book in catalog.books:
            held = books.get(book.slug)
            if held is None:
                books[book.slug] = replace(book, items=book.owed_items(), levels=(level,))
                continue
            known = {i.slug for i in held.items}
            books[book.slug] = replace(held, levels=(*held.levels, level),
                                       items=held.items + tuple(i for i in book.owed_items() if i.slug not in known))
    return Catalog(education_level=education_level, books=tuple(books.values()))


def book_owner(book: BookType) -> BookOwner:
    """The owner of a book as the shared owner rule reads it."""
    return BookOwner(book.slug, book.owner_kind.value, tuple(book.owner_roles), tuple(book.contributors),
                     tuple(book.levels))


def _book_view(book: BookType) -> dict:
    return {
        "slug": book.slug, "name": book.name, "levels": list(book.levels),
        "owner": {"kind": book.owner_kind.value, "roles": list(book.owner_roles),
                  "contributors": list(book.contributors), "text": book.owner_text},
        "items": [i.to_dict() for i in book.owed_items()],
        "per_document": book.per_document, "approval_chain": book.approval_chain,
        "signers": [{"order": s.order, "role": s.role, "kind": s.kind} for s in book.signers],
        "external_system": book.external_system, "defined_by": book.defined_by,
    }


def catalog_version(content: Mapping[str, object]) -> str:
    """A short hash of a catalog's content (canonical JSON)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def school_catalog_view(school_id: str, levels: Sequence[str], catalog: Catalog) -> dict:
    """``GET /internal/schools/<id>/catalog``: what approvals derives obligations and chains from."""
    content = {"school": school_id, "levels": list(levels), "books": [_book_view(b) for b in catalog.books]}
    return {**content, "version": catalog_version(content)}
