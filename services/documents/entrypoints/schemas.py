"""Request and response models of the documents API (they also generate /openapi.json)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

#: Why a template may not carry deadlines (the 422's message after the field name).
DEADLINES_NOT_IN_CATALOG = ("không thuộc danh mục hồ sơ: hạn nộp của từng mục được đặt trong quy chế hạn nộp "
                            "(phân hệ phê duyệt, trang Quy chế), không gửi kèm loại hồ sơ")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class YearQuery(_Strict):
    school_year: str | None = Field(default=None, pattern=r"^\d{4}-\d{4}$")


class FolderQuery(_Strict):
    school_year: str | None = Field(default=None, pattern=r"^\d{4}-\d{4}$")
    book: str | None = None
    school: str | None = None
    campaign: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=300)


class GenerateFolders(_Strict):
    school_year: str = Field(pattern=r"^\d{4}-\d{4}$")


class UploadQuery(_Strict):
    book: str | None = Field(default=None, max_length=64)
    period: str | None = Field(default=None, max_length=32)
    owner_key: str | None = Field(default=None, max_length=128)
    title: str | None = Field(default=None, max_length=300)


class SearchQuery(_Strict):
    school_year: str | None = None
    book: str | None = None
    period: str | None = None
    unit_id: str | None = None
    owner: str | None = None
    status: Literal["draft", "approved", "signed"] | None = None
    q: str | None = Field(default=None, max_length=200)
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)
    school: str | None = None
    campaign: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=300)


class SimilarPlansQuery(_Strict):
    school_year: str | None = Field(default=None, pattern=r"^\d{4}-\d{4}$")
    school: str | None = Field(default=None, max_length=128)
    min: float = Field(default=0.8, ge=0.5, le=1.0)
    reason: str | None = Field(default=None, max_length=300)
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


class ReadQuery(_Strict):
    school: str | None = None
    campaign: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=300)
    rendition: Literal["pdf"] | None = None


class LinkRequest(_Strict):
    rendition: bool = False


MAX_LINK_EXPIRES = 253402300799  # 9999-12-31T23:59:59Z: any later "expiry" is not one we made
SIGNATURE_PATTERN = r"^[0-9a-f]{64}$"  # the hex HMAC-SHA256 SignedUrls.sign makes


class LinkQuery(_Strict):
    expires: int = Field(ge=0, le=MAX_LINK_EXPIRES)
    sig: str = Field(pattern=SIGNATURE_PATTERN)
    rendition: Literal["pdf"] | None = None
    school: str | None = None
    campaign: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=300)


class LockRequest(_Strict):
    book: str | None = None
    unit_id: str | None = None
    period: str | None = None
    school_year: str | None = Field(default=None, pattern=r"^\d{4}-\d{4}$")
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=3, max_length=500)


class ExportRequest(_Strict):
    kind: Literal["zip", "print"] = "zip"
    school_year: str = Field(pattern=r"^\d{4}-\d{4}$")
    book: str | None = None
    unit_id: str | None = None
    period: str | None = None
    """One period, or a month (``YYYY-MM``) meaning every week of that month for weekly books."""
    periods: list[str] = Field(default_factory=list, max_length=60)
    """Periods to include (e.g. the teaching weeks of one month, from the school calendar)."""


class TenantQuery(_Strict):
    tenant: str = Field(min_length=1, max_length=128)


class CorrectionQuery(_Strict):
    tenant: str = Field(min_length=1, max_length=128)
    correction_id: str = Field(min_length=1, max_length=128)


class ApprovedBody(_Strict):
    decision_id: str | None = Field(default=None, max_length=128)
    document_id: str | None = Field(default=None, min_length=1, max_length=128)


class ReferenceBody(_Strict):
    """A reference a service received from a person: checked against that person's slots."""

    version_id: str = Field(min_length=1, max_length=128)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    person: str = Field(min_length=1, max_length=128)
    roles: list[str] = Field(default_factory=list, max_length=50)
    unit_roles: list[tuple[str, str]] = Field(default_factory=list, max_length=200)


class BookOverrideBody(_Strict):
    formats: list[Literal["pdf", "docx", "xlsx", "jpeg", "png"]] | None = None
    max_bytes: int | None = Field(default=None, gt=0)
    retention_years: int | None = Field(default=None, gt=0, le=100)
    permanent: bool = False


class SignerBody(_Strict):
    order: int = Field(ge=1, le=10)
    role: str
    kind: Literal["personal", "organisation"] = "personal"


class ItemBody(_Strict):
    """A scheduled part of a book added by a template; its slug keys approvals' deadline rules."""

    slug: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    label: str = Field(min_length=2, max_length=200)
    period_kind: Literal["year", "semester", "month", "week", "event"]


