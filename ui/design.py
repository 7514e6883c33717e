"""The kiosk's design system in numbers: type scale, targets and spacing, from the panel's size.

Korea's kiosk criteria measure text on the glass: at least 12 mm high at a
500 mm viewing distance, a Hangul syllable measured with its 받침. A target
is a size on the glass too (15 mm in our design; the standard's floor is
12 mm). So every size here starts in millimetres and becomes pixels through
the panel's pitch, which comes from the ``screen_dpi`` setting or from what
the screen reports (``ui.touch.logical_dpi``). Nothing here knows Qt: the
theme turns these numbers into a style sheet, the layout audit holds the
screens to them.

Large text (200 %) doubles the reading and answering part of a screen: its
texts, choices, fields and main button, with their padding and icons. Two
things grow less, on purpose:

- The frame (title strip, bottom bar) and the on-screen keyboard grow by a
  quarter. Their labels are already above the minimum, and at double size
  the frame would wrap into rows that push the question off a landscape
  screen (the "header wraps to two rows" of issue 13).
- On a screen too short to hold a field, its label, its error, the main
  button, the keyboard and the frame at double size (a landscape panel, or
  the lower half in low-screen mode), large text grows as far as they fit:
  ``large_zoom`` works that out from the region's height in millimetres.
  Text never falls below the minimum either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "GAP_MM",
    "HANGUL_INK_EM",
    "LARGE_TEXT_MAX",
    "MIN_TARGET_MM",
    "MIN_TEXT_MM",
    "MM_PER_INCH",
    "TARGET_MM",
    "TEXT_MM",
    "TYPE_SCALE",
    "Metrics",
    "large_zoom",
    "metrics",
    "mm_to_px",
    "px_to_mm",
]

MM_PER_INCH: Final = 25.4
# The standard's floors: text (Hangul with 받침) and the side of a target.
MIN_TEXT_MM: Final = 12.0
MIN_TARGET_MM: Final = 12.0
# Ours: a little above the text floor, so rounding never lands below it, and
# targets a finger with a tremor still hits.
TEXT_MM: Final = 12.5
TARGET_MM: Final = 15.0
# Between two targets (the standard asks for 2.5 mm).
GAP_MM: Final = 4.0
# The shipped font (NanumSquare) draws a Hangul syllable with 받침 0.92 em
# tall, regular and bold alike (a test measures it): 12.5 mm of ink is a
# font of 12.5 / 0.92 mm.
HANGUL_INK_EM: Final = 0.92
LARGE_TEXT_MAX: Final = 2.0
# Frame and keyboard grow by this share of what the content grows by.
FRAME_SHARE: Final = 0.25

# Each role's font as a multiple of the smallest text. Nothing is below 1.0:
# helper text is read by the same eyes as the rest.
TYPE_SCALE: Final[dict[str, float]] = {
    "body": 1.0,
    "hint": 1.0,
    "field-label": 1.0,
    "error": 1.0,
    "status": 1.0,
    "choice": 1.0,
    "button": 1.1,
    "question": 1.15,
    "subtitle": 1.15,
    "tile-title": 1.25,
    "tile-hint": 1.0,
    "title": 1.3,
    "verdict": 1.3,
    # The receipt code is copied onto paper or read to a phone operator.
    "code": 1.6,
    # The check-in verdict, read from two metres away.
    "headline": 2.2,
    # The frame: the strip at the top and the bar at the bottom.
    "frame-title": 1.1,
    "step": 1.0,
    "bar": 1.0,
    # Compatibility jamo are drawn small in Hangul fonts; a bigger size evens them out
    # (not more: a Latin "j" must still fit a 15 mm key).
    "key": 1.15,
    "key-action": 1.0,
}
FRAME_ROLES: Final = frozenset({"frame-title", "step", "bar", "status"})
KEY_ROLES: Final = frozenset({"key", "key-action"})

# What a screen at large text must hold in its height, in millimetres, when the
# keyboard is open: the parts that do not grow with the content (the keyboard at
# 15 mm keys, title strip, bottom bar, margins; on a portrait screen the keyboard
# has its digits in a fifth row and the title strip two rows) and, per unit of
# zoom, the parts that do (the focused field with its question and an error
# line, the main button). Measured on the layout; the layout audit holds it.
_FIXED_MM: Final = {"landscape": 150.0, "portrait": 180.0}
_PER_ZOOM_MM: Final = 100.0
# Large text never does less than this, however short the screen.
_LARGE_MIN: Final = 1.15
# A region at least this tall (a portrait screen) gets the generous main button; one
# shorter than _SHORT_MM (an 18.5-inch 1366×768 panel is 230 mm) the thriftiest frame.
_ROOMY_MM: Final = 400.0
SHORT_MM: Final = 260.0
# While the keyboard is open in low-screen mode on a region shorter than this (the
# lower half of a portrait 27-inch panel is 299 mm), or on a short one, the bottom
# bar keeps only start over, back and call staff: the field and question need it.
COMPACT_BAR_MM: Final = 320.0


def mm_to_px(mm: float, dpi: float) -> int:
    """Pixels covering at least ``mm`` millimetres at ``dpi`` (rounded up, never short)."""
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")
    # The epsilon keeps float noise (56.69291338582677 → 57, but 57.0000000001 → 58) honest.
    return math.ceil(mm * dpi / MM_PER_INCH - 1e-9)


def px_to_mm(px: float, dpi: float) -> float:
    return px * MM_PER_INCH / dpi


def large_zoom(region_height_px: int, dpi: float, *, portrait: bool = False) -> float:
    """How much large text grows on a region this tall (0 = unknown: the full 200 %)."""
    if region_height_px <= 0:
        return LARGE_TEXT_MAX
    height_mm = px_to_mm(region_height_px, dpi)
    fixed = _FIXED_MM["portrait" if portrait else "landscape"]
    fit = (height_mm - fixed) / _PER_ZOOM_MM
    # In steps of 5 %: a rotation by a few pixels does not restyle the whole window.
    stepped = math.floor(fit * 20) / 20
    return max(_LARGE_MIN, min(LARGE_TEXT_MAX, stepped))


@dataclass(frozen=True)
class Metrics:
    """Every size the kiosk draws, in logical pixels."""

    dpi: float
    zoom: float
    frame_zoom: float
    key_zoom: float
    font: dict[str, int] = field(default_factory=dict)
    # The smallest side of anything a finger touches.
    target: int = 0
    gap: int = 0
    # Inside a button, above and below its label (and twice that at the sides).
    pad: int = 0
    frame_pad: int = 0
    margin: int = 0
    icon: int = 0
    tile_icon: int = 0
    bar_icon: int = 0
    primary_height: int = 0
    choice_height: int = 0
    bar_height: int = 0
    # A short screen (1366×768): every millimetre of height goes to the field being typed.
    short: bool = False

    def px(self, mm: float) -> int:
        return mm_to_px(mm, self.dpi)

    def mm(self, px: float) -> float:
        return px_to_mm(px, self.dpi)

    # The smallest text allowed anywhere (12.5 mm at zoom 1): what a word may shrink to.
    min_text_px: int = 0

    @property
    def text_px(self) -> int:
        """The smallest content text (body) in pixels."""
        return self.font["body"]


def _font_px(mm: float, dpi: float) -> int:
    """The font size whose Hangul syllable (with 받침) is ``mm`` millimetres tall."""
    return math.ceil(mm * dpi / MM_PER_INCH / HANGUL_INK_EM - 1e-9)


def metrics(
    dpi: float, *, large_text: bool = False, region_height_px: int = 0, portrait: bool = False
) -> Metrics:
    """The design system for a panel of ``dpi`` logical px per inch.

    ``region_height_px`` is the height the interaction has (the window, or
    its lower part in low-screen mode): large text grows as far as it holds,
    and a tall one gets a more generous main button.
    """
    zoom = large_zoom(region_height_px, dpi, portrait=portrait) if large_text else 1.0
    height_mm = px_to_mm(region_height_px, dpi)
    roomy = region_height_px <= 0 or height_mm >= _ROOMY_MM
    short = 0 < height_mm < SHORT_MM
    frame_zoom = 1 + (zoom - 1) * FRAME_SHARE
    base = _font_px(TEXT_MM, dpi)
    font = {}
    for role, factor in TYPE_SCALE.items():
        grows = frame_zoom if role in FRAME_ROLES | KEY_ROLES else zoom
        font[role] = math.ceil(base * factor * grows)
    target = mm_to_px(TARGET_MM, dpi)
    spacing = 1 + (zoom - 1) / 2  # spacing grows, but less than text: room for the text
    pad = round(base * 0.3 * spacing)
    frame_pad = round(base * 0.2 * frame_zoom)
    line = round(font["button"] * 1.15)
    return Metrics(
        dpi=dpi,
        zoom=zoom,
        frame_zoom=frame_zoom,
        key_zoom=frame_zoom,
        font=font,
        target=target,
        gap=round(mm_to_px(GAP_MM, dpi) * spacing),
        pad=pad,
        frame_pad=frame_pad,
        margin=round(mm_to_px(6.0, dpi) * spacing),
        icon=round(font["body"] * 1.1),
        tile_icon=round(font["tile-title"] * 1.6),
        bar_icon=round(font["bar"] * 0.9),
        # KIOSK-UX asks 40 mm for the main button; a short screen gives it what it can.
        primary_height=max(
            target,
            line + 2 * (frame_pad if short else pad),
            mm_to_px(30.0, dpi) if roomy else 0,
        ),
        short=short,
        choice_height=max(target, round(font["choice"] * 1.15) + 2 * pad),
        bar_height=max(target, round(font["bar"] * 1.15) + 2 * frame_pad),
        min_text_px=base,
    )
