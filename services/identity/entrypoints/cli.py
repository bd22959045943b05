"""Operator commands of the identity service (production start-up and key management):

    python -m services.identity.entrypoints.cli add-district --province-slug so-da-nang \\
        --province-name "Sở Giáo dục và Đào tạo thành phố Đà Nẵng" --slug pgd-hoa-vang \\
        --name "Phòng Giáo dục và Đào tạo huyện Hòa Vang" [--kind phong_gddt|ubnd_xa|ubnd_phuong]
    python -m services.identity.entrypoints.cli add-staff --district pgd-hoa-vang --role truong_phong \\
        --username pgd.truongphong --full-name "Nguyễn Thị Thu Hương" --email pgd.truongphong@hoavang.edu.vn
    python -m services.identity.entrypoints.cli rotate-key [--immediate]

``add-staff`` prints a temporary password, changed at first sign-in. Everything else (schools,
their people and roles) is done by people through the API, under delegated administration.
"""
from __future__ import annotations

import argparse
import sys

from services.identity.adapters.documents import IdentityDistrictDoc, IdentityProvinceDoc
from services.identity.bootstrap import Container, bootstrap
from services.identity.domain.errors import IdentityError
from services.identity.domain.org import District, OversightKind, Province
from services.identity.domain.people import Membership, PersonProfile
from services.identity.domain.roles import RoleLevel, level_of
from services.identity.service_layer.access import Actor
from services.kernel.errors import Problem

OPERATOR = Actor("system:operator", None)


def add_district(c: Container, args: argparse.Namespace) -> str:
    province = Province.create(args.province_slug, args.province_name)
    # the kind of unit (Phòng GD&ĐT, UBND xã/phường); callers building the arguments by hand may omit it
    district = District.create(args.slug, args.name, province.id, getattr(args, "kind", None) or "phong_gddt")
    for org_id in (province.id, district.id):  # ids of different kinds never share a value
        if IdentityDistrictDoc.objects(id=org_id).first() is None and IdentityProvinceDoc.objects(id=org_id).first() is None:
            c.admin.check_org_id_kind(org_id)
    if IdentityProvinceDoc.objects(id=province.id).first() is None:
        IdentityProvinceDoc(id=province.id, name=province.name).save()
    if IdentityDistrictDoc.objects(id=district.id).first() is None:
        IdentityDistrictDoc(id=district.id, name=district.name, province_id=province.id, kind=district.kind.value,
                            created_by=OPERATOR.sub).save()
    c.runtime.audit.append(action="district.added", actor=OPERATOR.sub, tenant=None, district=district.id,
                           target=district.id, data={"name": district.name, "province": province.id,
                                                     "kind": district.kind.value})
    return f"{district.name} ({district.id}) thuộc {province.id} đã sẵn sàng."


def add_staff(c: Container, args: argparse.Namespace) -> str:
    if level_of(args.role) is RoleLevel.SCHOOL:
        raise IdentityError("Vai trò trong trường được cấp qua giao diện quản trị của trường.")
    district = IdentityDistrictDoc.objects(id=args.district).first()
    if district is None:
        raise IdentityError("Không tìm thấy phòng GD&ĐT.")
    profile = PersonProfile.create(username=args.username, full_name=args.full_name, email=args.email, phone=args.phone)
    created = c.admin.ensure_person(profile, actor=OPERATOR, tenant=None, district=district.id)
    c.admin.grant_staff_role(Membership.create(
        person_id=created.person.id, role=args.role,
        district_id=district.id if level_of(args.role) is RoleLevel.DISTRICT else None,
        province_id=district.province_id), actor=OPERATOR)
    if created.temporary_password:
        return f"Đã tạo tài khoản {created.person.id}; mật khẩu tạm thời: {created.temporary_password}"
    return f"Đã cấp vai trò {args.role} cho tài khoản có sẵn {created.person.id}."


def rotate_key(c: Container, args: argparse.Namespace) -> str:
    kid = c.keys.rotate(immediate=args.immediate)
    c.runtime.audit.append(action="signing_key.rotated", actor=OPERATOR.sub, tenant=None, target=kid,
                           data={"immediate": args.immediate})
    return f"Khóa ký mới: {kid}" + (" (dùng ngay)" if args.immediate else " (công bố trước, dùng sau 5 phút)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.identity.entrypoints.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("add-district")
    for flag in ("--province-slug", "--province-name", "--slug", "--name"):
        d.add_argument(flag, required=True)
    d.add_argument("--kind", choices=[k.value for k in OversightKind], default=OversightKind.PHONG_GDDT.value)
    s = sub.add_parser("add-staff")
    for flag in ("--district", "--role", "--username", "--full-name"):
        s.add_argument(flag, required=True)
    s.add_argument("--email")
    s.add_argument("--phone")
    r = sub.add_parser("rotate-key")
    r.add_argument("--immediate", action="store_true")
    args = parser.parse_args(argv)
    container = bootstrap()
    try:
        print({"add-district": add_district, "add-staff": add_staff, "rotate-key": rotate_key}[args.command](container, args))
    except IdentityError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except Problem as exc:
        print(f"{exc.detail or exc.title} ({exc.field or exc.code})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
