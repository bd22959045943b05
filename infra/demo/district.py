"""The demo district: one Phòng GD&ĐT, three schools of different levels, staff in every role,
and one teacher who teaches in two of the schools.

Plain data only; each service's ``seed_demo`` turns it into its own records. Every
name is NFC Vietnamese with diacritics. The demo password is printed by the
all-in-one runner; it is for the demo only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

DEMO_PASSWORD = "HoSo@2026"


@dataclass(frozen=True)
class DemoPerson:
    """A person of the demo, with the roles they hold (role, unit slug or None)."""

    username: str
    full_name: str
    email: str
    roles: tuple[tuple[str, str | None], ...]
    gvcn_of: str | None = None


@dataclass(frozen=True)
class DemoUnit:
    slug: str
    name: str
    kind: str  # "to_chuyen_mon" | "to_van_phong" | "lop"


@dataclass(frozen=True)
class DemoSchool:
    slug: str
    name: str
    levels: tuple[str, ...]  # "mam_non" | "tieu_hoc" | "thcs" | "thpt"
    units: tuple[DemoUnit, ...]
    people: tuple[DemoPerson, ...]


@dataclass(frozen=True)
class DemoDistrict:
    slug: str
    name: str
    province_slug: str
    province_name: str
    staff: tuple[DemoPerson, ...]
    schools: tuple[DemoSchool, ...] = field(default_factory=tuple)


def _school_people(prefix: str, domain: str, names: dict[str, str], team: str, lop: str) -> tuple[DemoPerson, ...]:
    def p(key: str, roles: tuple[tuple[str, str | None], ...], gvcn_of: str | None = None) -> DemoPerson:
        return DemoPerson(f"{prefix}.{key}", names[key], f"{prefix}.{key}@{domain}", roles, gvcn_of)

    return (
        p("hieutruong", (("hieu_truong", None),)),
        p("phohieutruong", (("pho_hieu_truong", None),)),
        p("totruong", (("to_truong", team), ("giao_vien", team))),
        p("topho", (("to_pho", team), ("giao_vien", team))),
        p("giaovien", (("giao_vien", team),), gvcn_of=lop),
        p("giaovien2", (("giao_vien", team),)),
        p("tongphutrach", (("tong_phu_trach", None),)),
        p("vanthu", (("van_thu", "to-van-phong"),)),
        p("ketoan", (("ke_toan", "to-van-phong"),)),
        p("quantri", (("quan_tri", None),)),
    )


#: The demo's two-school teacher (giáo viên Tin học, common for specialist teachers): one
#: account, a teaching role in Trường Tiểu học Hòa Phong and one in Trường THCS Nguyễn Huệ.
SPECIALIST = "gvbm.thuha"


def _specialist(team: str) -> DemoPerson:
    """The two-school teacher as one school lists her (her role there: a teacher of ``team``)."""
    return DemoPerson(SPECIALIST, "Lê Thị Thu Hà", "thuha.gvbm@hoavang.edu.vn", (("giao_vien", team),))


DEMO_DISTRICT = DemoDistrict(
    slug="pgd-hoa-vang",
    name="Phòng Giáo dục và Đào tạo huyện Hòa Vang",
    province_slug="so-da-nang",
    province_name="Sở Giáo dục và Đào tạo thành phố Đà Nẵng",
    staff=(
        DemoPerson("pgd.truongphong", "Nguyễn Thị Thu Hương", "pgd.truongphong@hoavang.edu.vn", (("truong_phong", None),)),
        DemoPerson("pgd.chuyenvien", "Trần Văn Đức", "pgd.chuyenvien@hoavang.edu.vn", (("chuyen_vien", None),)),
        DemoPerson("so.chuyenvien", "Lê Hoàng Yến", "so.chuyenvien@danang.edu.vn", (("chuyen_vien_so", None),)),
    ),
    schools=(
        DemoSchool(
            slug="th-hoa-phong",
            name="Trường Tiểu học Hòa Phong",
            levels=("tieu_hoc",),
            units=(
                DemoUnit("to-1", "Tổ chuyên môn khối 1", "to_chuyen_mon"),
                DemoUnit("to-4", "Tổ chuyên môn khối 4", "to_chuyen_mon"),
                DemoUnit("to-van-phong", "Tổ văn phòng", "to_van_phong"),
                DemoUnit("lop-4a", "Lớp 4A", "lop"),
                DemoUnit("lop-1a", "Lớp 1A", "lop"),
            ),
            people=_school_people("thhp", "hoaphong.edu.vn", {
                "hieutruong": "Phạm Văn Hùng", "phohieutruong": "Đặng Thị Ngọc Ánh",
                "totruong": "Võ Thị Hồng Nhung", "topho": "Huỳnh Minh Tuấn",
                "giaovien": "Nguyễn Thị Lệ Thủy", "giaovien2": "Trương Quốc Bảo",
                "tongphutrach": "Phan Thanh Tùng", "vanthu": "Lê Thị Mỹ Duyên",
                "ketoan": "Bùi Thị Kiều Oanh", "quantri": "Ngô Đức Thắng",
            }, "to-4", "lop-4a") + (_specialist("to-4"),),
        ),
        DemoSchool(
            slug="mn-hoa-chau",
            name="Trường Mầm non Hòa Châu",
            levels=("mam_non",),
            units=(
                DemoUnit("to-mau-giao", "Tổ chuyên môn mẫu giáo", "to_chuyen_mon"),
                DemoUnit("to-van-phong", "Tổ văn phòng", "to_van_phong"),
                DemoUnit("lop-la-1", "Lớp Lá 1", "lop"),
            ),
            people=_school_people("mnhc", "hoachau.edu.vn", {
                "hieutruong": "Trần Thị Bích Ngọc", "phohieutruong": "Lương Thị Hạnh",
                "totruong": "Đỗ Thị Thanh Tâm", "topho": "Hồ Thị Phương Thảo",
                "giaovien": "Nguyễn Ngọc Diệp", "giaovien2": "Châu Thị Kim Liên",
                "tongphutrach": "Vũ Thị Hằng", "vanthu": "Đinh Thị Xuân",
                "ketoan": "Tạ Thị Thu Trang", "quantri": "Lâm Văn Khải",
            }, "to-mau-giao", "lop-la-1"),
        ),
        DemoSchool(
            slug="thcs-nguyen-hue",
            name="Trường THCS Nguyễn Huệ",
            levels=("thcs",),
            units=(
                DemoUnit("to-khtn", "Tổ Khoa học tự nhiên", "to_chuyen_mon"),
                DemoUnit("to-ngu-van", "Tổ Ngữ văn", "to_chuyen_mon"),
                DemoUnit("to-van-phong", "Tổ văn phòng", "to_van_phong"),
                DemoUnit("lop-8a", "Lớp 8A", "lop"),
            ),
            people=_school_people("thcsnh", "nguyenhue.edu.vn", {
                "hieutruong": "Hoàng Văn Nghĩa", "phohieutruong": "Mai Thị Huyền Trang",
                "totruong": "Cao Xuân Lộc", "topho": "Dương Thị Ngân",
                "giaovien": "Kiều Thị Minh Nguyệt", "giaovien2": "Văn Công Trứ",
                "tongphutrach": "Lý Thị Hoa", "vanthu": "Trịnh Thị Thanh",
                "ketoan": "Quách Văn Tài", "quantri": "Tôn Nữ Diễm My",
            }, "to-khtn", "lop-8a") + (_specialist("to-khtn"),),
        ),
    ),
)
