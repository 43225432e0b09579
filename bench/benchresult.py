"""The machine-readable result line every bench prints, besides its human table, for ``bench/run_all``.

One line per measured target on stdout::

    RESULT {"bench": "list_endpoint", "row": "...", "engine": "sqlite", "value": 3.1, "unit": "ms", ...}
"""

from __future__ import annotations

import json
import math
from typing import Any


def result_line(bench: str, row: str, engine: str, value: float, unit: str, *, baseline: float | None = None,
                ratio: float | None = None, target: str = "", met: bool | None = None) -> str:  # fmt: skip
    def num(x: float | None) -> float | None:
        return None if x is None or not math.isfinite(x) else round(float(x), 4)

    record: dict[str, Any] = {"bench": bench, "row": row, "engine": engine, "value": num(value), "unit": unit,
                              "baseline": num(baseline), "ratio": num(ratio), "target": target, "met": met}  # fmt: skip
    return "RESULT " + json.dumps(record, ensure_ascii=False)


def emit(*args: Any, **kwargs: Any) -> None:
    """Print one ``RESULT`` line (see ``result_line``)."""
    print(result_line(*args, **kwargs), flush=True)
