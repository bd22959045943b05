"""One owner per fact (DESIGN.md): the catalog, the owner and GVCN rules, the period keys and the
teaching weeks are each written once. These guards read the source, so a second copy cannot come back
unnoticed (issue 11: documents and approvals had each kept their own books, owners and weeks).
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"


def _sources(*folders: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py" if folder != "gateway/web/js" else "*.js"):
            out[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return out


def _lines_matching(pattern: str, sources: dict[str, str], allowed: set[str]) -> list[str]:
    rx = re.compile(pattern)
    return [f"{name}:{n}" for name, text in sources.items() if name not in allowed
            for n, line in enumerate(text.splitlines(), 1) if rx.search(line)]


def test_the_gvcn_roles_are_named_only_by_the_shared_owner_rule() -> None:
    found = _lines_matching(r'"chu_nhiem"', _sources("services"), {"services/kernel/ownership.py"})
    assert not found, f"the GVCN rule is services/kernel/ownership.py; a second copy at {found}"


def test_period_keys_are_spelled_only_by_the_kernel_grammar() -> None:
    sources = _sources("services", "gateway/web/js")
    # f-strings that build a week or semester key by hand, and approvals' old week spelling
    found = _lines_matching(r'\.t\{|\.hk\{|/tuan-', sources,
                            {"services/kernel/periods.py", "services/approvals/entrypoints/migrate.py"})
    assert not found, f"build period keys with services/kernel/periods.py, not by hand: {found}"


def test_documents_keeps_no_teaching_week_arithmetic_nor_deadline_rules() -> None:
    documents = _sources("services/documents")
    weeks = _lines_matching(r"date\(\w+, 9, 5\)|_first_monday|weeks=\w+ - 1", documents, set())
    deadlines = _lines_matching(r"\bDeadline\(|DeadlineKind|\.deadlines\b", documents, set())
    assert not weeks, f"teaching weeks are approvals' calendar (approvals.calendar.published): {weeks}"
    assert not deadlines, f"deadlines are approvals' rules (default_rules.py, quy chế): {deadlines}"


def test_approvals_keeps_no_book_list_of_its_own() -> None:
    approvals = _sources("services/approvals")
    names = _lines_matching(r"Kế hoạch bài dạy|Sổ đăng bộ|Sổ chủ nhiệm|Sổ công tác Đội", approvals,
                            {"services/approvals/README.md"})
    books = _lines_matching(r"^BOOKS\s*[:=]", approvals, set())
    assert not names and not books, f"book names and owners are documents' catalog: {names + books}"
