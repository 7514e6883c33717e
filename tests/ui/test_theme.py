"""The theme: contrast in every mode, sizes from the configured DPI, and the low-position layout."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.theme import (
    HIGH_CONTRAST,
    NORMAL,
    ROLES,
    Palette,
    ThemeOptions,
    apply_theme,
    build_theme,
    contrast_ratio,
)
from ui.touch import LOW_POSITION_SHARE, LowPositionFrame, logical_dpi, mm_to_px, touch_target_px

MODES = {
    "normal": ThemeOptions(),
    "high-contrast": ThemeOptions(high_contrast=True),
    "large-text": ThemeOptions(large_text=True),
    "large-high-contrast": ThemeOptions(large_text=True, high_contrast=True),
}


@pytest.fixture(autouse=True)
def _plain_qt_afterwards(app_look: None) -> None:
    """Tests here restyle the whole application; later tests get it back untouched."""


BLOCK = re.compile(r"(?P<selector>[^{}]+?)\s*\{(?P<body>[^}]*)\}")


def declarations(stylesheet: str) -> dict[str, dict[str, str]]:
    """``{selector: {property: value}}`` of a style sheet built by the theme."""
    parsed: dict[str, dict[str, str]] = {}
    for match in BLOCK.finditer(stylesheet):
        props = {
            name.strip(): value.strip()
            for name, _, value in (d.partition(":") for d in match["body"].split(";"))
            if value.strip()
        }
        parsed[match["selector"].strip()] = props
    return parsed


# -- contrast -------------------------------------------------------------------------------


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    # WCAG's own example of a pair just passing AA: #767676 on white is 4.54:1.
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("mode", MODES)
def test_every_text_pair_reaches_4_5_to_1(mode: str) -> None:
    theme = build_theme(MODES[mode])

    weak = [
        (p.where, p.fg, p.bg, round(p.contrast, 2)) for p in theme.text_pairs if p.contrast < 4.5
    ]

    assert theme.text_pairs
    assert weak == []


@pytest.mark.parametrize("mode", MODES)
def test_borders_focus_rings_and_tick_boxes_reach_3_to_1(mode: str) -> None:
    theme = build_theme(MODES[mode])

    weak = [(p.where, p.fg, p.bg) for p in theme.outline_pairs if p.contrast < 3.0]

    assert theme.outline_pairs
    assert weak == []


@pytest.mark.parametrize("mode", MODES)
def test_every_text_colour_in_the_stylesheet_is_a_declared_pair(mode: str) -> None:
    theme = build_theme(MODES[mode])
    declared = {(p.where, p.fg, p.bg) for p in theme.text_pairs}
    on_also = {(p.where.split(" (")[0], p.fg) for p in theme.text_pairs}

    for selector, props in declarations(theme.stylesheet).items():
        if "color" not in props:
            continue
        background = props.get("background-color", "")
        if background == "transparent":
            assert (selector, props["color"]) in on_also, selector
        else:
            assert (selector, props["color"], background) in declared, selector


def test_every_role_of_the_documentation_is_styled() -> None:
    selectors = " ".join(declarations(build_theme(ThemeOptions()).stylesheet))

    missing = [role for role in ROLES if f'[role="{role}"]' not in selectors]

    assert missing == []


def test_both_palettes_define_every_colour_as_hex() -> None:
    for palette in (NORMAL, HIGH_CONTRAST):
        colours = [getattr(palette, name) for name in Palette.__dataclass_fields__]
        assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in colours), palette


@pytest.mark.parametrize(
    ("role", "colour"),
    [
        ("primary", "primary"),
        ("danger", "danger"),
        ("secondary", "secondary"),
        ("key", "key"),
        ("key-accent", "key_accent"),
    ],
)
@pytest.mark.parametrize("mode", ["normal", "high-contrast"])
def test_buttons_are_painted_in_their_roles_colour(
    qtbot: QtBot, qapp: QApplication, role: str, colour: str, mode: str
) -> None:
    theme = apply_theme(qapp, MODES[mode])
    button = QPushButton()
    qtbot.addWidget(button)
    button.setProperty("role", role)
    button.resize(200, 100)

    pixel = button.grab().toImage().pixelColor(QPoint(100, 50))

    assert pixel == QColor(getattr(theme.palette, colour))


@pytest.mark.parametrize("mode", ["normal", "high-contrast"])
def test_error_text_is_drawn_in_the_error_colour(
    qtbot: QtBot, qapp: QApplication, mode: str
) -> None:
    theme = apply_theme(qapp, MODES[mode])
    # Spaces between the blocks, so the background shows between them at any size.
    label = QLabel("█ █ █")
    qtbot.addWidget(label)
    label.setProperty("role", "error")
    label.adjustSize()

    image = label.grab().toImage()
    colours = {
        image.pixelColor(x, image.height() // 2).name().upper() for x in range(image.width())
    }

    assert theme.palette.error in colours
    assert theme.palette.window in colours


# -- sizes ----------------------------------------------------------------------------------


def px(value: str) -> int:
    return int(value.removesuffix("px"))


def test_large_text_doubles_every_content_font_and_grows_the_frame_by_a_quarter() -> None:
    normal = declarations(build_theme(ThemeOptions()).stylesheet)
    large = declarations(build_theme(ThemeOptions(large_text=True)).stylesheet)
    frame = ("header", "bottombar", "frame-title", "step", "bar", "status", "key")

    sizes = {s: px(p["font-size"]) for s, p in normal.items() if "font-size" in p}
    grown = {s: px(large[s]["font-size"]) / v for s, v in sizes.items()}
    content = {s: g for s, g in grown.items() if not any(f'"{f}' in s for f in frame)}
    framing = {s: g for s, g in grown.items() if s not in content}

    assert len(content) > 10 and len(framing) > 5
    assert all(g == pytest.approx(2.0, abs=0.03) for g in content.values()), content
    assert all(g == pytest.approx(1.25, abs=0.03) for g in framing.values()), framing


def test_on_a_short_screen_large_text_grows_as_far_as_it_fits() -> None:
    tall = build_theme(ThemeOptions(large_text=True, dpi=81.6, region_height=1920))
    short = build_theme(ThemeOptions(large_text=True, dpi=84.7, region_height=768))
    normal = build_theme(ThemeOptions(dpi=84.7, region_height=768))

    assert tall.metrics.zoom == 2.0
    assert 1.0 < short.metrics.zoom < 2.0
    assert short.font_px["body"] > normal.font_px["body"]


def test_large_text_doubles_the_application_font(qtbot: QtBot, qapp: QApplication) -> None:
    normal = apply_theme(qapp, ThemeOptions()).base_font_px
    assert qapp.font().pixelSize() == normal

    apply_theme(qapp, ThemeOptions(large_text=True))

    assert qapp.font().pixelSize() == 2 * normal


def test_large_text_makes_labels_twice_as_tall(qtbot: QtBot, qapp: QApplication) -> None:
    label = QLabel("민원 접수")
    qtbot.addWidget(label)
    label.setProperty("role", "title")
    apply_theme(qapp, ThemeOptions())
    normal = label.sizeHint().height()

    apply_theme(qapp, ThemeOptions(large_text=True))

    assert label.sizeHint().height() >= 1.9 * normal


@pytest.mark.parametrize(("dpi", "pixels"), [(96.0, 57), (72.0, 43), (160.0, 95), (300.0, 178)])
def test_touch_target_is_15_mm_at_the_configured_dpi(dpi: float, pixels: int) -> None:
    assert touch_target_px(dpi) == pixels
    assert pixels / dpi * 25.4 >= 15.0


def test_mm_to_px_never_rounds_a_target_below_its_size() -> None:
    assert mm_to_px(25.4, 96.0) == 96
    assert mm_to_px(10.0, 100.0) == 40


@pytest.mark.parametrize("dpi", [96.0, 160.0])
def test_buttons_get_the_touch_target_size_from_the_stylesheet(
    qtbot: QtBot, qapp: QApplication, dpi: float
) -> None:
    apply_theme(qapp, ThemeOptions(dpi=dpi))
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    buttons = []
    for role in ("primary", "secondary", "danger", "choice", "tile"):
        button = QPushButton("", window)
        button.setProperty("role", role)
        layout.addWidget(button)
        buttons.append(button)
    window.show()
    qtbot.waitExposed(window)

    target = touch_target_px(dpi)
    assert all(b.height() >= target and b.width() >= target for b in buttons)


def test_logical_dpi_prefers_the_configured_value(qapp: QApplication) -> None:
    screen = qapp.primaryScreen()

    assert logical_dpi(120.0, screen) == pytest.approx(120.0 / screen.devicePixelRatio())
    assert logical_dpi(0.0, None) == 96.0
    assert logical_dpi(5000.0, None) == 96.0  # a panel reporting nonsense


# -- low position ---------------------------------------------------------------------------


def low_frame(
    qtbot: QtBot, size: tuple[int, int], *, low: bool
) -> tuple[LowPositionFrame, QWidget]:
    content = QWidget()
    column = QVBoxLayout(content)
    buttons = [QPushButton(f"{i}") for i in range(3)]
    for button in buttons:
        column.addWidget(button)
    column.addStretch(1)
    frame = LowPositionFrame(content)
    qtbot.addWidget(frame)
    frame.set_low_position(low)
    frame.resize(*size)
    frame.show()
    qtbot.waitExposed(frame)
    return frame, buttons[0]


def test_low_position_keeps_controls_in_the_lower_part_of_a_portrait_screen(
    qtbot: QtBot,
) -> None:
    frame, top_button = low_frame(qtbot, (1080, 1920), low=True)
    band = round(1920 * (1 - LOW_POSITION_SHARE))

    qtbot.waitUntil(lambda: top_button.mapTo(frame, QPoint(0, 0)).y() >= band)


def test_without_low_position_content_starts_at_the_top(qtbot: QtBot) -> None:
    frame, top_button = low_frame(qtbot, (1080, 1920), low=False)

    assert top_button.mapTo(frame, QPoint(0, 0)).y() < 100


def test_low_position_has_no_band_on_a_landscape_screen(qtbot: QtBot) -> None:
    frame, top_button = low_frame(qtbot, (1920, 1080), low=True)

    assert not frame.band_active()
    assert top_button.mapTo(frame, QPoint(0, 0)).y() < 100


def test_low_position_follows_a_rotation(qtbot: QtBot) -> None:
    frame, top_button = low_frame(qtbot, (1920, 1080), low=True)

    frame.resize(1080, 1920)

    qtbot.waitUntil(lambda: top_button.mapTo(frame, QPoint(0, 0)).y() >= 1920 * 0.4 - 1)
    assert frame.band_active()


def test_low_position_band_gives_way_to_tall_content(qtbot: QtBot) -> None:
    frame, _ = low_frame(qtbot, (1080, 1920), low=True)
    content = frame.content
    assert content is not None
    content.setMinimumHeight(1800)

    qtbot.waitUntil(lambda: content.geometry().bottom() <= frame.height())
    assert content.height() >= 1800


def test_role_keys_stay_readable_when_pressed(qtbot: QtBot, qapp: QApplication) -> None:
    theme = apply_theme(qapp, ThemeOptions(high_contrast=True))
    button = QPushButton()
    qtbot.addWidget(button)
    button.setProperty("role", "key")
    button.resize(120, 80)
    button.show()
    qtbot.waitExposed(button)

    qtbot.mousePress(button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    pressed = button.grab().toImage().pixelColor(QPoint(60, 40))
    qtbot.mouseRelease(button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]

    assert pressed == QColor(theme.palette.key_pressed)
