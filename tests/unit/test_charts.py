"""The inline SVG charts: accessible (role, title, description with every value), escaped, and free of inline style."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from governance.web.captions import filter_caption
from governance.web.charts import bar_chart, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_is_named_described_and_scaled():
    svg = str(
        bar_chart("所属別の期限超過の確認", [("健康福祉部 福祉課", 4), ("総務部 情報政策課", 2), ("教育委員会", 0)])
    )
    root = ET.fromstring(svg)  # well-formed XML
    assert root.get("role") == "img" and "style" not in svg
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "所属別の期限超過の確認"
    assert desc.text == "健康福祉部 福祉課 4件、総務部 情報政策課 2件、教育委員会 0件"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    widths = [int(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] and widths[2] == 1  # proportional; a zero keeps a hairline
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"] == ["4", "2", "0"]


def test_hostile_labels_are_escaped():
    svg = str(bar_chart("<script>alert(1)</script>", [('"><script>x</script>', 1)]))
    assert "<script" not in svg and ET.fromstring(svg) is not None


def test_stacked_chart_has_a_legend_and_a_segment_per_value():
    svg = str(
        stacked_bar_chart(
            "重要度別", [("福祉課", [1, 2, 0])], [("serious", "重大"), ("major", "重要"), ("minor", "軽微")]
        )
    )
    root = ET.fromstring(svg)
    classes = [r.get("class") for r in root.iter(f"{SVG}rect")]
    assert classes == [
        "chart-seg-serious",
        "chart-seg-major",
        "chart-seg-minor",
        "chart-seg-serious",
        "chart-seg-major",
    ]
    assert root.find(f"{SVG}desc").text == "福祉課：重大 1件・重要 2件・軽微 0件"
    assert re.search(r">3</text>", svg)  # the bar's total


def test_filter_caption_names_the_filters_or_nothing():
    assert (
        filter_caption(["健康福祉部 福祉課", None, "期限超過", ""], "確認", 12)
        == "健康福祉部 福祉課・期限超過の確認（12件）"
    )
    assert filter_caption([None, ""], "確認", 12) == ""
