"""People (one account per person) and their memberships (roles in a school, unit, district or province)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from services.identity.domain.errors import InvalidValue, RuleViolation
from services.identity.domain.org import clean_name
from services.identity.domain.roles import ROLE_LEVELS, UNIT_ROLES, RoleLevel

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_STAFF_ID = re.compile(r"^[A-Za-z0-9._/-]{3,40}$")


def normalise_username(value: str) -> str:
    """Usernames are lowercase ASCII (letters, digits, ``.``, ``_``, ``-``)."""
    text = (value or "").strip().lower()
    if not _USERNAME.match(text):
        raise InvalidValue(
            "Tên đăng nhập gồm 2–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang.",
            field="username",
        )
    return text


def normalise_email(value: str | None) -> str | None:
    """Lowercased, trimmed e-mail address, or None when empty."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if not _EMAIL.match(text) or len(text) > 254:
        raise InvalidValue("Địa chỉ thư điện tử không hợp lệ.", field="email")
    return text


def normalise_phone(value: str | int | None) -> str | None:
    """A Vietnamese phone number as ten digits starting with 0 (``+84``/``84`` prefixes folded), or None."""
    text = re.sub(r"[\s.()-]", "", str(value or "")).strip()
    if not text:
        return None
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) == 11:
        text = "0" + text[2:]
    elif len(text) == 9 and text.isdigit():
        text = "0" + text  # spreadsheets drop the leading zero of numbers
    if not (text.isdigit() and len(text) == 10 and text.startswith("0")):
        raise InvalidValue("Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0.", field="phone")
    return text


def normalise_staff_id(value: str | int | None) -> str | None:
    """The national staff id (mã định danh / mã cán bộ) trimmed, or None when empty."""
    text = str(value or "").strip()
    if not text:
        return None
    if not _STAFF_ID.match(text):
        raise InvalidValue("Mã định danh chỉ gồm chữ, số và các ký tự . _ / - (3–40 ký tự).", field="staff_id")
    return text


def normalise_login(value: str) -> str:
    """How a typed login (username or e-mail) is compared and throttled: trimmed, NFC, lowercase."""
    return unicodedata.normalize("NFC", (value or "").strip()).lower()


@dataclass(frozen=True)
class PersonProfile:
    """What identifies a person and how to reach them; validated and normalised."""

    username: str
    full_name: str
    email: str | None
    phone: str | None
    staff_id: str | None
    birth_date: date | None

    @classmethod
    def create(
        cls, *, username: str, full_name: str, email: str | None = None, phone: str | None = None,
        staff_id: str | None = None, birth_date: date | None = None,
    ) -> "PersonProfile":
        email_n = normalise_email(email)
        phone_n = normalise_phone(phone)
        if not email_n and not phone_n:
            raise InvalidValue("Cần ít nhất thư điện tử hoặc số điện thoại.", field="email")
        return cls(
            username=normalise_username(username),
            full_name=clean_name(full_name, field_name="full_name"),
            email=email_n, phone=phone_n, staff_id=normalise_staff_id(staff_id), birth_date=birth_date,
        )


@dataclass(frozen=True)
class Membership:
    """A role held by a person: in a school (optionally one unit of it), a district or a province."""

    person_id: str
    role: str
    school_id: str | None
    unit_id: str | None
    district_id: str | None
    province_id: str | None

    @property
    def key(self) -> str:
        """A stable id for the membership (one person holds a role in a place once)."""
        place = self.unit_id or self.school_id or self.district_id or self.province_id
        return f"{self.person_id}|{self.role}|{place}"

    @classmethod
    def create(
        cls, *, person_id: str, role: str, school_id: str | None = None, unit_id: str | None = None,
        district_id: str | None = None, province_id: str | None = None,
    ) -> "Membership":
        """Validate where ``role`` may be held; a unit must be one of the school's units."""
        level = ROLE_LEVELS.get(role)
        if level is None:
            raise InvalidValue("Vai trò không tồn tại.", field="role")
        if level is RoleLevel.SCHOOL:
            if not school_id or not district_id or not province_id:
                raise RuleViolation("Vai trò này phải gắn với một trường.", field="school_id")
            if role in UNIT_ROLES and not unit_id:
                raise RuleViolation("Tổ trưởng và tổ phó phải gắn với một tổ.", field="unit_id")
            if unit_id and not unit_id.startswith(f"{school_id}/"):
                raise RuleViolation("Đơn vị không thuộc trường này.", field="unit_id")
        elif level is RoleLevel.DISTRICT:
            if not district_id or school_id or unit_id:
                raise RuleViolation("Vai trò cấp phòng chỉ gắn với một phòng GD&ĐT.", field="role")
        else:
            if not province_id or district_id or school_id or unit_id:
                raise RuleViolation("Vai trò cấp sở chỉ gắn với một sở GD&ĐT.", field="role")
        return cls(person_id, role, school_id, unit_id, district_id, province_id)
