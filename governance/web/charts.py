"""Small charts drawn on the server as inline SVG: accessible, no script, no inline style (the CSP forbids it).

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by a ``<desc>`` that states every
value, with the labels and values also drawn as text; colours come from classes in ``app.css`` (``chart-*``), and
only presentation attributes (x, y, width, height) are used. Pages show the same numbers in a table too.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

LABEL_WIDTH = 190
BAR_WIDTH = 260
VALUE_WIDTH = 50
ROW_HEIGHT = 24
BAR_HEIGHT = 16
LEGEND_HEIGHT = 26

_ids = count(1)


def _label(text: str, limit: int = 14) -> str:
    """A row label short enough for the label column (the full text stays in the description and the table)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _row_label(y: int, label: str) -> str:
    return (
        f'<text class="chart-label" x="{LABEL_WIDTH - 6}" y="{y + 16}" text-anchor="end">{escape(_label(label))}</text>'
    )


def _frame(title: str, desc: str, height: int, body: list[str], css_class: str) -> Markup:
    n = next(_ids)
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    # every text inside was escaped above; the rest is numbers and fixed markup
    return Markup(  # noqa: S704
        f'<svg class="chart {css_class}" role="img" aria-labelledby="chart-{n}-t chart-{n}-d" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-{n}-t">{escape(title)}</title><desc id="chart-{n}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def bar_chart(title: str, bars: Sequence[tuple[str, int]], *, unit: str = "件") -> Markup:
    """A horizontal bar chart: one bar per label, its value written at the end.

    Args:
        title: what the chart shows (its accessible name).
        bars: (label, value) pairs, drawn top to bottom; values below zero count as zero.
        unit: the counter word after each value in the description (件).
    """
    top = max([v for _, v in bars] + [1])
    body: list[str] = []
    for i, (label, value) in enumerate(bars):
        y = i * ROW_HEIGHT
        width = round(BAR_WIDTH * max(value, 0) / top)
        body.append(
            _row_label(y, label)
            + f'<rect class="chart-bar{" chart-zero" if value <= 0 else ""}" x="{LABEL_WIDTH}" y="{y + 4}" '
            f'width="{max(width, 1)}" height="{BAR_HEIGHT}"></rect>'
            f'<text class="chart-value" x="{LABEL_WIDTH + max(width, 1) + 4}" y="{y + 16}">{value}</text>'
        )
    desc = "、".join(f"{label} {value}{unit}" for label, value in bars) or "データはありません"
    return _frame(title, desc, max(len(bars), 1) * ROW_HEIGHT + 4, body, "chart-bars")


def stacked_bar_chart(
    title: str, rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[tuple[str, str]], *, unit: str = "件"
) -> Markup:
    """A horizontal stacked bar chart with a legend: one bar per row, one segment per series.

    Args:
        title: what the chart shows (its accessible name).
        rows: (label, values) pairs; ``values`` has one number per series, in the order of ``series``.
        series: (key, label) pairs; ``key`` picks the segment's class (``chart-seg-<key>``), ``label`` the legend.
        unit: the counter word after each value in the description (件).
    """
    top = max([sum(v) for _, v in rows] + [1])
    body: list[str] = []
    x = 0
    for key, label in series:  # the legend, on top
        body.append(
            f'<rect class="chart-seg-{escape(key)}" x="{LABEL_WIDTH + x}" y="6" width="12" height="12"></rect>'
            f'<text class="chart-label" x="{LABEL_WIDTH + x + 16}" y="17">{escape(label)}</text>'
        )
        x += 16 + 14 * len(label) + 14
    for i, (label, values) in enumerate(rows):
        y = LEGEND_HEIGHT + i * ROW_HEIGHT
        body.append(_row_label(y, label))
        offset = 0
        for (key, _), value in zip(series, values, strict=True):
            width = round(BAR_WIDTH * max(value, 0) / top)
            if width:
                body.append(
                    f'<rect class="chart-seg-{escape(key)}" x="{LABEL_WIDTH + offset}" y="{y + 4}" width="{width}" '
                    f'height="{BAR_HEIGHT}"></rect>'
                )
            offset += width
        body.append(f'<text class="chart-value" x="{LABEL_WIDTH + offset + 4}" y="{y + 16}">{sum(values)}</text>')
    desc = "、".join(
        f"{label}：" + "・".join(f"{s} {v}{unit}" for (_, s), v in zip(series, values, strict=True))
        for label, values in rows
    )
    return _frame(title, desc or "データはありません", LEGEND_HEIGHT + max(len(rows), 1) * ROW_HEIGHT + 4, body,
                  "chart-stacked")  # fmt: skip
