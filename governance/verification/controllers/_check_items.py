"""The check page's one form: every item's result, note, severity and evidence read at once, changed items only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from governance.verification.services import ResultInput
from governance.verification.tables import ITEM_RESULT_LABELS, SEVERITY_LABELS

NOTE_MAX = 4000


@dataclass
class ItemResults:
    """The results to record (items whose result, note or evidence changed), what was typed, and form errors."""

    results: list[ResultInput] = field(default_factory=list)
    typed: dict[int, dict[str, str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def has_file(upload: Any) -> bool:
    """Tell whether a file field carries a chosen file (an empty field arrives as an empty string)."""
    return bool(getattr(upload, "filename", ""))


def read_item_results(form: Any, checklist: list[dict[str, Any]]) -> ItemResults:
    """Read ``result_<id>``, ``note_<id>``, ``severity_<id>`` and ``evidence_<id>`` of every item of the checklist.

    An item left as it was is not recorded again (its 記録者 stays who recorded it); an item with a note or a file
    but no result is an error, so nothing typed is dropped silently.
    """
    out = ItemResults()
    for item in checklist:
        item_id = item["id"]
        result = str(form.get(f"result_{item_id}", "")).strip()
        note = str(form.get(f"note_{item_id}", "")).replace("\r\n", "\n")
        severity = str(form.get(f"severity_{item_id}", "minor")).strip() or "minor"
        upload = form.get(f"evidence_{item_id}")
        out.typed[item_id] = {"result": result, "note": note, "severity": severity}
        if len(note) > NOTE_MAX:
            out.errors[f"note_{item_id}"] = f"所見は{NOTE_MAX}文字以内で入力してください。"
        if severity not in SEVERITY_LABELS:
            out.errors[f"severity_{item_id}"] = "重要度を一覧から選んでください。"
        if not result:
            if note.strip() != (item["note"] or "").strip() or has_file(upload):
                out.errors[f"result_{item_id}"] = f"「{item['what']}」の結果を選んでください。"
            continue
        if result not in ITEM_RESULT_LABELS:
            out.errors[f"result_{item_id}"] = "結果を「適合」「不適合」「該当なし」から選んでください。"
            continue
        unchanged = result == (item["result"] or "") and note.strip() == (item["note"] or "").strip()
        if unchanged and not has_file(upload):
            continue
        out.results.append(ResultInput(item_id, result, note, None, severity))
    return out
