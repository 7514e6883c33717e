"""Full screen on any display: with a window manager, without one, on Windows.

``showFullScreen()`` only asks: on X11 it sets ``_NET_WM_STATE_FULLSCREEN``,
which a window manager honours and a bare X server (the kiosk's production
set-up, docs/deploy-kiosk-linux.md) ignores; there the window stays at its
size hint in the top-left corner. So the kiosk also puts its window on the
screen's geometry itself, and again whenever that screen changes size or
turns (xrandr), another screen becomes the primary one or the window moves
to another screen. With a window manager (and on Windows) the full-screen
state does the same and nothing fights.

The window's minimum size must never exceed the screen, or the geometry set
here is overruled; every citizen screen scrolls instead of growing, and
``fit`` logs when a window asks for more than its screen has.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRect, QTimer
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

__all__ = ["ScreenFit", "demo_geometry"]


class ScreenFit(QObject):
    """Keeps ``window`` covering its screen exactly, from ``start()`` on."""

    def __init__(self, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent or window)
        self._window = window
        self._screen: QScreen | None = None
        # One refit per burst of screen signals (a rotation sends several).
        self._again = QTimer(self)
        self._again.setSingleShot(True)
        self._again.setInterval(0)
        self._again.timeout.connect(self.fit)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenAdded.connect(self._screens_changed)
            app.screenRemoved.connect(self._screens_changed)
            app.primaryScreenChanged.connect(self._screens_changed)

    def screen(self) -> QScreen | None:
        handle = self._window.windowHandle()
        screen = handle.screen() if handle is not None else None
        return screen or QGuiApplication.primaryScreen()

    def start(self) -> None:
        """Show the window full screen on its screen, and keep it so."""
        self._follow(self.screen())
        self.fit()
        self._window.showFullScreen()
        handle = self._window.windowHandle()
        if handle is not None:
            handle.screenChanged.connect(self._follow)
        # The full-screen request may resize the window again: fit once it is mapped.
        self._again.start()

    def fit(self) -> None:
        screen = self.screen()
        if screen is None:
            return
        geometry = screen.geometry()
        needed = self._window.minimumSizeHint()
        if needed.width() > geometry.width() or needed.height() > geometry.height():
            log.error(
                "the kiosk window needs %d×%d but the screen is %d×%d",
                needed.width(),
                needed.height(),
                geometry.width(),
                geometry.height(),
            )
        if self._window.geometry() != geometry:
            log.info("fitting the kiosk window to the screen: %s", _describe(geometry))
            self._window.setGeometry(geometry)

    def _follow(self, screen: QScreen | None) -> None:
        if screen is self._screen:
            return
        if self._screen is not None:
            self._screen.geometryChanged.disconnect(self._geometry_changed)
        self._screen = screen
        if screen is not None:
            screen.geometryChanged.connect(self._geometry_changed)
        self._again.start()

    def _geometry_changed(self, _geometry: QRect) -> None:
        self._again.start()

    def _screens_changed(self, *_args: object) -> None:
        self._follow(self.screen())
        self._again.start()


def _describe(rect: QRect) -> str:
    return f"{rect.width()}×{rect.height()} at {rect.x()},{rect.y()}"


def demo_geometry(screen: QScreen | None, wanted: tuple[int, int] = (1280, 800)) -> QRect:
    """A desktop window for the demo: ``wanted`` or less, inside the screen's free area."""
    if screen is None:
        return QRect(0, 0, *wanted)
    free = screen.availableGeometry()
    width = min(wanted[0], free.width())
    height = min(wanted[1], free.height())
    rect = QRect(0, 0, width, height)
    rect.moveCenter(free.center())
    return rect
