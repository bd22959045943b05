"""The biên bản kiểm tra (inspection record) of one school in a campaign: its content and its states.

Plain Python. The record is drafted by a member of the campaign's team, kept as a document
version of the school (the book ``bien_ban_kiem_tra``, which no school owes and nobody
uploads to) and signed by the head of the team (trưởng đoàn): draft → signed, once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from services.documents.domain.catalog_model import BookType, Cadence, Catalog, OwnerKind

RECORD_BOOK_SLUG = "bien_ban_kiem_tra"

#: The book a biên bản is stored under: not in any school's catalog, owed by nobody, PDF only.
RECORD_BOOK = BookType(
    slug=RECORD_BOOK_SLUG, name="Biên bản kiểm tra", legal_basis="Nghị định 30/2020/NĐ-CP (thể thức văn bản)",
    owner_kind=OwnerKind.SCHOOL, owner_roles=(), owner_text="Đoàn kiểm tra lập, trưởng đoàn ký",
    cadence=Cadence.EVENT, approval_chain="khong", signers=(), formats=frozenset({"pdf"}),
    max_bytes=20 * 1024 * 1024, retention_years=None,
)

DRAFT, SIGNED = "draft", "signed"

SEVERITY_LABELS = {"info": "Lưu ý", "minor": "Thiếu sót nhỏ", "major": "Thiếu sót nghiêm trọng"}
FINDING_STATE_LABELS = {"open": "Chưa khắc phục", "answered": "Trường đã trả lời", "closed": "Đã khắc phục"}


def book_type(catalog: Catalog, slug: str) -> BookType:
    """The book of ``slug`` in ``catalog``, or the biên bản's own book (never in a catalog)."""
    return RECORD_BOOK if slug == RECORD_BOOK_SLUG else catalog.get(slug)


@dataclass(frozen=True)
class FindingLine:
    """One finding as the biên bản lists it (from the findings of the campaign on the school)."""

    text: str
    severity: str  # info | minor | major
    requested_fix: str = ""
    due_on: date | None = None
    state: str = "open"  # open | answered | closed
    target_label: str = ""

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def state_label(self) -> str:
        return FINDING_STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True)
class Member:
    """A person named in the biên bản: a team member or a representative of the school."""

    name: str
    position: str = ""
    person: str | None = None


@dataclass(frozen=True)
class RecordContent:
    """Everything the PDF prints, in the order of the legal layout."""

    unit_name: str
    campaign_name: str
    school_name: str
    place: str
    drafted_at: datetime
    head: Member
    team: tuple[Member, ...]
    school_representatives: tuple[Member, ...]
    school_year: str | None
    books: tuple[str, ...]
    findings: tuple[FindingLine, ...]
    conclusion: str
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Biên bản kiểm tra — {self.school_name} — {self.campaign_name}"


def default_conclusion(findings: tuple[FindingLine, ...]) -> str:
    """A neutral conclusion from the findings' counts, for the team to reword if it wishes."""
    if not findings:
        return "Đoàn kiểm tra không ghi nhận tồn tại nào trong phạm vi kiểm tra."
    still_open = sum(1 for f in findings if f.state != "closed")
    major = sum(1 for f in findings if f.severity == "major")
    text = f"Đoàn kiểm tra ghi nhận {len(findings)} nội dung"
    if major:
        text += f", trong đó {major} thiếu sót nghiêm trọng"
    text += "."
    if still_open:
        text += f" Nhà trường khắc phục {still_open} nội dung chưa hoàn thành theo thời hạn nêu trên."
    else:
        text += " Các nội dung đã được nhà trường khắc phục."
    return text


def team_with_head(head: Member, team: tuple[Member, ...]) -> tuple[Member, ...]:
    """The team as printed: the head first (trưởng đoàn), then the others, each once."""
    def same(m: Member) -> bool:
        return m.person == head.person if head.person and m.person else m.name == head.name

    return (head, *(m for m in team if not same(m)))
