"""Bulk import of a school's staff from an Excel workbook laid out like the sector database
(CSDL ngành) staff export: Họ và tên, Ngày sinh, Mã định danh (or Mã cán bộ), Chức vụ (or Vị
trí), Tổ, Email, Số điện thoại.

The workbook is read in openpyxl's read-only mode, row by row. The header is found among the
first rows by the known column names, also when it spans two rows under merged group cells
(e.g. "Liên hệ" over Email | Số điện thoại) and when a row of column numbers follows it. A dry
run reports every problem of every row (duplicates included) in one pass, by row number and
column, in Vietnamese; 12-digit staff ids that lost leading zeros in Excel are restored with a
warning on the row. Applying refuses a file that still has problems and is
idempotent (people are matched by staff id, e-mail or phone; existing roles are left alone).
Names are stored in NFC whatever normalisation the file used.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import chain, islice
from zipfile import BadZipFile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from services.identity.adapters.documents import IdentityMembershipDoc, IdentityPersonDoc, IdentityUnitDoc
from services.identity.adapters.repositories import SchoolRepository, UnitRepository
from services.identity.domain.errors import IdentityError
from services.identity.domain.org import clean_name
from services.identity.domain.people import (
    PersonProfile, normalise_email, normalise_phone, normalise_staff_id,
)
from services.identity.service_layer.access import Access
from services.identity.service_layer.admin import AdminService
from services.kernel.clock import Clock
from services.kernel.errors import ValidationFailed
from services.kernel.principal import Principal

MAX_ROWS = 5000
#: the header (its first row) is looked for in this many rows at the top of the sheet
HEADER_SCAN_ROWS = 15
#: the personal identification number (số định danh cá nhân, CCCD) used as staff id has 12 digits
#: and starts with a 0 for every province code (001–096); Excel stores it as a number and drops
#: the zeros, leaving 10 or 11 digits
STAFF_ID_DIGITS = 12

COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": ("họ và tên", "họ tên"),
    "birth_date": ("ngày sinh",),
    "staff_id": ("mã định danh", "mã cán bộ", "mã định danh/mã cán bộ"),
    "position": ("chức vụ", "vị trí", "chức vụ/vị trí", "vị trí việc làm"),
    "unit": ("tổ", "tổ chuyên môn", "tổ/bộ phận"),
    "email": ("email", "thư điện tử", "e-mail"),
    "phone": ("số điện thoại", "điện thoại", "sđt"),
}
COLUMN_TITLES = {
    "full_name": "Họ và tên", "birth_date": "Ngày sinh", "staff_id": "Mã định danh", "position": "Chức vụ",
    "unit": "Tổ", "email": "Email", "phone": "Số điện thoại",
}

#: Position as written in the export → the roles it gives (a tổ role also teaches in the tổ).
POSITIONS: dict[str, tuple[str, ...]] = {
    "phó hiệu trưởng": ("pho_hieu_truong",),
    "tổ trưởng": ("to_truong", "giao_vien"),
    "tổ trưởng chuyên môn": ("to_truong", "giao_vien"),
    "tổ phó": ("to_pho", "giao_vien"),
    "tổ phó chuyên môn": ("to_pho", "giao_vien"),
    "giáo viên": ("giao_vien",),
    "tổng phụ trách đội": ("tong_phu_trach",),
    "văn thư": ("van_thu",),
    "nhân viên văn thư": ("van_thu",),
    "kế toán": ("ke_toan",),
    "nhân viên kế toán": ("ke_toan",),
    "nhân viên": (),
    "cán bộ quản trị": ("quan_tri",),
}
UNIT_ROLES_NEEDING_TO = {"to_truong", "to_pho"}


def _key(text: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).casefold().split())


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in folded if not unicodedata.combining(c))


def _header_key(value: Any) -> str:
    """A header cell as compared with the known names: NFC, casefolded, single spaces, without
    "(*)" marks, parenthesised notes and a trailing colon."""
    text = re.sub(r"\([^)]*\)|\*", " ", unicodedata.normalize("NFC", str(value or "")))
    return _key(text).rstrip(":").strip()


def _column_of(value: Any) -> str | None:
    text = _header_key(value)
    return next((name for name, aliases in COLUMNS.items() if text and text in aliases), None)


def _match(row: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        name = _column_of(value)
        if name is not None and name not in found:
            found[name] = index
    return found


def _match_two(parent: Sequence[Any], child: Sequence[Any]) -> dict[str, int]:
    """Columns of a two-row header: a merged group cell over its sub-columns (only the group's
    first cell holds its text), and single cells merged down over both rows (only the top one
    holds it). A sub-column's own name wins; "group sub-column" is tried next; an empty
    sub-column takes the group's (or the merged cell's) name."""
    found: dict[str, int] = {}
    group = None
    for index in range(max(len(parent), len(child))):
        top = parent[index] if index < len(parent) else None
        sub = child[index] if index < len(child) else None
        if top not in (None, ""):
            group = top
        elif sub in (None, ""):
            group = None  # an empty cell in both rows ends a group
        if sub not in (None, ""):
            name = _column_of(sub) or (_column_of(f"{group} {sub}") if group not in (None, "") else None)
        else:
            name = _column_of(top)
        if name is not None and name not in found:
            found[name] = index
    return found


def find_header(top: Sequence[Sequence[Any]]) -> tuple[dict[str, int], int] | None:
    """The header among the sheet's first rows: the columns found and the index of the header's
    last row. It is the row (or pair of rows) naming the most known columns, «Họ và tên» among
    them; a second row counts only when it adds columns."""
    best: tuple[dict[str, int], int] | None = None
    for i, row in enumerate(top[:HEADER_SCAN_ROWS]):
        options = [(_match(row), i)]
        if i + 1 < len(top):
            options.append((_match_two(row, top[i + 1]), i + 1))
        for columns, last in options:
            if "full_name" in columns and (best is None or len(columns) > len(best[0])):
                best = (columns, last)
    return best


def _is_numbering(values: Sequence[Any]) -> bool:
    """A row of column numbers under a header ("(1) (2) (3)…" or "1 2 3…", "A B C…")."""
    cells = [str(v).strip() for v in values if v not in (None, "")]
    return len(cells) >= 3 and all(re.fullmatch(r"\(?(\d{1,2}|[A-Za-z])\)?", c) for c in cells)


def restore_staff_id(value: Any) -> tuple[Any, str | None]:
    """A staff id as read, with the leading zeros Excel dropped put back: 10 or 11 digits become the
    12 of a personal identification number. Returns the value to check and the warning to show
    (None when nothing was changed)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    if text.isdigit() and STAFF_ID_DIGITS - 2 <= len(text) < STAFF_ID_DIGITS:
        restored = text.zfill(STAFF_ID_DIGITS)
        return restored, (f"Mã định danh «{text}» chỉ có {len(text)} chữ số (Excel đã bỏ số 0 ở đầu); "
                          f"đã khôi phục thành «{restored}».")
    return value, None


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    problem: str