class BookAdditionBody(_Strict):
    slug: str = Field(pattern=r"^[a-z][a-z0-9_]{2,40}$")
    name: str = Field(min_length=3, max_length=200)
    legal_basis: str = ""
    owner_kind: Literal["school", "unit", "class", "person"]
    owner_roles: list[str] = Field(min_length=1)
    owner_text: str = ""
    cadence: Literal["school_year", "semester", "month", "week", "event", "continuous"]
    # Not part of the API: a client still sending ``deadlines`` is told where deadlines are set.
    deadlines: SkipJsonSchema[object] = Field(default=None, exclude=True)
    approval_chain: str = "khong"
    signers: list[SignerBody] = Field(default_factory=list)
    formats: list[Literal["pdf", "docx", "xlsx", "jpeg", "png"]] = Field(min_length=1)
    max_bytes: int = Field(gt=0)
    retention_years: int | None = Field(default=None, gt=0, le=100)
    print_format: Literal["A4", "A3"] = "A4"
    items: list[ItemBody] = Field(default_factory=list, max_length=20)
    per_document: bool = False

    @field_validator("deadlines", mode="before")
    @classmethod
    def _deadlines_are_set_in_the_rules(cls, value: object) -> object:
        """Refuse a deadline sent with a book: when an item is due is approvals' fact (its quy chế)."""
        raise ValueError(DEADLINES_NOT_IN_CATALOG)


class TemplateBody(_Strict):
    additions: list[BookAdditionBody] = Field(default_factory=list)
    overrides: dict[str, BookOverrideBody] = Field(default_factory=dict)


# ----- the catalog a school is held to (internal, for approvals) ---------------------------------
class CatalogOwner(BaseModel):
    kind: Literal["school", "unit", "class", "person"]
    roles: list[str]
    contributors: list[str] = Field(default_factory=list)
    text: str = ""


class CatalogItem(BaseModel):
    slug: str
    label: str
    period_kind: Literal["year", "semester", "month", "week", "event"]


class CatalogSigner(BaseModel):
    order: int
    role: str
    kind: Literal["personal", "organisation"]


class CatalogBook(BaseModel):
    slug: str
    name: str
    levels: list[str]
    owner: CatalogOwner
    items: list[CatalogItem]
    per_document: bool
    approval_chain: str
    signers: list[CatalogSigner]
    external_system: str | None = None
    defined_by: str


class SchoolCatalog(BaseModel):
    """Every book a school owes, by level; ``version`` is a hash of the content (changes with any template)."""

    school: str
    version: str
    levels: list[str]
    books: list[CatalogBook]



# ----- inspection findings (kết luận kiểm tra) ----------------------------------------------------
class FindingTargetBody(_Strict):
    """What a finding is about: a document, a book (book type + period, of a teacher), a teacher or the school."""

    kind: Literal["document", "book", "teacher", "school"]
    document: str | None = Field(default=None, max_length=128)
    book: str | None = Field(default=None, max_length=64)
    period: str | None = Field(default=None, max_length=32)
    teacher: str | None = Field(default=None, max_length=128)


class FindingBody(_Strict):
    school: str = Field(min_length=1, max_length=128)
    campaign: str = Field(min_length=1, max_length=64)
    target: FindingTargetBody
    severity: Literal["info", "minor", "major"]
    text: str = Field(min_length=3, max_length=4000)
    requested_fix: str | None = Field(default=None, max_length=2000)
    due_on: date | None = None


class FindingQuery(_Strict):
    campaign: str | None = Field(default=None, max_length=64)
    school: str | None = Field(default=None, max_length=128)
    state: Literal["open", "answered", "closed"] | None = None
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


class FindingAnswerBody(_Strict):
    text: str = Field(min_length=3, max_length=4000)
    #: a version of the school's records attached as the fix
    version_id: str | None = Field(default=None, min_length=1, max_length=128)


class FindingCloseBody(_Strict):
    #: required when the school has not answered
    note: str | None = Field(default=None, max_length=2000)
# ----- inspection records (biên bản kiểm tra) ------------------------------------------------------
class RecordPerson(_Strict):
    """A person named in the biên bản (a team member, a representative of the school)."""

    name: str = Field(min_length=1, max_length=120)
    position: str = Field(default="", max_length=120)
    person: str | None = Field(default=None, max_length=128, description="username, for team members")


class InspectionRecordBody(_Strict):
    """Draft the biên bản of a school in a campaign (a member of the campaign's team).

    The campaign grant in the drafter's token names no head: the drafter names the head
    (``head``, ``head_name``); only a team member can then sign it (their token carries the campaign).
    """

    campaign: str = Field(min_length=1, max_length=64)
    school: str = Field(min_length=1, max_length=128)
    head: str = Field(min_length=1, max_length=128, description="username of the head of the team (trưởng đoàn)")
    head_name: str = Field(min_length=1, max_length=120)
    head_position: str = Field(default="", max_length=120)
    campaign_name: str | None = Field(default=None, max_length=200)
    unit_name: str | None = Field(default=None, max_length=200, description="the oversight unit, top left")
    place: str | None = Field(default=None, max_length=200)
    team: list[RecordPerson] = Field(default_factory=list, max_length=30)
    school_representatives: list[RecordPerson] = Field(default_factory=list, max_length=10)
    conclusion: str | None = Field(default=None, max_length=4000)


class InspectionRecordQuery(_Strict):
    campaign: str | None = Field(default=None, max_length=64)
    school: str | None = Field(default=None, max_length=128)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)


class RecordSignedBody(_Strict):
    version_id: str = Field(min_length=1, max_length=64)
    signed_by: str = Field(min_length=1, max_length=128)
    signed_at: datetime
