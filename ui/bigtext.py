"""Words taller than Qt's glyph cache, painted from a cache of glyph images of our own.

Qt's raster engine keeps rendered glyphs up to 64 px tall; anything bigger
is filled as outlines on every paint. The check-in desk repaints two such
texts on every scan: the count ("입장 298,647 / 신청 500,073", 68 px on a
1080p panel: 1.6 ms a paint) and the verdict's headline (115 px: ~1 ms), a
third of the time from scan to verdict. Raising Qt's limit
(``QT_MAX_CACHED_GLYPH_SIZE``) makes it paint no such text at all (a test in
tests/ui/screens/test_checkin.py holds the headline to being painted).

So a ``BigTextLabel`` lays its text out as ``QPainter.drawText`` does for a
label (Qt's own ``QTextLayout``: the same lines, wraps and positions, see
``_lines``) and draws each glyph from ``GlyphImages``: every glyph rendered
once by Qt's own rasteriser into an image, then copied. Below the limit, for
rich text or right-to-left text, it is a plain ``QLabel``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGlyphRun,
    QImage,
    QPainter,
    QPaintEvent,
    QRawFont,
    QTextLayout,
    QTextLine,
    QTextOption,
)
from PySide6.QtWidgets import QLabel
from typing_extensions import override

# Qt's raster engine caches glyphs up to this many pixels (qpaintengine_raster.cpp).
QT_GLYPH_CACHE_PX = 64
# Sub-pixel steps a glyph's position keeps, across and down: Qt fills outlines at
# fractional positions (advances, a centred line, a baseline below a fractional
# ascent); a quarter pixel is closer than the eye sees, at a few images a glyph.
_STEPS = 4
_PAD = 2  # antialiasing reaches one pixel past a glyph's bounding box


# A rendered glyph's key: its font (_font_key), colour and device pixel ratio, the
# glyph, and its sub-pixel position in ``_STEPS`` across and down. A plain tuple:
# looked up for every letter of every paint.
_GlyphKey = tuple[tuple[object, ...], int, int, int]


@dataclass(frozen=True)
class _Glyph:
    image: QImage
    origin: QPoint  # where in ``image`` the glyph's origin (on its baseline) is, in pixels


class GlyphImages:
    """Rendered glyphs by font, glyph, colour and sub-pixel step; the least used go first.

    ``budget`` bounds the bytes held: a 115 px glyph is ~60 kB, so the desk's
    verdicts and count in two languages take a few hundred kB.
    """

    def __init__(self, budget: int = 8 << 20) -> None:
        self.budget = budget
        self.held = 0
        # Glyphs drawn by Qt's rasteriser, and glyph images copied to the screen, so far.
        self.rendered = 0
        self.copied = 0
        self._glyphs: OrderedDict[_GlyphKey, _Glyph] = OrderedDict()

    def __len__(self) -> int:
        return len(self._glyphs)

    def draw_run(self, painter: QPainter, run: QGlyphRun, origin: QPointF, colour: QColor) -> None:
        """Draw one glyph run of a laid-out line, its positions taken from ``origin``."""
        raw = run.rawFont()
        ratio = painter.device().devicePixelRatioF()
        font = (_font_key(raw), colour.rgba(), ratio)
        ox, oy = origin.x(), origin.y()
        glyphs = self._glyphs
        for index, position in zip(run.glyphIndexes(), run.positions(), strict=True):
            x, x_step = _split((ox + position.x()) * ratio)
            y, y_step = _split((oy + position.y()) * ratio)
            key = (font, index, x_step, y_step)
            glyph = glyphs.get(key)
            if glyph is None:
                glyph = self._render(raw, index, colour, QPointF(x_step, y_step) / _STEPS, ratio)
                self._keep(key, glyph)
            else:
                glyphs.move_to_end(key)
            painter.drawImage(
                QPointF((x - glyph.origin.x()) / ratio, (y - glyph.origin.y()) / ratio),
                glyph.image,
            )
        self.copied += len(run.glyphIndexes())

    def _render(
        self, font: QRawFont, index: int, colour: QColor, fraction: QPointF, ratio: float
    ) -> _Glyph:
        box = font.boundingRect(index)
        left = math.floor(box.left() * ratio) - _PAD
        top = math.floor(box.top() * ratio) - _PAD
        width = math.ceil(box.right() * ratio) + _PAD + 1 - left
        height = math.ceil(box.bottom() * ratio) + _PAD - top
        image = QImage(max(1, width), max(1, height), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        run = QGlyphRun()
        run.setRawFont(font)
        run.setGlyphIndexes([index])
        run.setPositions([QPointF(0, 0)])
        painter = QPainter(image)
        painter.setPen(colour)
        # Qt's own rasteriser, once: the same outlines and antialiasing as a paint.
        painter.translate(QPointF(-left, -top) + fraction)
        painter.scale(ratio, ratio)
        painter.drawGlyphRun(QPointF(0, 0), run)
        painter.end()
        image.setDevicePixelRatio(ratio)
        self.rendered += 1
        return _Glyph(image, QPoint(-left, -top))

    def _keep(self, key: _GlyphKey, glyph: _Glyph) -> None:
        self._glyphs[key] = glyph
        self.held += glyph.image.sizeInBytes()
        while self.held > self.budget and len(self._glyphs) > 1:
            _, oldest = self._glyphs.popitem(last=False)
            self.held -= oldest.image.sizeInBytes()


def _split(position: float) -> tuple[int, int]:
    """A device position as whole pixels and the ``_STEPS`` of a pixel after them."""
    whole = math.floor(position)
    step = round((position - whole) * _STEPS)
    if step == _STEPS:
        return whole + 1, 0
    return whole, step


def _font_key(font: QRawFont) -> tuple[object, ...]:
    return (
        font.familyName(),
        font.styleName(),
        font.pixelSize(),
        font.weight(),
        font.style(),
        font.hintingPreference(),
    )


GLYPHS = GlyphImages()


def draws_itself(font: QFont) -> bool:
    """Whether Qt would fill this font's glyphs as outlines on every paint."""
    size = font.pixelSize()
    if size <= 0:
        size = round(QFontMetricsF(font).height())  # a point size: roughly its pixels
    return size > QT_GLYPH_CACHE_PX


