"""Server-drawn SVG charts: the data shows, and nothing from a label can run."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from server.charts import horizontal_bars, stacked_columns

SVG = "{http://www.w3.org/2000/svg}"


def test_stacked_columns_draw_one_rect_per_nonzero_value_plus_legend() -> None:
    svg = stacked_columns(
        [("11-26", {"complaint": 3, "proposal": 1}), ("11-27", {"complaint": 2})],
        ["complaint", "proposal"],
        {"complaint": "민원", "proposal": "정책 제안"},
        "접수",
    )

    root = ET.fromstring(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in bars] == [  # type: ignore[union-attr]
        "11-26 민원: 3",
        "11-26 정책 제안: 1",
        "11-27 민원: 2",
    ]
    assert "민원" in svg and "정책 제안" in svg


def test_labels_are_escaped() -> None:
    svg = horizontal_bars([("<script>alert(1)</script>", 2)], "t & t")

    ET.fromstring(svg)  # still well-formed XML
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_empty_charts_still_render() -> None:
    ET.fromstring(horizontal_bars([], "none"))
    ET.fromstring(stacked_columns([], ["complaint"], {}, "none"))
