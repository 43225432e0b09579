"""A list's active filter in words (「福祉課・期限超過の確認（12件）」), shown above it with a way to clear it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def department_label(departments: Sequence[Any], department_id: int | None) -> str:
    """The name of the department a list is filtered by ('' when none, or when the id names none)."""
    if department_id is None:
        return ""
    for d in departments:
        did, name = (d["id"], d["name"]) if isinstance(d, dict) else (d.id, d.name)
        if did == department_id:
            return name
    return ""


def filter_caption(parts: Iterable[str | None], noun: str, total: int) -> str:
    """The filters in force joined with 「・」 before the list's noun and count; '' when no filter is in force.

    Args:
        parts: the labels of the filters in force (empty ones are left out), e.g. ``["健康福祉部 福祉課", "期限超過"]``.
        noun: what the list holds, e.g. ``"確認"``.
        total: how many rows match.
    """
    kept = [p for p in parts if p]
    return f"{'・'.join(kept)}の{noun}（{total}件）" if kept else ""
