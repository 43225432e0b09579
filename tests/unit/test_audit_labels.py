"""Every audit action and target kind the code records has a Japanese label, so the log never shows a bare code."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from governance.audit.labels import TARGET_LABELS, target_label
from governance.audit.services import ACTION_LABELS

SOURCE = Path(__file__).resolve().parents[2] / "governance"
ACTION_SHAPE = re.compile(r"^[a-z_]+\.[a-z_]+$")
NOT_AUDIT_ACTIONS = frozenset({
    "subcontractor.requested",  # a notification event (the audit entry is subcontractor.approved/refused)
    "contract.docx",  # a download's fallback file name
})  # fmt: skip
"""Strings shaped like an action, with an action's prefix, that are not audit actions."""


@functools.cache
def _trees() -> list[tuple[Path, ast.AST]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(SOURCE.rglob("*.py"))]


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _recorded_actions() -> dict[str, str]:
    """Every string handed to ``record(...)`` as its action, including both sides of ``a if c else b``."""
    found: dict[str, str] = {}
    for path, tree in _trees():
        for node in ast.walk(tree):
            is_record = (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
            )
            if is_record and node.args:
                for value in _strings(node.args[0]):
                    found[value] = f"{path.relative_to(SOURCE.parent)}:{node.lineno}"
    return found


def _action_like_strings() -> dict[str, str]:
    """Every string anywhere in the code shaped like an action of a known kind (actions passed through helpers)."""
    prefixes = {a.split(".")[0] for a in ACTION_LABELS} | {a.split(".")[0] for a in _recorded_actions()}
    found: dict[str, str] = {}
    for path, tree in _trees():
        if path == SOURCE / "audit" / "services.py":
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and ACTION_SHAPE.match(node.value)
                and node.value.split(".")[0] in prefixes
            ):
                found[node.value] = f"{path.relative_to(SOURCE.parent)}:{node.lineno}"
    return found


def test_every_action_passed_to_record_has_a_label() -> None:
    recorded = _recorded_actions()
    assert len(recorded) > 20  # the scan itself works
    missing = {a: where for a, where in recorded.items() if a not in ACTION_LABELS}
    assert not missing, f"add these to ACTION_LABELS (governance/audit/services.py): {missing}"


def test_every_action_handed_through_a_helper_has_a_label() -> None:
    missing = {
        a: where for a, where in _action_like_strings().items() if a not in ACTION_LABELS and a not in NOT_AUDIT_ACTIONS
    }
    assert not missing, f"add these to ACTION_LABELS, or to NOT_AUDIT_ACTIONS if they are not audit actions: {missing}"


def test_every_label_is_japanese_and_every_action_is_still_used() -> None:
    used = set(_action_like_strings()) | set(_recorded_actions())
    assert not [a for a in ACTION_LABELS if a not in used], "a label for an action the code no longer records"
    assert all(re.search(r"[ぁ-んァ-ン一-龥]", label) for label in ACTION_LABELS.values())


def test_every_target_kind_recorded_has_a_label() -> None:
    kinds: dict[str, str] = {}
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "target_type" and isinstance(kw.value, ast.Constant) and kw.value.value:
                        kinds[kw.value.value] = f"{path.relative_to(SOURCE.parent)}:{node.lineno}"
    assert len(kinds) > 10
    missing = {k: where for k, where in kinds.items() if k not in TARGET_LABELS}
    assert not missing, f"add these to TARGET_LABELS (governance/audit/labels.py): {missing}"
    assert {"contractor", "engagement"} <= set(TARGET_LABELS)  # passed through a variable by the import service


def test_target_label_names_the_kind_and_keeps_an_unknown_code() -> None:
    assert target_label("user") == "利用者"
    assert target_label("municipality") == "団体の設定"
    assert target_label("something_new") == "something_new"
