"""The organisation tree: province (Sở) → oversight unit → school (tenant) → units.

The oversight unit is what the code calls a *district*: a legacy district office (Phòng GD&ĐT)
or, since the two-tier local government of 1 July 2025, the People's Committee of a commune or
ward (UBND xã/phường, through its culture–society office). Its ``kind`` says which; its name is
the one people use ("Phòng GD&ĐT huyện Hòa Vang", "UBND phường Hải Châu").

Identifiers are deterministic and readable: a province, district or school id is its slug and a
unit id is ``"<school slug>/<unit slug>"``, so every service's demo seed refers to the same ids.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum

from services.identity.domain.errors import InvalidValue

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Level(str, Enum):
    """Education level a school teaches (a school may teach several)."""

    MAM_NON = "mam_non"
    TIEU_HOC = "tieu_hoc"
    THCS = "thcs"
    THPT = "thpt"


class OversightKind(str, Enum):
    """What an oversight unit is: a legacy district office, or a commune's or ward's People's Committee."""

    PHONG_GDDT = "phong_gddt"
    UBND_XA = "ubnd_xa"
    UBND_PHUONG = "ubnd_phuong"


#: How the pages name each kind of oversight unit.
OVERSIGHT_KIND_NAMES: dict[OversightKind, str] = {
    OversightKind.PHONG_GDDT: "Phòng GD&ĐT",
    OversightKind.UBND_XA: "UBND xã",
    OversightKind.UBND_PHUONG: "UBND phường",
}


def oversight_kind(value: str) -> OversightKind:
    """The kind named by ``value``; refuses anything else."""
    try:
        return OversightKind(value)
    except ValueError:
        raise InvalidValue("Loại đơn vị quản lý không hợp lệ (Phòng GD&ĐT, UBND xã hoặc UBND phường).",
                           field="kind") from None


class UnitKind(str, Enum):
    """Kind of unit inside a school."""

    TO_CHUYEN_MON = "to_chuyen_mon"
    TO_VAN_PHONG = "to_van_phong"
    LOP = "lop"


def check_slug(value: str, *, field_name: str = "slug") -> str:
    """Return ``value`` when it is a lowercase ASCII slug (``a-z``, ``0-9``, single hyphens)."""
    if not isinstance(value, str) or not _SLUG.match(value) or len(value) > 64:
        raise InvalidValue(
            "Mã định danh chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang (tối đa 64 ký tự).",
            field=field_name,
        )
    return value


def clean_name(value: str, *, field_name: str = "name") -> str:
    """A display name in NFC with runs of whitespace collapsed; refuses an empty name."""
    text = " ".join(unicodedata.normalize("NFC", value or "").split())
    if not text:
        raise InvalidValue("Tên không được để trống.", field=field_name)
    if len(text) > 200:
        raise InvalidValue("Tên dài quá 200 ký tự.", field=field_name)
    return text


def unit_id(school_slug: str, unit_slug: str) -> str:
    """The id of a unit: ``"<school slug>/<unit slug>"``."""
    return f"{school_slug}/{unit_slug}"


@dataclass(frozen=True)
class Province:
    id: str
    name: str

    @classmethod
    def create(cls, slug: str, name: str) -> "Province":
        return cls(id=check_slug(slug), name=clean_name(name))


@dataclass(frozen=True)
class District:
    """An oversight unit of a province (see the module docstring); ``name`` is its display name."""

    id: str
    name: str
    province_id: str
    kind: OversightKind = OversightKind.PHONG_GDDT

    @classmethod
    def create(cls, slug: str, name: str, province_id: str, kind: str = OversightKind.PHONG_GDDT.value) -> "District":
        return cls(id=check_slug(slug), name=clean_name(name), province_id=province_id, kind=oversight_kind(kind))


@dataclass(frozen=True)
class Unit:
    id: str
    slug: str
    name: str
    kind: UnitKind
    school_id: str
    level: Level | None = None  # the level a unit serves in a school of several; None: every level

    @classmethod
    def create(cls, school_id: str, slug: str, name: str, kind: str, level: str | None = None,
               school_levels: tuple[Level, ...] | None = None) -> "Unit":
        """A unit; ``level`` (one of the school's levels) says which level's books its people owe."""
        try:
            unit_kind = UnitKind(kind)
        except ValueError:
            raise InvalidValue("Loại đơn vị không hợp lệ (tổ chuyên môn, tổ văn phòng hoặc lớp).", field="kind") from None
        check_slug(slug, field_name="slug")
        unit_level = None
        if level:
            try:
                unit_level = Level(level)
            except ValueError:
                raise InvalidValue("Cấp học của đơn vị không hợp lệ.", field="level") from None
            if school_levels is not None and unit_level not in school_levels:
                raise InvalidValue("Cấp học của đơn vị không phải cấp học của trường.", field="level")
        return cls(id=unit_id(school_id, slug), slug=slug, name=clean_name(name), kind=unit_kind, school_id=school_id,
                   level=unit_level)


@dataclass(frozen=True)
class School:
    id: str
    slug: str
    name: str
    levels: tuple[Level, ...]
    district_id: str
    province_id: str
    units: tuple[Unit, ...] = field(default_factory=tuple)

    @classmethod
    def create(
        cls, *, slug: str, name: str, levels: list[str] | tuple[str, ...], district: District,
        units: list[tuple[str, ...]] | tuple[tuple[str, ...], ...] = (),
    ) -> "School":
        """Validate a new school of ``district`` with its units given as (slug, name, kind[, level])."""
        check_slug(slug)
        if not levels:
            raise InvalidValue("Trường phải có ít nhất một cấp học.", field="levels")
        try:
            parsed_levels = tuple(dict.fromkeys(Level(level) for level in levels))
        except ValueError:
            raise InvalidValue("Cấp học không hợp lệ (mầm non, tiểu học, THCS, THPT).", field="levels") from None
        built_units = tuple(Unit.create(slug, u[0], u[1], u[2], u[3] if len(u) > 3 else None, parsed_levels)
                            for u in units)
        seen: set[str] = set()
        for unit in built_units:
            if unit.slug in seen:
                raise InvalidValue(f"Đơn vị “{unit.slug}” bị trùng.", field="units")
            seen.add(unit.slug)
        return cls(
            id=slug, slug=slug, name=clean_name(name), levels=parsed_levels,
            district_id=district.id, province_id=district.province_id, units=built_units,
        )