def draw_text(
    painter: QPainter,
    rect: QRect,
    flags: Qt.AlignmentFlag | int,
    text: str,
    font: QFont,
    colour: QColor,
    glyphs: GlyphImages = GLYPHS,
) -> None:
    """What ``painter.drawText(rect, flags, text)`` draws (left to right), from glyph images."""
    layout, lines = _lines(rect, int(flags), text, font)
    painter.save()
    # Words wider than the rectangle are cut at its edges, as drawText cuts them.
    painter.setClipRect(rect, Qt.ClipOperation.IntersectClip)
    for line, origin in lines:
        for run in line.glyphRuns():
            glyphs.draw_run(painter, run, origin, colour)
    painter.restore()
    layout.clearLayout()  # its lines were used until here


def _lines(
    rect: QRect, flags: int, text: str, font: QFont
) -> tuple[QTextLayout, list[tuple[QTextLine, QPointF]]]:
    # The steps of Qt's qt_format_text (qpainter.cpp) for a label's plain text:
    # lines as wide as the rectangle when wrapping (else unbounded), whole-pixel
    # line tops with the font's leading between them, the block aligned in the
    # rectangle, each line aligned by its advance.
    wrap = bool(flags & Qt.TextFlag.TextWordWrap)
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap if wrap else QTextOption.WrapMode.ManualWrap)
    option.setTextDirection(Qt.LayoutDirection.LeftToRight)
    layout.setTextOption(option)
    leading = QFontMetricsF(font).leading()
    width = max(0.0, float(rect.width())) if wrap else float(0x01000000)
    height = -leading
    layout.beginLayout()
    made: list[QTextLine] = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        height += leading
        height = math.ceil(height)
        line.setPosition(QPointF(0.0, height))
        # Unrounded, as qt_format_text adds it (QTextLine.height() rounds up).
        height += line.ascent() + line.descent()
        made.append(line)
    layout.endLayout()
    y = 0.0
    if flags & Qt.AlignmentFlag.AlignBottom:
        y = rect.height() - height
    elif flags & Qt.AlignmentFlag.AlignVCenter:
        y = (rect.height() - height) / 2
    placed: list[tuple[QTextLine, QPointF]] = []
    for line in made:
        advance = line.horizontalAdvance()
        x = 0.0
        if flags & Qt.AlignmentFlag.AlignRight:
            x = rect.width() - advance
        elif flags & Qt.AlignmentFlag.AlignHCenter:
            x = (rect.width() - advance) / 2
        placed.append((line, QPointF(rect.x() + x, rect.y() + y)))
    return layout, placed


class BigTextLabel(QLabel):
    """A ``QLabel`` whose plain text, when taller than Qt's glyph cache, comes from ``GLYPHS``."""

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        text = self.text()
        if not self._draws_itself(text):
            super().paintEvent(event)
            return
        painter = QPainter(self)
        colour = self.palette().color(self.foregroundRole())
        flags = int(self.alignment().value)
        if self.wordWrap():
            flags |= Qt.TextFlag.TextWordWrap.value
        draw_text(painter, self._text_rect(), flags, text, self.font(), colour)
        self.drawFrame(painter)  # last, over the words, as QLabel draws it
        painter.end()

    def _text_rect(self) -> QRect:
        # QLabel's own (QLabelPrivate::documentRect): the contents less the margin, less
        # the indent on an aligned side; a label with a frame (the theme's padding
        # counts as one) and no indent of its own is indented by half an "x".
        margin = self.margin()
        rect = self.contentsRect().adjusted(margin, margin, -margin, -margin)
        indent = self.indent()
        if indent < 0 and self.frameWidth():
            indent = self.fontMetrics().horizontalAdvance("x") // 2 - margin
        if indent > 0:
            align = self.alignment()
            if align & Qt.AlignmentFlag.AlignLeft:
                rect.setLeft(rect.left() + indent)
            if align & Qt.AlignmentFlag.AlignRight:
                rect.setRight(rect.right() - indent)
            if align & Qt.AlignmentFlag.AlignTop:
                rect.setTop(rect.top() + indent)
            if align & Qt.AlignmentFlag.AlignBottom:
                rect.setBottom(rect.bottom() - indent)
        return rect

    def _draws_itself(self, text: str) -> bool:
        return (
            bool(text)
            and self.textFormat() == Qt.TextFormat.PlainText
            and self.isEnabled()
            and self.layoutDirection() == Qt.LayoutDirection.LeftToRight
            and draws_itself(self.font())
        )
