from services.kernel.audit import AuditLog
from services.kernel.mongo import connect_database


def _log():
    db = connect_database(alias="kernel-audit-test", db_name="audit_test", uri=None)
    return db, AuditLog(db=db)


def test_intact_chain_verifies():
    db, log = _log()
    for i in range(10):
        log.append(action="document.uploaded", actor="thhp.giaovien", tenant="th-hoa-phong", target=f"doc-{i}", data={"tên": "Kế hoạch bài dạy"})
    assert log.verify() == []
    assert log.entries(tenant="th-hoa-phong", limit=1)[0]["seq"] == 10


def test_edited_entry_is_detected():
    db, log = _log()
    for i in range(5):
        log.append(action="x", actor="a", tenant="t", data={"i": i})
    db.audit_log.update_one({"seq": 3}, {"$set": {"actor": "someone-else"}})
    assert [b.seq for b in log.verify()] == [3]


def test_deleted_entry_in_the_middle_is_detected():
    db, log = _log()
    for i in range(5):
        log.append(action="x", actor="a", tenant="t", data={"i": i})
    db.audit_log.delete_one({"seq": 2})
    assert 2 in {b.seq for b in log.verify()}


def test_deleted_last_entry_is_detected():
    db, log = _log()
    for i in range(5):
        log.append(action="x", actor="a", tenant="t", data={"i": i})
    db.audit_log.delete_one({"seq": 5})
    assert log.verify()


def test_rewritten_chain_does_not_verify_against_head():
    db, log = _log()
    for i in range(3):
        log.append(action="x", actor="a", tenant="t", data={"i": i})
    db.audit_log.delete_many({})
    assert log.verify()
