"""Approval chains as data: stages of steps resolved against the submitter.

A chain is a list of *stages* run in order; the steps of one stage run in parallel.
A step names a role and where it is looked up: ``unit`` (the holder of the role in the
submitter's tổ, e.g. the tổ trưởng) or ``school`` (any holder in the school, e.g. the
PHT, the principal). A ``check`` step reads and comments without blocking; an
``approve`` step must approve before the next stage starts, and any approver can
return the submission. After approval a book may need *signatures* in a given order
(signers of one order sign in parallel) and an *issue* by a role (văn thư).

A chain is resolved when a document is submitted and the resolved chain is kept on
the submission, so changing a school's chain never changes work already in flight.
A step whose role the submitter holds in that unit is raised to the PHT (a tổ trưởng
does not approve their own lesson plan).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.approvals.domain.errors import InvalidRule

SCHOOL_ROLES = frozenset({
    "hieu_truong", "pho_hieu_truong", "to_truong", "to_pho", "giao_vien", "tong_phu_trach",
    "van_thu", "ke_toan", "quan_tri",
})
SIGNING_ROLES = SCHOOL_ROLES | {"gvcn"}  # the giáo viên chủ nhiệm of the submitter's class
ESCALATION = {"to_truong": "pho_hieu_truong", "pho_hieu_truong": "hieu_truong"}

RoleSlug = Annotated[str, Field(min_length=2, max_length=40)]


class StepSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    role: RoleSlug
    scope: Literal["unit", "school"] = "school"
    mode: Literal["approve", "check"] = "approve"

    @model_validator(mode="after")
    def _known(self) -> "StepSpec":
        if self.role not in SCHOOL_ROLES:
            raise ValueError(f"vai trò “{self.role}” không có trong trường")
        return self


class SigningSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    order: Annotated[int, Field(ge=1, le=10)]
    role: RoleSlug
    signer: Literal["submitter", "any"] = "any"
    organisation: bool = False  # the school's seal (chữ ký số của cơ quan), applied by the văn thư

    @model_validator(mode="after")
    def _known(self) -> "SigningSpec":
        if self.role not in SIGNING_ROLES:
            raise ValueError(f"vai trò “{self.role}” không có trong trường")
        return self


class ChainSpec(BaseModel):
    """The approval chain of one book type in one school."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    stages: tuple[tuple[StepSpec, ...], ...] = ()
    signing: tuple[SigningSpec, ...] = ()
    issue_role: RoleSlug | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ChainSpec":
        for i, stage in enumerate(self.stages):
            if not stage:
                raise ValueError(f"bước {i + 1} không có người xử lý")
        orders = sorted({s.order for s in self.signing})
        if orders and orders != list(range(1, len(orders) + 1)):
            raise ValueError("thứ tự ký phải liên tục từ 1")
        if self.issue_role is not None and self.issue_role not in SCHOOL_ROLES:
            raise ValueError(f"vai trò “{self.issue_role}” không có trong trường")
        return self


def parse_chain(data: object, *, field: str = "chain") -> ChainSpec:
    """Validate a chain from JSON-like data with a Vietnamese error naming the field."""
    try:
        return ChainSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        where = f"{field}.{loc}" if loc else field
        text = str(err.get("ctx", {}).get("error") or "giá trị không hợp lệ")
        raise InvalidRule(f"Quy trình duyệt không hợp lệ ở “{where}”: {text}.", field=where) from None


@dataclass(frozen=True)
class ResolvedStep:
    """A step bound to a submission: ``unit`` is set for steps looked up in the submitter's tổ."""

    stage: int
    role: str
    unit: str | None
    mode: str

    def to_data(self) -> dict:
        return {"stage": self.stage, "role": self.role, "unit": self.unit, "mode": self.mode}


@dataclass(frozen=True)
class ResolvedSigning:
    order: int
    role: str
    signer: str | None  # a person id, or None for any holder of the role
    organisation: bool = False

    def to_data(self) -> dict:
        return {"order": self.order, "role": self.role, "signer": self.signer, "organisation": self.organisation}


def resolve_chain(
    chain: ChainSpec, *, submitter: str, unit: str | None, submitter_unit_roles: frozenset[tuple[str, str]],
) -> tuple[list[ResolvedStep], list[ResolvedSigning]]:
    """Bind a chain to a submitter and their tổ; raise a step the submitter would own themselves."""
    steps: list[ResolvedStep] = []
    for i, stage in enumerate(chain.stages):
        for spec in stage:
            role, step_unit = spec.role, (unit if spec.scope == "unit" else None)
            while step_unit is not None and (role, step_unit) in submitter_unit_roles and role in ESCALATION:
                role, step_unit = ESCALATION[role], None
            steps.append(ResolvedStep(i, role, step_unit, spec.mode))
    signing = [
        ResolvedSigning(s.order, s.role, submitter if s.signer == "submitter" else None, s.organisation)
        for s in sorted(chain.signing, key=lambda s: s.order)
    ]
    return steps, signing
