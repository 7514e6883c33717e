"""Physical sizes on a touch screen: millimetres to pixels, and the low-position layout.

A touch target is a size on the glass (15 mm, a fingertip with a tremor), so
pixel sizes depend on the panel. ``dpi`` here is always *logical* pixels per
inch, the unit Qt layouts and style sheets use: the panel's physical DPI
divided by its device pixel ratio. ``logical_dpi`` works it out from the
``screen_dpi`` setting or, when that is 0, from what the screen reports.
"""

from __future__ import annotations

import math
from typing import Final

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent, QScreen
from PySide6.QtWidgets import QSizePolicy, QSpacerItem, QVBoxLayout, QWidget
from typing_extensions import override

__all__ = [
    "LOW_POSITION_SHARE",
    "MM_PER_INCH",
    "REFERENCE_DPI",
    "TOUCH_TARGET_MM",
    "LowPositionFrame",
    "logical_dpi",
    "mm_to_px",
    "touch_target_px",
]

MM_PER_INCH: Final = 25.4
TOUCH_TARGET_MM: Final = 15.0
# Qt's logical DPI on every desktop platform; also our fallback when a screen
# reports nonsense (offscreen, some HDMI panels report 0 mm or 1 m sizes).
REFERENCE_DPI: Final = 96.0
_PLAUSIBLE_DPI: Final = (40.0, 400.0)
# Share of a portrait screen's height that holds the controls in low-position mode.
LOW_POSITION_SHARE: Final = 0.6


def mm_to_px(mm: float, dpi: float) -> int:
    """Pixels covering at least ``mm`` millimetres at ``dpi`` (rounded up, never short)."""
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")
    # The epsilon keeps float noise (56.69291338582677 → 57, but 57.0000000001 → 58) honest.
    return math.ceil(mm * dpi / MM_PER_INCH - 1e-9)


def touch_target_px(dpi: float) -> int:
    """Smallest side of a touch target (15 mm) in logical pixels at ``dpi``."""
    return mm_to_px(TOUCH_TARGET_MM, dpi)


def logical_dpi(configured: float, screen: QScreen | None) -> float:
    """Logical pixels per inch: from the ``screen_dpi`` setting if set, else from the screen.

    ``configured`` is the panel's physical DPI as the operator measured it; 0
    means "ask the screen". Implausible values fall back to 96.
    """
    ratio = screen.devicePixelRatio() if screen is not None else 1.0
    physical = configured if configured > 0 else 0.0
    if physical <= 0 and screen is not None:
        physical = screen.physicalDotsPerInch()
    if not _PLAUSIBLE_DPI[0] <= physical <= _PLAUSIBLE_DPI[1]:
        return REFERENCE_DPI
    return physical / (ratio or 1.0)


class LowPositionFrame(QWidget):
    """Holds a screen's content; in low-position mode on a tall screen, only in its lower part.

    A wheelchair user cannot reach the top of a tall portrait kiosk, so with
    ``set_low_position(True)`` and a frame taller than it is wide, an empty
    band takes the top ``1 - LOW_POSITION_SHARE`` of the height and every
    control sits below it. Landscape screens are short enough to reach
    anywhere, so the band only appears in portrait.
    """

    def __init__(self, content: QWidget | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._enabled = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        # Preferred, not Fixed: when the content needs more than its share the
        # band gives way, so nothing is ever clipped.
        self._band = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self._layout.addSpacerItem(self._band)
        self._content: QWidget | None = None
        if content is not None:
            self.set_content(content)

    @property
    def content(self) -> QWidget | None:
        return self._content

    def set_content(self, content: QWidget) -> None:
        if self._content is not None:
            self._layout.removeWidget(self._content)
            self._content.setParent(None)
        self._content = content
        self._layout.addWidget(content, 1)
        self._update_band()

    def low_position(self) -> bool:
        return self._enabled

    def set_low_position(self, enabled: bool) -> None:
        self._enabled = enabled
        self._update_band()

    def band_active(self) -> bool:
        """Whether the empty top band is in effect (low position on, frame in portrait)."""
        return self._enabled and self.height() > self.width()

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        # Rotating the screen (or the window) decides whether the band applies.
        self._update_band(event.size())
        super().resizeEvent(event)

    def _update_band(self, size: QSize | None = None) -> None:
        size = size or self.size()
        portrait = size.height() > size.width()
        height = (
            round(size.height() * (1 - LOW_POSITION_SHARE)) if self._enabled and portrait else 0
        )
        if self._band.sizeHint().height() != height:
            self._band.changeSize(
                0, height, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred
            )
            self._layout.invalidate()
            self._layout.activate()
