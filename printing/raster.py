"""Draw a slip into the 1-bit picture a thermal printer prints, with the bundled Hangul font.

Text is drawn by Pillow with NanumSquare (the font the screen uses), never sent
as characters: a thermal printer's code pages differ by make and many have no
Hangul, while a raster prints the same on every ESC/POS printer. The picture is
exactly as wide as the paper's printable dots (58 mm: 384, 80 mm: 576), black
on white, with no grey: the threshold is applied here, so the PNG preview shows
each dot as the printer will burn it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from assets import asset
from printing.slip import Align, Block, Gap, Line, Qr, Rule, Size, Slip

# Printable dots across the paper at 203 dpi (8 dots per mm).
PAPER_DOTS = {58: 384, 80: 576}
# Text height per size, as a share of the paper width (58 mm body text: 24 dots, 3 mm).
_SIZE_SHARE = {Size.SMALL: 0.052, Size.BODY: 0.062, Size.HEADING: 0.08, Size.CODE: 0.14}
_MARGIN_SHARE = 0.025
# The QR takes about this share of the width: big modules read well from thermal paper.
_QR_SHARE = 0.62
_LINE_SPACING = 1.3
_EC_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
WHITE = 255
BLACK = 0


class UnknownPaper(ValueError):
    """A paper width the kiosk has no raster width for (58 and 80 mm are known)."""


def paper_dots(width_mm: int) -> int:
    try:
        return PAPER_DOTS[width_mm]
    except KeyError:
        raise UnknownPaper(f"no printable width known for {width_mm} mm paper") from None


@cache
def _font(bold: bool, pixels: int) -> ImageFont.FreeTypeFont:
    name = "NanumSquareB.ttf" if bold else "NanumSquareR.ttf"
    # Read into memory: in a wheel or a bundle the font may not be a file on disk.
    return ImageFont.truetype(io.BytesIO(asset("fonts", name).read_bytes()), pixels)


@dataclass(frozen=True)
class _Strip:
    """One drawn block: a greyscale strip as wide as the paper."""

    image: Image.Image


def render(slip: Slip, width_mm: int) -> Image.Image:
    """The slip as a mode "1" picture ``paper_dots(width_mm)`` wide (black = a printed dot)."""
    width = paper_dots(width_mm)
    margin = round(width * _MARGIN_SHARE)
    strips = [strip for block in slip.blocks for strip in _draw(block, width, margin)]
    height = sum(s.image.height for s in strips) + 2 * margin
    page = Image.new("L", (width, max(height, 1)), WHITE)
    y = margin
    for strip in strips:
        page.paste(strip.image, (0, y))
        y += strip.image.height
    # A hard threshold: thermal dots are on or off, and the preview should say so.
    return page.point(lambda value: 255 if value >= 128 else 0).convert("1", dither=None)


def _draw(block: Block, width: int, margin: int) -> Iterator[_Strip]:
    if isinstance(block, Line):
        yield from _text(block, width, margin)
    elif isinstance(block, Qr):
        yield _qr(block, width)
    elif isinstance(block, Rule):
        yield _rule(width, margin)
    elif isinstance(block, Gap):
        yield _Strip(Image.new("L", (width, max(1, width * block.per_mille // 1000)), WHITE))


def _text(line: Line, width: int, margin: int) -> Iterator[_Strip]:
    usable = width - 2 * margin
    pixels = max(12, round(width * _SIZE_SHARE[line.size]))
    font = _font(line.bold, pixels)
    if line.wrap:
        rows = wrap(line.text, font, usable)
    else:
        while pixels > 12 and font.getlength(line.text) > usable:
            pixels -= 1
            font = _font(line.bold, pixels)
        rows = [line.text]
    row_height = round(pixels * _LINE_SPACING)
    for row in rows:
        strip = Image.new("L", (width, row_height), WHITE)
        draw = ImageDraw.Draw(strip)
        x = margin
        if line.align is Align.CENTER:
            x = margin + max(0, round((usable - font.getlength(row)) / 2))
        # Anchored on the baseline of a fixed ascent, so rows of one size line up evenly.
        draw.text((x, round(pixels * 1.0)), row, font=font, fill=BLACK, anchor="ls")
        yield _Strip(strip)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines no wider than ``width``: break at spaces, and inside a word only when it must.

    Korean may break between any two syllables, but a reader prefers whole
    words; a word (a URL, a long compound) wider than the line is cut where
    it reaches the edge.
    """
    rows: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= width:
                current = candidate
                continue
            if current:
                rows.append(current)
            current = ""
            for char in word:
                if font.getlength(current + char) > width and current:
                    rows.append(current)
                    current = ""
                current += char
        rows.append(current)
    return rows


def _qr(block: Qr, width: int) -> _Strip:
    code = qrcode.QRCode(
        error_correction=_EC_LEVELS.get(block.error_correction, _EC_LEVELS["M"]),
        border=4,
        box_size=1,
    )
    code.add_data(block.data)
    code.make(fit=True)
    modules = code.modules_count + 2 * code.border
    # Whole dots per module: a QR scaled by a fraction smears on a thermal head.
    module = max(2, int(width * _QR_SHARE) // modules)
    picture = code.make_image(fill_color="black", back_color="white").get_image()
    picture = picture.convert("L").resize(
        (modules * module, modules * module), Image.Resampling.NEAREST
    )
    strip = Image.new("L", (width, picture.height), WHITE)
    strip.paste(picture, ((width - picture.width) // 2, 0))
    return _Strip(strip)


def _rule(width: int, margin: int) -> _Strip:
    thickness = max(2, width // 192)
    pad = max(4, width // 48)
    strip = Image.new("L", (width, 2 * pad + thickness), WHITE)
    ImageDraw.Draw(strip).rectangle(
        (margin, pad, width - margin - 1, pad + thickness - 1), fill=BLACK
    )
    return _Strip(strip)
