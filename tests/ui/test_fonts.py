"""The Hangul font we ship: registered at start, covering Hangul, and really drawing it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication

from assets import asset
from ui.fonts import FAMILY, FONT_FILES, load_fonts

SAMPLES = "한글 민원 접수 똠방각하 쀍 있어요 ㄱㄲㅆㅘㅢ Seoul 010-1234"


def render(text: str, family: str) -> QImage:
    image = QImage(400, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    font = QFont(family)
    font.setPixelSize(48)
    # Only this font: a system fallback must not be what passes the test.
    font.setStyleStrategy(QFont.StyleStrategy.NoFontMerging)
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(QColor("black"))
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return image


def ink(image: QImage) -> int:
    white = QColor("white").rgb()
    return sum(
        image.pixel(x, y) != white
        for y in range(0, image.height(), 2)
        for x in range(image.width())
    )


def test_load_fonts_registers_the_shipped_family(qapp: QApplication) -> None:
    family = load_fonts()

    assert family == FAMILY
    assert family in QFontDatabase.families()
    assert QFontDatabase.isScalable(family)
    assert {"Regular", "Bold"} <= set(QFontDatabase.styles(family))


def test_loading_twice_registers_nothing_twice(qapp: QApplication) -> None:
    first = load_fonts()
    styles = QFontDatabase.styles(first)

    assert load_fonts() == first
    assert QFontDatabase.styles(first) == styles


@pytest.mark.parametrize("bold", [False, True])
def test_the_font_has_glyphs_for_every_sample_character(qapp: QApplication, bold: bool) -> None:
    font = QFont(load_fonts())
    font.setBold(bold)
    metrics = QFontMetrics(font)

    missing = [ch for ch in SAMPLES if ch != " " and not metrics.inFontUcs4(ord(ch))]

    assert missing == []


def test_the_font_covers_all_modern_hangul_syllables(qapp: QApplication) -> None:
    metrics = QFontMetrics(QFont(load_fonts()))

    missing = [c for c in range(0xAC00, 0xD7A4) if not metrics.inFontUcs4(c)]

    assert missing == []


def test_hangul_renders_as_distinct_glyphs(qapp: QApplication) -> None:
    family = load_fonts()

    han, geul = render("한", family), render("글", family)

    # Ink at all, and not the same "missing glyph" box twice.
    assert ink(han) > 100
    assert ink(geul) > 100
    assert han != geul


def test_shipped_fonts_are_small_and_licensed() -> None:
    files = [Path(str(asset("fonts", name))) for name in FONT_FILES]

    assert sum(f.stat().st_size for f in files) < 3_000_000
    licence = Path(str(asset("fonts", "OFL.txt"))).read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in licence
    assert "NAVER" in licence