@dataclass
class StaffRow:
    row: int
    full_name: str
    birth_date: date | None
    staff_id: str | None
    position: str
    roles: tuple[str, ...]
    unit_id: str | None
    email: str | None
    phone: str | None


@dataclass
class ImportReport:
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    #: things changed while reading (restored leading zeros); they do not block applying
    warnings: list[RowProblem] = field(default_factory=list)
    new_people: int = 0
    existing_people: int = 0
    new_roles: int = 0
    invitations: int = 0
    created_accounts: list[dict[str, str]] = field(default_factory=list)
    applied: bool = False


class StaffImportService:
    def __init__(self, *, admin: AdminService, access: Access, clock: Clock) -> None:
        self._admin = admin
        self._access = access
        self._clock = clock

    def run(self, principal: Principal, school_id: str, stream: IO[bytes], *, apply: bool) -> ImportReport:
        """Check (and, when ``apply`` and the file is clean, import) a staff workbook for the school."""
        scope, actor = self._access.write_scope(principal, school_id)
        school = SchoolRepository(scope=scope).get(school_id)
        units = {(_key(u.name)): u for u in UnitRepository(scope=scope).query()}
        units.update({_key(u.slug): u for u in units.values()})
        report = ImportReport()
        rows = list(self._read(stream, units, report))
        plans = [self._plan(r, school_id) for r in rows]
        for row, (person, new_roles) in zip(rows, plans):
            if person is None:
                report.new_people += 1
            elif new_roles is None:
                report.invitations += 1  # an account held elsewhere: invited, never linked (AdminService.link_person)
                continue
            else:
                report.existing_people += 1
            report.new_roles += len(new_roles)
        if not apply or report.problems:
            return report
        for row in rows:
            profile = self._profile(row, school_id, report)
            if profile is None:
                continue
            roles = [(role, row.unit_id if role != "pho_hieu_truong" else None) for role in row.roles]
            done = self._admin.link_person(profile, school, roles, actor=actor, position=row.position)
            if done.person is not None and done.temporary_password:
                report.created_accounts.append({"username": done.person.id, "full_name": done.person.full_name,
                                                "temporary_password": done.temporary_password})
        report.applied = not report.problems
        return report

    # -- reading ---------------------------------------------------------------------------------
    def _read(self, stream: IO[bytes], units: dict[str, IdentityUnitDoc], report: ImportReport) -> list[StaffRow]:
        """The clean rows of the workbook; every problem of every row lands in ``report`` (sorted by row)."""
        try:
            wb = load_workbook(stream, read_only=True, data_only=True)
        except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ValidationFailed("Tệp không phải bảng tính Excel (.xlsx) hợp lệ.", field="file") from exc
        rows: list[StaffRow] = []
        keys: list[tuple[int, list[tuple[str, str]]]] = []
        try:
            sheet = wb.worksheets[0].iter_rows(values_only=True)
            top = list(islice(sheet, HEADER_SCAN_ROWS + 1))
            header = find_header(top)
            if header is None:
                raise ValidationFailed("Không tìm thấy dòng tiêu đề (cần có cột «Họ và tên»).", field="file")
            columns, last = header
            missing = [COLUMN_TITLES[c] for c in ("full_name", "position") if c not in columns]
            if missing:
                raise ValidationFailed("Thiếu cột: " + ", ".join(missing) + ".", field="file")
            for number, values in enumerate(chain(top[last + 1:], sheet), start=last + 2):
                if all(v in (None, "") for v in values) or (number == last + 2 and _is_numbering(values)):
                    continue
                report.rows += 1
                if report.rows > MAX_ROWS:
                    report.problems.append(RowProblem(number, "", f"Tệp có hơn {MAX_ROWS} dòng; hãy chia nhỏ tệp."))
                    break
                row, row_keys = self._row(number, values, columns, units, report)
                keys.append((number, row_keys))
                if row is not None:
                    rows.append(row)
        finally:
            wb.close()
        bad = self._duplicates(keys, report)
        report.problems.sort(key=lambda p: p.row)
        return [r for r in rows if r.row not in bad]

    def _row(self, number: int, values: tuple[Any, ...], columns: dict[str, int], units: dict[str, IdentityUnitDoc],
             report: ImportReport) -> tuple[StaffRow | None, list[tuple[str, str]]]:
        """One data row checked in full: the row (None when it has problems) and its identifying
        values that could be read (staff id, e-mail, phone), for the duplicate check."""
        def cell(name: str) -> Any:
            index = columns.get(name)
            return values[index] if index is not None and index < len(values) else None

        problems: list[RowProblem] = []

        def check(name: str, fn):
            try:
                return fn(cell(name))
            except IdentityError as exc:
                problems.append(RowProblem(number, COLUMN_TITLES[name], exc.message))
                return None

        full_name = check("full_name", lambda v: clean_name(str(v or ""), field_name="full_name"))
        birth = None
        raw_birth = cell("birth_date")
        if isinstance(raw_birth, datetime):
            birth = raw_birth.date()
        elif isinstance(raw_birth, date):
            birth = raw_birth
        elif raw_birth not in (None, ""):
            m = re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*", str(raw_birth))
            try:
                birth = date(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None
            except ValueError:
                birth = None
            if birth is None:
                problems.append(RowProblem(number, "Ngày sinh", "Ngày sinh không hợp lệ (dạng ngày/tháng/năm)."))
        raw_id, restored = restore_staff_id(cell("staff_id"))
        staff_id = check("staff_id", lambda _: normalise_staff_id(raw_id))
        if restored is not None and staff_id is not None:
            report.warnings.append(RowProblem(number, COLUMN_TITLES["staff_id"], restored))
        email = check("email", lambda v: normalise_email(str(v) if v is not None else None))
        phone = check("phone", normalise_phone)
        if not email and not phone and not any(p.column in ("Email", "Số điện thoại") for p in problems):
            problems.append(RowProblem(number, "Email", "Cần ít nhất email hoặc số điện thoại."))
        position = clean_name(str(cell("position") or "-"))
        roles = POSITIONS.get(_key(position))
        if _key(position) == "hiệu trưởng":
            problems.append(RowProblem(number, "Chức vụ", "Hiệu trưởng do phòng GD&ĐT bổ nhiệm, không nhập qua tệp."))
        elif roles is None:
            problems.append(RowProblem(number, "Chức vụ", f"Chức vụ «{position}» không được hỗ trợ."))
        unit_text = _key(cell("unit"))
        unit = units.get(unit_text) if unit_text else None
        if unit_text and unit is None:
            problems.append(RowProblem(number, "Tổ", f"Trường chưa có tổ «{clean_name(str(cell('unit')))}»."))
        elif unit is not None and unit.kind == "lop":
            problems.append(RowProblem(number, "Tổ", "Cột «Tổ» phải là một tổ, không phải một lớp."))
        elif roles and UNIT_ROLES_NEEDING_TO & set(roles) and unit is None:
            problems.append(RowProblem(number, "Tổ", "Tổ trưởng và tổ phó phải ghi rõ tổ."))
        report.problems.extend(problems)
        keys = [(column, value) for column, value in (("Mã định danh", staff_id), ("Email", email),
                                                      ("Số điện thoại", phone)) if value]
        if problems:
            return None, keys
        return StaffRow(number, full_name, birth, staff_id, position, roles or (), unit.id if unit else None, email, phone), keys

    @staticmethod
    def _duplicates(keys: list[tuple[int, list[tuple[str, str]]]], report: ImportReport) -> set[int]:
        """Report every row repeating another row's staff id, e-mail or phone (whatever else is
        wrong with either row); returns the rows reported."""
        seen: dict[tuple[str, str], int] = {}
        bad: set[int] = set()
        for number, row_keys in keys:
            for column, value in row_keys:
                first = seen.setdefault((column, value), number)
                if first != number:
                    report.problems.append(RowProblem(number, column, f"Trùng với dòng {first}."))
                    bad.add(number)
        return bad

    # -- planning --------------------------------------------------------------------------------
    def _existing(self, row: StaffRow) -> IdentityPersonDoc | None:
        for name, value in (("staff_id", row.staff_id), ("email", row.email), ("phone", row.phone)):
            if value:
                found = IdentityPersonDoc.objects(**{name: value}).only("id").first()
                if found is not None:
                    return found
        return None

    def _plan(self, row: StaffRow, school_id: str) -> tuple[IdentityPersonDoc | None, list[str] | None]:
        """(existing account, roles to add); roles are None when the account holds no role in the
        school, so applying only invites them (the linking rule of ``AdminService.link_person``)."""
        person = self._existing(row)
        if person is None:
            return None, list(row.roles)
        held = {(m.role, m.unit_id) for m in IdentityMembershipDoc.objects(person_id=person.id, tenant_id=school_id, active=True)}
        if not held:
            return person, None
        return person, [r for r in row.roles if (r, row.unit_id if r != "pho_hieu_truong" else None) not in held]

    def _username(self, row: StaffRow, school_id: str) -> str:
        base = row.email.split("@")[0] if row.email else f"u{row.phone}"
        base = re.sub(r"[^a-z0-9._-]", "", _ascii(base).lower()).strip("._-")[:50] or "nguoidung"
        for candidate in (base, f"{base}.{school_id}"[:64]):
            if self._admin.username_free(candidate):
                return candidate
        return f"{base}.{row.row}.{school_id}"[:64]

    def _profile(self, row: StaffRow, school_id: str, report: ImportReport) -> PersonProfile | None:
        try:
            return PersonProfile.create(username=self._username(row, school_id), full_name=row.full_name,
                                        email=row.email, phone=row.phone, staff_id=row.staff_id, birth_date=row.birth_date)
        except IdentityError as exc:
            report.problems.append(RowProblem(row.row, "", exc.message))
            return None
