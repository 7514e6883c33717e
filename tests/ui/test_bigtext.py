"""Words taller than Qt's glyph cache look exactly as Qt paints them, and each glyph is drawn once.

Each case paints the same words twice, with the kiosk's font: once by a
plain ``QLabel`` (Qt filling the outlines) and once by a ``BigTextLabel``
(cached glyph images). The two pictures must be the same but for
antialiasing at the edges: the same lines, wraps, alignment and baseline.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ui.bigtext import GLYPHS, BigTextLabel, GlyphImages, draw_text
from ui.theme import Theme

CENTRE = Qt.AlignmentFlag.AlignCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT_TOP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT_BOTTOM = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom

# The verdict's box in the theme: padding (a frame to QLabel, which then indents its
# words on an aligned side by half an "x") and round corners.
PADDED = "padding: 16px 32px; border-radius: 16px"

CASES = [
    # The desk's count on a 1080p panel, right-aligned on one line.
    ("입장 298647 / 신청 500073", 68, RIGHT, False, (843, 76)),
    # The verdict's headline, centred.
    ("환영합니다", 115, CENTRE, True, (1782, 160)),
    ("Welcome", 115, CENTRE, True, (1782, 160)),
    # Wrapped onto two and three lines, centred and from the top left.
    ("이미 입장했습니다 (14:05, 이 키오스크)", 115, CENTRE, True, (900, 400)),
    ("Already checked in at 14:05 at this kiosk", 90, CENTRE, True, (700, 500)),
    ("Already checked in at 14:05 at this kiosk", 90, LEFT_TOP, True, (700, 500)),
    ("Already checked in at 14:05 at this kiosk", 90, LEFT_MIDDLE, True, (700, 501)),
    ("Already checked in at 14:05 at this kiosk", 90, RIGHT_BOTTOM, True, (700, 500)),
    ("교통약자·도움 필요 · 김*수", 68, CENTRE, True, (1782, 108), PADDED),
    ("Already checked in at 14:05 at this kiosk", 90, LEFT_TOP, True, (700, 500), PADDED),
    ("입장 298647 / 신청 500073", 68, RIGHT_BOTTOM, False, (900, 120), PADDED),
]


def label(
    cls: type[QLabel],
    text: str,
    px: int,
    align: Qt.AlignmentFlag,
    wrap: bool,
    size: tuple[int, int],
    box: str = "",
) -> QLabel:
    shown = cls(text)
    shown.setAlignment(align)
    shown.setWordWrap(wrap)
    shown.setTextFormat(Qt.TextFormat.PlainText)
    # As the theme styles the verdict: the size in the style sheet, bold, on its colour.
    shown.setStyleSheet(
        f"font-size: {px}px; font-weight: bold; background-color: #f5b400; color: #1a1a1a; {box}"
    )
    shown.resize(*size)
    shown.ensurePolished()
    assert shown.fontInfo().pixelSize() == px
    return shown


def ink_box(image: QImage, background: int) -> tuple[int, int, int, int]:
    xs, ys = [], []
    for y in range(image.height()):
        for x in range(image.width()):
            if image.pixel(x, y) != background:
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def far_apart(a: QImage, b: QImage) -> int:
    """Pixels whose colours differ by more than a quarter of the range in some channel."""
    count = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixelColor(x, y), b.pixelColor(x, y)
            if max(abs(pa.red() - pb.red()), abs(pa.blue() - pb.blue())) > 64:
                count += 1
    return count


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case[1]}px-{case[0][:12]}")
def test_big_words_look_as_qt_paints_them(
    qtbot: QtBot, themed: Theme, case: tuple[Any, ...]
) -> None:
    text = case[0]
    plain, cached = (label(cls, *case) for cls in (QLabel, BigTextLabel))
    for shown in (plain, cached):
        qtbot.addWidget(shown)
    copies = GLYPHS.copied
    qt_image, our_image = plain.grab().toImage(), cached.grab().toImage()
    # Every letter from a glyph image (spaces are glyphs too, but not where a line wraps).
    assert GLYPHS.copied - copies >= len(text.replace(" ", "")), "not painted from the cache"
    background = qt_image.pixel(0, 0)
    qt_box, our_box = ink_box(qt_image, background), ink_box(our_image, background)
    assert all(abs(a - b) <= 1 for a, b in zip(qt_box, our_box, strict=True)), (qt_box, our_box)
    # Glyphs are placed to a quarter pixel, which may shade an edge pixel differently;
    # a line, a wrap or a baseline half a pixel off differs in thousands of pixels.
    assert far_apart(qt_image, our_image) <= qt_image.width() * qt_image.height() // 5000


def test_each_glyph_is_rendered_once_then_copied(qtbot: QtBot, themed: Theme) -> None:
    # A size no other test uses: its glyphs are not in the shared cache yet.
    text = "입장 1 / 신청 9"
    count = label(BigTextLabel, text, 71, RIGHT, False, (843, 76))
    qtbot.addWidget(count)
    before = GLYPHS.rendered
    count.grab()
    first = GLYPHS.rendered - before
    assert 0 < first <= len(text)
    count.grab()
    count.grab()
    assert GLYPHS.rendered - before == first  # painted again: copied, not rendered
    count.setText("입장 1 / 신청 8")  # one new glyph, last on the line
    count.grab()
    assert GLYPHS.rendered - before == first + 1


def test_words_within_qts_own_cache_are_left_to_qt(qtbot: QtBot, themed: Theme) -> None:
    rendered = GLYPHS.rendered
    for px, text in ((40, "작은 글자 12345"), (64, "경계 67890")):
        small = label(BigTextLabel, text, px, CENTRE, True, (800, 200))
        qtbot.addWidget(small)
        small.grab()
    assert GLYPHS.rendered == rendered


def test_rich_text_is_left_to_qt(qtbot: QtBot, themed: Theme) -> None:
    rich = label(BigTextLabel, "<b>입장</b> 5", 90, CENTRE, True, (800, 200))
    rich.setTextFormat(Qt.TextFormat.RichText)
    qtbot.addWidget(rich)
    rendered = GLYPHS.rendered
    rich.grab()
    assert GLYPHS.rendered == rendered


def test_the_glyph_images_keep_to_their_budget(themed: Theme) -> None:
    glyphs = GlyphImages(budget=200_000)
    font = QFont()
    font.setPixelSize(120)
    canvas = QImage(2000, 200, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(canvas)
    draw_text(
        painter,
        QRect(0, 0, 2000, 200),
        LEFT_TOP,
        "0123456789 ABCDEFGHIJ",
        font,
        QColor("black"),
        glyphs,
    )
    painter.end()
    assert glyphs.rendered == 21  # every glyph once (the space too: it is a glyph)
    assert 0 < glyphs.held <= glyphs.budget
    assert len(glyphs) < glyphs.rendered  # the first ones made room for the last
