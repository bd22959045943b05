"""The demo district of the all-in-one mode, from ``infra/demo/district.py``.

Ids are deterministic so that every service's seed refers to the same records: province id =
province slug, district id = district slug, school id = school slug, unit id =
``"<school slug>/<unit slug>"``, person id = username. Every demo account has the demo password,
needs no password change, and has no second factor enrolled yet: roles that require one are
asked to enrol at first sign-in (and may postpone it when ``HOSO_IDENTITY_DEMO_MODE`` is on).
Seeding twice changes nothing.
"""
from __future__ import annotations

from infra.demo.district import DEMO_DISTRICT, DEMO_PASSWORD, DemoDistrict, DemoPerson

from services.identity.adapters.documents import IdentityDistrictDoc, IdentityPersonDoc, IdentityProvinceDoc, IdentitySchoolDoc
from services.identity.bootstrap import Container
from services.identity.domain.org import District, School
from services.identity.domain.people import Membership, PersonProfile
from services.identity.domain.roles import ROLE_NAMES, RoleLevel, level_of
from services.identity.service_layer.access import Actor

SEED_ACTOR = Actor("system:demo-seed", None)


def _person(container: Container, person: DemoPerson, password_hash: str) -> IdentityPersonDoc:
    """The demo person's account, created once with the shared demo password hash."""
    existing = IdentityPersonDoc.objects(id=person.username).first()
    if existing is not None:
        return existing
    profile = PersonProfile.create(username=person.username, full_name=person.full_name, email=person.email)
    # demo only: one hash of DEMO_PASSWORD shared by every account keeps the seed fast
    return container.admin.ensure_person(profile, actor=SEED_ACTOR, tenant=None, district=None,
                                         position=ROLE_NAMES.get(person.roles[0][0]), password_hash=password_hash,
                                         must_change_password=False).person


def seed_demo(container: Container, district: DemoDistrict = DEMO_DISTRICT) -> None:
    """Create the demo province, district, schools, units, people and roles (idempotent)."""
    password_hash = container.hasher.hash(DEMO_PASSWORD)
    if IdentityProvinceDoc.objects(id=district.province_slug).first() is None:
        IdentityProvinceDoc(id=district.province_slug, name=district.province_name).save()
    if IdentityDistrictDoc.objects(id=district.slug).first() is None:
        IdentityDistrictDoc(id=district.slug, name=district.name, province_id=district.province_slug).save()
    tree = District.create(district.slug, district.name, district.province_slug)
    for staff in district.staff:
        doc = _person(container, staff, password_hash)
        for role, _unit in staff.roles:
            level = level_of(role)
            container.admin.grant_staff_role(Membership.create(
                person_id=doc.id, role=role, district_id=tree.id if level is RoleLevel.DISTRICT else None,
                province_id=tree.province_id), actor=SEED_ACTOR)
    for demo_school in district.schools:
        school = School.create(slug=demo_school.slug, name=demo_school.name, levels=list(demo_school.levels),
                               district=tree, units=[(u.slug, u.name, u.kind) for u in demo_school.units])
        people = {p.username: _person(container, p, password_hash) for p in demo_school.people}
        head = next(p for p in demo_school.people if ("hieu_truong", None) in p.roles)
        if IdentitySchoolDoc.objects(id=school.id).first() is None:
            profile = PersonProfile.create(username=head.username, full_name=head.full_name, email=head.email)
            container.admin.create_school(school, profile, actor=SEED_ACTOR, position=ROLE_NAMES["hieu_truong"])
        for person in demo_school.people:
            roles = list(person.roles) + ([("giao_vien", person.gvcn_of)] if person.gvcn_of else [])
            for role, unit in roles:
                container.admin.grant(Membership.create(
                    person_id=people[person.username].id, role=role, school_id=school.id,
                    unit_id=f"{school.id}/{unit}" if unit else None, district_id=school.district_id,
                    province_id=school.province_id), actor=SEED_ACTOR)
