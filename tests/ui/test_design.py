"""The design system's numbers: text and targets in millimetres on the glass, from the panel."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QApplication

from ui.design import (
    HANGUL_INK_EM,
    MIN_TEXT_MM,
    TARGET_MM,
    TYPE_SCALE,
    large_zoom,
    metrics,
    px_to_mm,
)
from ui.fonts import load_fonts

PANEL_27 = 81.6  # 27-inch 1920×1080: 0.311 mm a pixel
PANEL_18 = 84.7  # 18.5-inch 1366×768: 0.300 mm


@pytest.mark.parametrize("bold", [False, True])
def test_the_shipped_font_draws_hangul_as_tall_as_the_type_scale_assumes(
    qapp: QApplication, bold: bool
) -> None:
    font = QFont(load_fonts())
    font.setPixelSize(200)
    font.setBold(bold)
    ink = QFontMetricsF(font).tightBoundingRect("한").height() / 200

    assert ink == pytest.approx(HANGUL_INK_EM, abs=0.01)


@pytest.mark.parametrize("dpi", [PANEL_27, PANEL_18, 96.0, 160.0])
@pytest.mark.parametrize("large", [False, True])
def test_every_role_is_at_least_12_mm_of_hangul_and_every_target_15_mm(
    dpi: float, large: bool
) -> None:
    m = metrics(dpi, large_text=large, region_height_px=1080)

    for role, px in m.font.items():
        assert px_to_mm(px * HANGUL_INK_EM, dpi) >= MIN_TEXT_MM, role
    assert px_to_mm(m.target, dpi) >= TARGET_MM
    assert m.primary_height >= m.target and m.choice_height >= m.target


def test_on_the_reference_panel_the_smallest_text_is_the_44_pixels_kiosk_ux_gives() -> None:
    assert metrics(PANEL_27).font["body"] == 44
    assert set(TYPE_SCALE) >= {"body", "hint", "error", "step", "bar", "key"}


def test_large_text_fits_the_screen_it_is_on() -> None:
    # A tall portrait panel takes the full 200 %; a 1080p landscape panel nearly; the
    # lower half of a portrait panel (low screen) and a 1366×768 panel what they hold.
    assert large_zoom(1920, PANEL_27, portrait=True) == 2.0
    assert 1.75 <= large_zoom(1080, PANEL_27) <= 2.0
    assert 1.15 <= large_zoom(960, PANEL_27, portrait=True) < 2.0
    assert 1.15 <= large_zoom(768, PANEL_18) < 1.5
    assert large_zoom(0, PANEL_27) == 2.0  # size unknown: the full 200 %


def test_a_tall_screen_gets_the_generous_main_button_and_a_short_one_what_it_can() -> None:
    tall = metrics(PANEL_27, region_height_px=1920)
    short = metrics(PANEL_18, region_height_px=768)

    assert px_to_mm(tall.primary_height, PANEL_27) >= 30.0
    assert px_to_mm(short.primary_height, PANEL_18) < 30.0
