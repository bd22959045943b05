from typing import Any, ClassVar

import pytest
from mongoengine import StringField

from services.kernel.audit import AuditLog
from services.kernel.errors import Forbidden, NotFound
from services.kernel.mongo import connect_database
from services.kernel.principal import Principal
from services.kernel.tenancy import MissingTenantScope, TenantOwned, TenantRepository, TenantScope, grant_cross_tenant


class Book(TenantOwned):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "kernel-tenancy", "collection": "books", "indexes": ["tenant_id"]}
    title = StringField()


class BookRepo(TenantRepository[Book]):
    document = Book


@pytest.fixture
def db():
    db = connect_database(alias="kernel-tenancy", db_name="tenancy", uri=None)
    BookRepo(scope=TenantScope.school("a", "d1")).add(Book(title="Sổ của trường A"))
    BookRepo(scope=TenantScope.school("b", "d1")).add(Book(title="Sổ của trường B"))
    BookRepo(scope=TenantScope.school("c", "d2")).add(Book(title="Sổ của trường C"))
    return db


def test_a_query_without_scope_is_refused(db):
    with pytest.raises(MissingTenantScope):
        BookRepo(scope=None).query()


def test_school_sees_only_its_own_and_others_are_not_found(db):
    repo_a = BookRepo(scope=TenantScope.school("a", "d1"))
    assert [b.title for b in repo_a.query()] == ["Sổ của trường A"]
    b_id = BookRepo(scope=TenantScope.school("b", "d1")).query().first().id
    with pytest.raises(NotFound):
        repo_a.get(str(b_id))


def test_district_grant_reads_its_schools_only_and_every_read_is_audited(db):
    audit = AuditLog(db=db)
    inspector = Principal(sub="pgd.chuyenvien", district="d1", roles=frozenset({"chuyen_vien"}))
    grant = grant_cross_tenant(inspector, reason="Kiểm tra định kỳ HK I", audit=audit)
    titles = sorted(b.title for b in BookRepo(scope=TenantScope.across(grant)).query())
    assert titles == ["Sổ của trường A", "Sổ của trường B"]
    actions = [e["action"] for e in audit.entries()]
    assert actions.count("cross_tenant.read") == 1 and "cross_tenant.granted" in actions
    assert audit.entries()[0]["data"]["reason"] == "Kiểm tra định kỳ HK I"


def test_teachers_get_no_grant_and_a_grant_needs_a_reason(db):
    audit = AuditLog(db=db)
    with pytest.raises(Forbidden):
        grant_cross_tenant(Principal(sub="t", tenant="a", district="d1", roles=frozenset({"giao_vien"})), reason="x", audit=audit)
    with pytest.raises(Forbidden):
        grant_cross_tenant(Principal(sub="p", district="d1", roles=frozenset({"chuyen_vien"})), reason=" ", audit=audit)


def test_grant_cannot_write(db):
    audit = AuditLog(db=db)
    grant = grant_cross_tenant(Principal(sub="p", district="d1", roles=frozenset({"truong_phong"})), reason="r", audit=audit)
    with pytest.raises(Forbidden):
        BookRepo(scope=TenantScope.across(grant)).add(Book(title="x"))
