"""No caller of another service tells answers apart by their human text.

A guard over every module that calls another service (the adapters, the kernel's service client and
token fetchers, signing's use of approvals' answers, the gateway): no comparison, membership test,
``startswith``/``endswith`` or regular expression may look at a ``title``, ``detail``, ``reason`` or
``message``, at a response's ``text``/``content``, or at a Vietnamese sentence. Callers branch on the
status and the problem's ``code`` (``services/kernel/service_client.problem_code``).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CALLERS = sorted({*ROOT.glob("services/*/adapters/**/*.py"), *ROOT.glob("gateway/*.py"),
                  ROOT / "services/kernel/service_client.py", ROOT / "services/kernel/service_auth.py",
                  ROOT / "services/kernel/tokens.py", ROOT / "services/signing/service_layer/signing.py",
                  ROOT / "services/signing/agent/client.py"})
HUMAN_KEYS = {"title", "detail", "reason", "message"}
TEXT_METHODS = {"startswith", "endswith", "find", "index", "count", "search", "match", "fullmatch", "findall"}


def _reads_human_text(node: ast.AST) -> bool:
    """``node`` reads a human sentence: a title/detail/reason/message, a response's text, a Vietnamese literal."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in HUMAN_KEYS:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in HUMAN_KEYS | {"text"}:
            return True
        if isinstance(sub, ast.Subscript) and _is_human_key(sub.slice):
            return True
        if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "get"
                and sub.args and _is_human_key(sub.args[0])):
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and any(ord(ch) > 127 for ch in sub.value):
            return True
    return False


def _is_human_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in HUMAN_KEYS


def text_matches(source: str) -> list[int]:
    """Lines of ``source`` that decide something by human text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and not all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            if any(_reads_human_text(side) for side in (node.left, *node.comparators)):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TEXT_METHODS:
            if any(_reads_human_text(part) for part in (node.func.value, *node.args)):
                found.append(node.lineno)
    return found


def test_no_caller_of_another_service_matches_human_text() -> None:
    offenders = {str(p.relative_to(ROOT)): lines for p in CALLERS if (lines := text_matches(p.read_text()))}
    assert not offenders, f"branch on the problem's code, not its text: {offenders}"


def test_the_guard_finds_the_old_ways_of_matching_text() -> None:
    for old in ('if "không chờ ký" in reason: pass',
                'if "lượt ký" in detail.lower(): pass',
                'if "locked" in resp.text: pass',
                'ok = resp.json().get("title") == "Hồ sơ đang bị khóa."',
                'ok = body["detail"].startswith("Tài liệu đã thay đổi")'):
        assert text_matches(old), old
    for fine in ('if problem_code(resp) == "out-of-turn": pass', 'if turn.get("reason") is None: pass',
                 'if resp.status_code == 409 and code in REFUSALS: pass'):
        assert not text_matches(fine), fine
