"""Book catalog model: what a book type (loại hồ sơ) is and how catalog templates layer.

A catalog is data, not code: each education level has a seeded base catalog
(``catalog_tieu_hoc``, ``catalog_mam_non``, ``catalog_thcs_thpt``); the province,
the district and the school may each add a template on top. A lower level may add
books and tighten a book's settings (fewer formats, a smaller size limit, a longer
retention) but never loosen what the level above decided.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum


class Cadence(str, Enum):
    """How often a book is submitted; decides the periods of a school year."""

    SCHOOL_YEAR = "school_year"
    SEMESTER = "semester"
    MONTH = "month"
    WEEK = "week"
    EVENT = "event"
    CONTINUOUS = "continuous"


class PeriodKind(str, Enum):
    """The kind of period an item is owed in; decides the form of its period keys (``kernel.periods``).

    An event-relative item (due at a moment of the year: mid-year, after Đại hội Liên đội) is
    keyed by the school year.
    """

    YEAR = "year"
    SEMESTER = "semester"
    MONTH = "month"
    WEEK = "week"
    EVENT = "event"


_DEFAULT_ITEMS = {
    "school_year": ("nam_hoc", "Năm học", PeriodKind.YEAR),
    "semester": ("hang_hoc_ky", "Mỗi học kỳ", PeriodKind.SEMESTER),
    "month": ("hang_thang", "Hằng tháng", PeriodKind.MONTH),
    "week": ("hang_tuan", "Hằng tuần", PeriodKind.WEEK),
    "event": ("khi_phat_sinh", "Khi phát sinh", PeriodKind.EVENT),
    "continuous": ("khi_phat_sinh", "Khi phát sinh", PeriodKind.EVENT),
}


class OwnerKind(str, Enum):
    """Where a book lives in the folder tree."""

    SCHOOL = "school"      # one book for the whole school, kept by the owner role
    UNIT = "unit"          # one book per tổ (tổ chuyên môn / tổ văn phòng)
    CLASS = "class"        # one book per class, kept by its GVCN
    PERSON = "person"      # one book per person holding the owner role


FORMATS = ("pdf", "docx", "xlsx", "jpeg", "png")
MIB = 1024 * 1024
GIB = 1024 * MIB


def size_text(size: int) -> str:
    """A size for people: GB, MB or KB."""
    if size >= GIB:
        return f"{size / GIB:g} GB"
    if size >= MIB:
        return f"{size / MIB:g} MB"
    return f"{size / 1024:g} KB"


@dataclass(frozen=True)
class Item:
    """A scheduled part of a book (the monthly plan of Sổ công tác Đội): what is owed, per which period.

    Slugs are the keys approvals' deadline rules use (``(book, item)``).
    """

    slug: str
    label: str
    period_kind: PeriodKind

    def to_dict(self) -> dict:
        return {"slug": self.slug, "label": self.label, "period_kind": self.period_kind.value}


def default_items(cadence: "Cadence") -> tuple[Item, ...]:
    """The one item of a book that names none: owed once per period of its cadence."""
    slug, label, kind = _DEFAULT_ITEMS[cadence.value]
    return (Item(slug, label, kind),)


@dataclass(frozen=True)
class Signer:
    """A signer of a book: signers sharing an ``order`` sign in parallel."""

    order: int
    role: str
    kind: str = "personal"  # "personal" or "organisation" (the school's certificate)


@dataclass(frozen=True)
class BookType:
    """A loại hồ sơ of the catalog: what is kept, by whom, in which items, signed by whom.

    When an item is due is not here: deadlines are approvals' (its rules, keyed by book and
    item slug), so a due date is written in one place only.
    """

    slug: str
    name: str
    legal_basis: str
    owner_kind: OwnerKind
    owner_roles: tuple[str, ...]
    owner_text: str
    cadence: Cadence
    approval_chain: str
    signers: tuple[Signer, ...]
    formats: frozenset[str]
    max_bytes: int
    retention_years: int | None  # None: kept permanently
    print_format: str = "A4"
    contributors: tuple[str, ...] = ()
    external_system: str | None = None
    defined_by: str = "bo"  # "bo" (national), "so", "phong", "truong"
    items: tuple[Item, ...] = ()  # empty: one item per period of the cadence (``default_items``)
    per_document: bool = False  # one submission per document for the same period (a học bạ per student)
    levels: tuple[str, ...] = ()  # in a school's catalog: the levels whose catalog holds the book

    def owed_items(self) -> tuple[Item, ...]:
        """The items of the book, or the default item of its cadence."""
        return self.items or default_items(self.cadence)

    def signer_groups(self) -> list[tuple[Signer, ...]]:
        """Signers grouped by order; each group signs in parallel, groups in sequence."""
        orders = sorted({s.order for s in self.signers})
        return [tuple(s for s in self.signers if s.order == o) for o in orders]

    def to_dict(self) -> dict:
        return {
            "slug": self.slug,
            "name": self.name,
            "legal_basis": self.legal_basis,
            "owner": {"kind": self.owner_kind.value, "roles": list(self.owner_roles),
                      "text": self.owner_text, "contributors": list(self.contributors)},
            "cadence": self.cadence.value,
            "approval_chain": self.approval_chain,
            "signers": [{"order": s.order, "role": s.role, "kind": s.kind} for s in self.signers],
            "formats": sorted(self.formats),
            "max_bytes": self.max_bytes,
            "retention_years": self.retention_years,
            "print_format": self.print_format,
            "external_system": self.external_system,
            "defined_by": self.defined_by,
            "items": [i.to_dict() for i in self.owed_items()],
            "per_document": self.per_document,
            "levels": list(self.levels),
        }


class CatalogError(ValueError):
    """A template that the layering rules refuse; ``message`` is Vietnamese for the user."""

    def __init__(self, message: str, *, book: str | None = None, field_name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.book = book
        self.field_name = field_name


@dataclass(frozen=True)
class BookOverride:
    """A tightening of an existing book by a lower level; ``None`` keeps the level above."""

    formats: frozenset[str] | None = None
    max_bytes: int | None = None
    retention_years: int | None = None
    permanent: bool = False


LEVELS = ("so", "phong", "truong")
LEVEL_NAMES = {"bo": "Bộ GD&ĐT", "so": "Sở GD&ĐT", "phong": "Phòng GD&ĐT", "truong": "nhà trường"}


@dataclass(frozen=True)
class CatalogTemplate:
    """A template of one organisational level: books it adds and books it tightens."""

    level: str  # "so" | "phong" | "truong"
    owner_id: str
    additions: tuple[BookType, ...] = ()
    overrides: tuple[tuple[str, BookOverride], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Catalog:
    """An effective catalog: the books of one education level after layering."""

    education_level: str
    books: tuple[BookType, ...]

    def get(self, slug: str) -> BookType:
        for book in self.books:
            if book.slug == slug:
                return book
        raise KeyError(slug)

    def has(self, slug: str) -> bool:
        return any(b.slug == slug for b in self.books)

    def slugs(self) -> list[str]:
        return [b.slug for b in self.books]


def _tighten(book: BookType, change: BookOverride, level: str) -> BookType:
    who = LEVEL_NAMES.get(level, level)
    if change.formats is not None:
        unknown = set(change.formats) - set(FORMATS)
        if unknown:
            raise CatalogError(f"Định dạng không được hỗ trợ: {', '.join(sorted(unknown))}.",
                               book=book.slug, field_name="formats")
        extra = set(change.formats) - set(book.formats)
        if extra:
            raise CatalogError(
                f"Cấp {who} không được mở rộng định dạng của “{book.name}”: "
                f"{', '.join(sorted(extra))} không có trong danh mục cấp trên.",
                book=book.slug, field_name="formats")
        if not change.formats:
            raise CatalogError(f"“{book.name}” phải nhận ít nhất một định dạng tệp.",
                               book=book.slug, field_name="formats")
        book = replace(book, formats=frozenset(change.formats))
    if change.max_bytes is not None:
        if change.max_bytes <= 0:
            raise CatalogError(f"Dung lượng tối đa của “{book.name}” phải lớn hơn 0.",
                               book=book.slug, field_name="max_bytes")
        if change.max_bytes > book.max_bytes:
            raise CatalogError(
                f"Cấp {who} không được nới dung lượng tối đa của “{book.name}” "
                f"vượt quá {size_text(book.max_bytes)} do cấp trên quy định.",
                book=book.slug, field_name="max_bytes")
        book = replace(book, max_bytes=change.max_bytes)
    if change.permanent:
        book = replace(book, retention_years=None)
    elif change.retention_years is not None:
        if book.retention_years is None or change.retention_years < book.retention_years:
            current = "vĩnh viễn" if book.retention_years is None else f"{book.retention_years} năm"
            raise CatalogError(
                f"Cấp {who} không được rút ngắn thời hạn lưu trữ của “{book.name}” "
                f"(cấp trên quy định {current}).",
                book=book.slug, field_name="retention_years")
        book = replace(book, retention_years=change.retention_years)
    return book


def layer(base: Catalog, templates: list[CatalogTemplate]) -> Catalog:
    """Apply province, district, then school templates to a base catalog.

    Raises ``CatalogError`` (Vietnamese message) when a template loosens a book,
    redefines a book that already exists, tightens a book that does not exist, or
    comes in the wrong order.
    """
    books = {b.slug: b for b in base.books}
    order = list(books)
    last_rank = -1
    for template in templates:
        if template.level not in LEVELS:
            raise CatalogError(f"Cấp danh mục không hợp lệ: {template.level}.")
        rank = LEVELS.index(template.level)
        if rank < last_rank:
            raise CatalogError("Danh mục phải áp dụng theo thứ tự Sở → Phòng → Trường.")
        last_rank = rank
        who = LEVEL_NAMES[template.level]
        for addition in template.additions:
            if addition.slug in books:
                raise CatalogError(
                    f"Cấp {who} không được định nghĩa lại “{books[addition.slug].name}” đã có ở cấp trên; "
                    "chỉ được siết chặt quy định.", book=addition.slug)
            if not addition.formats or not set(addition.formats) <= set(FORMATS):
                raise CatalogError(f"Định dạng của “{addition.name}” không hợp lệ.", book=addition.slug,
                                   field_name="formats")
            books[addition.slug] = replace(addition, defined_by=template.level)
            order.append(addition.slug)
        for slug, change in template.overrides:
            if slug not in books:
                raise CatalogError(f"Không có loại hồ sơ “{slug}” trong danh mục cấp trên.", book=slug)
            books[slug] = _tighten(books[slug], change, template.level)
    return Catalog(education_level=base.education_level, books=tuple(books[s] for s in order))
