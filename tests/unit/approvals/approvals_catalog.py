"""The seeded catalog as documents serves it, read the way approvals reads it (for pure unit tests)."""
from __future__ import annotations

from services.approvals.domain.catalog import Book, SchoolCatalog, parse_catalog
from services.documents.domain.catalog import BASE_CATALOGS
from services.documents.domain.catalog_view import merge_levels, school_catalog_view


def seeded_catalog(*levels: str, school: str = "s") -> SchoolCatalog:
    """Documents' catalog of a school of these levels, parsed by approvals."""
    merged = merge_levels({lv: BASE_CATALOGS[lv] for lv in levels}, "+".join(levels))
    return parse_catalog(school_catalog_view(school, list(levels), merged))


def seeded_books(*levels: str) -> dict[str, Book]:
    return {b.slug: b for b in seeded_catalog(*levels).books}
