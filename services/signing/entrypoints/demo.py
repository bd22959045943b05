"""Demo seed of the signing service: the demo district's CA and its certificates.

Creates the district's platform CA (with its development TSA), a personal certificate for
each school's principal and for every GVCN, and each school's organisational certificate
(the seal the văn thư applies). Ids: school id = school slug, person id = username.
"""
from __future__ import annotations

from infra.demo.district import DEMO_DISTRICT

from ..bootstrap import Container
from ..domain.credentials import OwnerKind


def seed_demo(container: Container) -> None:
    district = DEMO_DISTRICT
    container.authority.ensure_district(district.slug, district.name, actor="demo-seed")
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
