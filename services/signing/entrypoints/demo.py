"""Demo seed of the signing service: the demo district's CA and its certificates.

Creates the district's platform CA (with its development TSA), a personal certificate for
each school's principal and for every GVCN, and each school's organisational certificate
(the seal the văn thư applies). Ids: school id = school slug, person id = username.
Principals also get an account at the simulated remote signing provider (account = username),
so the demo can show signing confirmed "on the phone". The oversight staff (who belong to no school)
get a personal certificate of their unit's CA (the Sở's staff: the province's), so the head of an
inspection team can sign its biên bản.
"""
from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from infra.demo.district import DEMO_DISTRICT

from ..adapters.x509_issuer import Subject, new_key
from ..bootstrap import Container
from ..domain.credentials import OwnerKind


def seed_demo(container: Container) -> None:
    district = DEMO_DISTRICT
    container.authority.ensure_district(district.slug, district.name, actor="demo-seed")
    for person in district.staff:
        in_province = all(role == "chuyen_vien_so" for role, _ in person.roles)
        # certificate names are at most 64 characters: the Sở's name in its usual short form
        province_name = district.province_name.replace("Sở Giáo dục và Đào tạo", "Sở GD&ĐT")
        unit, unit_name = (district.province_slug, province_name) if in_province else (district.slug, district.name)
        container.authority.ensure_district(unit, unit_name, actor="demo-seed")
        container.authority.issue_credential(
            district_id=unit, tenant_id=None, owner_id=person.username, owner_kind=OwnerKind.PERSON,
            common_name=person.full_name, organisation=unit_name, email=person.email, actor="demo-seed")
    for school in district.schools:
        container.authority.issue_credential(
            district_id=district.slug, tenant_id=school.slug, owner_id=school.slug,
            owner_kind=OwnerKind.ORGANISATION, common_name=school.name, organisation=school.name, actor="demo-seed")
        for person in school.people:
            is_principal = any(role == "hieu_truong" for role, _ in person.roles)
            if is_principal or person.gvcn_of:
                container.authority.issue_credential(
                    district_id=district.slug, tenant_id=school.slug, owner_id=person.username,
                    owner_kind=OwnerKind.PERSON, common_name=person.full_name, organisation=school.name,
                    email=person.email, actor="demo-seed")
            if is_principal and container.simulated_provider is not None:
                key = new_key()
                cert = container.authority.issue_for_key(
                    district_id=district.slug, public_key=key.public_key(),
                    subject=Subject(person.full_name, school.name, user_id=person.username))
                container.simulated_provider.enrol(
                    person.username, key, cert.public_bytes(serialization.Encoding.DER),
                    (bytes(container.authority.ensure_district(district.slug, district.name).certificate_der),))
