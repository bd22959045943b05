"""The catalog as approvals reads it from documents, and what approvals adds: rules and default chains.

Documents owns the books (names, levels, owners, items, signers, approval-chain names); approvals
receives a school's catalog over ``GET /internal/schools/<id>/catalog`` (``parse_catalog``) and keeps
only what is its own, keyed by the catalog's slugs:

* deadline rules: the seeded rows of ``default_rules.RULES``; an item with no row (a book a
  district or school template adds, a mầm non book) takes the default of its period kind
  (``kind_default``): week → by Friday of the week before (mầm non: the Saturday–Sunday window),
  month → the last day of the month, year → the closing day, event or semester → the day the
  school dates an event named like the item (none until dated);
* default chains: the catalog's approval-chain name mapped to stages (``CHAIN_STAGES``) plus the
  catalog's signers (the owner's or GVCN's signature is the submitter's; an ``organisation``
  signer is the school's seal applied by the văn thư, who then issues). Schools override chains
  per book (``SchoolChainRepository``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.approvals.domain.calendar import CLOSING
from services.approvals.domain.chains import ChainSpec, parse_chain
from services.approvals.domain.deadlines import DeadlineRule, parse_rule
from services.approvals.domain.default_rules import RULES, ItemRules
from services.kernel.ownership import BookOwner

MAM_NON = "mam_non"


def _rule(**data: object) -> DeadlineRule:
    return parse_rule(data)


def kind_default(period_kind: str, item_slug: str, levels: tuple[str, ...]) -> DeadlineRule:
    """The deadline of an item no seeded rule names, by its period kind."""
    if period_kind == "week":
        if levels and all(lv == MAM_NON for lv in levels):
            return _rule(kind="weekday_window", start_weekday=5, end_weekday=6)
        return _rule(kind="weekly_before_teaching", weekday=4, weeks_before=1)
    if period_kind == "month":
        return _rule(kind="monthly_last_day")
    if period_kind == "year":
        return _rule(kind="after_event", event=CLOSING, days=0)
    return _rule(kind="after_event", event=item_slug, days=0)


@dataclass(frozen=True)
class CatalogItem:
    """A scheduled part of a book: slug, label and period kind from documents, rules from approvals."""

    slug: str
    label: str
    period_kind: str  # year | semester | month | week | event
    rules: ItemRules | None  # the seeded row, None: the period kind's default

    def floor_for(self, levels: tuple[str, ...]) -> DeadlineRule:
        """The district floor for a school of these levels."""
        return self.rules.floor_for(levels) if self.rules else kind_default(self.period_kind, self.slug, levels)

    def default_for(self, levels: tuple[str, ...]) -> DeadlineRule:
        """The rule a new school of these levels starts from."""
        return self.rules.default_for(levels) if self.rules else kind_default(self.period_kind, self.slug, levels)

    def approval_for(self, levels: tuple[str, ...]) -> DeadlineRule | None:
        """By when the item must be approved in a school of these levels, where the seeds say."""
        return self.rules.approval_for(levels) if self.rules else None


@dataclass(frozen=True)
class Signer:
    order: int
    role: str
    kind: str  # personal | organisation


@dataclass(frozen=True)
class Book:
    slug: str
    name: str
    owner: BookOwner
    items: tuple[CatalogItem, ...]
    approval_chain: str
    signers: tuple[Signer, ...] = ()
    per_document: bool = False  # one submission per document for the same obligation (a học bạ per student)
    external_system: str | None = None  # kept in another national system: nothing is owed here

    def item(self, slug: str) -> CatalogItem | None:
        return next((i for i in self.items if i.slug == slug), None)


@dataclass(frozen=True)
class SchoolCatalog:
    """One school's catalog at one ``version``."""

    school: str
    version: str
    levels: tuple[str, ...]
    books: tuple[Book, ...]

    def get(self, slug: str) -> Book | None:
        return next((b for b in self.books if b.slug == slug), None)

    def owed_books(self) -> tuple[Book, ...]:
        """The books kept on this platform (not in another national system)."""
        return tuple(b for b in self.books if not b.external_system)


def parse_catalog(data: Mapping[str, Any]) -> SchoolCatalog:
    """Documents' ``SchoolCatalog`` JSON as approvals' value objects."""
    books = []
    for b in data.get("books") or []:
        owner = b["owner"]
        books.append(Book(
            slug=str(b["slug"]), name=str(b["name"]),
            owner=BookOwner(str(b["slug"]), str(owner["kind"]), tuple(owner.get("roles") or ()),
                            tuple(owner.get("contributors") or ()), tuple(b.get("levels") or ())),
            items=tuple(CatalogItem(str(i["slug"]), str(i["label"]), str(i["period_kind"]),
                                    RULES.get((str(b["slug"]), str(i["slug"])))) for i in b.get("items") or []),
            approval_chain=str(b.get("approval_chain") or "khong"),
            signers=tuple(Signer(int(s["order"]), str(s["role"]), str(s.get("kind") or "personal"))
                          for s in b.get("signers") or []),
            per_document=bool(b.get("per_document")), external_system=b.get("external_system")))
    return SchoolCatalog(school=str(data.get("school") or ""), version=str(data.get("version") or ""),
                         levels=tuple(data.get("levels") or ()), books=tuple(books))


# ----- default chains ---------------------------------------------------------------------------
_TO_TRUONG = [[{"role": "to_truong", "scope": "unit"}, {"role": "pho_hieu_truong", "mode": "check"}]]
_PRINCIPAL = [[{"role": "hieu_truong"}]]
CHAIN_STAGES: dict[str, list[list[dict]]] = {
    "to_truong": _TO_TRUONG,                         # teacher books → tổ trưởng (tổ phó by delegation); PHT checks
    "pho_hieu_truong": [[{"role": "pho_hieu_truong"}]],  # tổ books → PHT
    "hieu_truong": _PRINCIPAL,                       # Đội and tổ văn phòng books → principal
    "hoc_ba": [[{"role": "pho_hieu_truong", "mode": "check"}], [{"role": "hieu_truong"}]],
    "hoi_dong_truong": [],                           # the school council and the Phòng approve outside the platform
    "khong": [],
}
TO_VAN_PHONG = "to_van_phong"


def _signing(book: Book) -> tuple[list[dict], str | None]:
    signing: list[dict] = []
    issue_role = None
    for s in sorted(book.signers, key=lambda s: s.order):
        if s.kind == "organisation":
            signing.append({"order": s.order, "role": s.role, "organisation": True})
            issue_role = s.role
        elif s.role == "gvcn" or s.role in book.owner.roles:
            signing.append({"order": s.order, "role": s.role, "signer": "submitter"})
        else:
            signing.append({"order": s.order, "role": s.role})
    return signing, issue_role


def default_chain(book: Book, unit_kind: str | None) -> ChainSpec:
    """The chain a school starts with: stages by the catalog's chain name, then the catalog's signers.

    A tổ book of the tổ văn phòng goes to the principal instead of the PHT (000 §3.5). An
    unknown chain name (a template's) needs no approval until the school sets a chain.
    """
    stages = CHAIN_STAGES.get(book.approval_chain, [])
    if unit_kind == TO_VAN_PHONG and book.owner.kind == "unit" and book.approval_chain == "pho_hieu_truong":
        stages = _PRINCIPAL
    signing, issue_role = _signing(book)
    return parse_chain({"stages": stages, "signing": signing, "issue_role": issue_role})
