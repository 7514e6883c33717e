"""Physical sizes on a touch screen: millimetres to pixels, and the low-position layout.

A touch target is a size on the glass (15 mm, a fingertip with a tremor), so
pixel sizes depend on the panel. ``dpi`` here is always *logical* pixels per
inch, the unit Qt layouts and style sheets use: the panel's physical DPI
divided by its device pixel ratio. ``logical_dpi`` works it out from the
``screen_dpi`` setting or, when that is 0, from what the screen reports.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent, QScreen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget
from typing_extensions import override

from ui.design import MM_PER_INCH, TARGET_MM, mm_to_px

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

# One source for millimetres on the glass: the design system (ui.design).
TOUCH_TARGET_MM: Final = TARGET_MM
# Qt's logical DPI on every desktop platform; also our fallback when a screen
# reports nonsense (offscreen, some HDMI panels report 0 mm or 1 m sizes).
REFERENCE_DPI: Final = 96.0
_PLAUSIBLE_DPI: Final = (40.0, 400.0)
# Share of a portrait screen's height that holds everything in low-position mode
# (KIOSK-UX: y ≥ 960 of 1920, about 700–1,000 mm from the floor).
LOW_POSITION_SHARE: Final = 0.5


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
    """Holds the window's content; in low-position mode on a tall screen, only in its lower part.

    A wheelchair user cannot reach the top of a tall portrait kiosk, so with
    ``set_low_position(True)`` and a frame taller than it is wide, the upper
    ``1 - LOW_POSITION_SHARE`` of the height goes dark with one line saying
    the screen was moved down (``shade``), and everything else, title and
    bottom bar included, re-flows into the part below it. Landscape screens
    are short enough to reach anywhere, so the band only appears in portrait.
    """

    def __init__(self, content: QWidget | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._enabled = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.shade = QLabel(self)
        self.shade.setProperty("role", "shade")
        self.shade.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.shade.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.shade.setWordWrap(True)
        self.shade.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.shade.hide()
        self._layout.addWidget(self.shade)
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

    def set_shade_text(self, text: str) -> None:
        self.shade.setText(text)
        self.shade.setAccessibleName(text)

    def band_active(self) -> bool:
        """Whether the dark top band is in effect (low position on, frame in portrait)."""
        return self._enabled and self.height() > self.width()

    def band_height(self, size: QSize | None = None) -> int:
        """How tall the dark band is (or would be) at ``size``; 0 when there is none."""
        size = size or self.size()
        if not self._enabled or size.height() <= size.width():
            return 0
        wanted = round(size.height() * (1 - LOW_POSITION_SHARE))
        # The band gives way when the content needs more than its share: nothing is clipped.
        content = self._content
        needed = (
            content.minimumSizeHint().expandedTo(content.minimumSize()).height() if content else 0
        )
        return max(0, min(wanted, size.height() - needed))

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        # Rotating the screen (or the window) decides whether the band applies.
        self._update_band(event.size())
        super().resizeEvent(event)

    def _update_band(self, size: QSize | None = None) -> None:
        height = self.band_height(size)
        self.shade.setVisible(height > 0)
        if self.shade.height() != height or self.shade.minimumHeight() != height:
            self.shade.setFixedHeight(height)
            self._layout.invalidate()
            self._layout.activate()
