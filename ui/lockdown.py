"""Kiosk lock-down: the window cannot be closed, escaped or poked at outside staff mode.

What the app does itself:

- ``LockDown`` is an application event filter. Escape (and Alt+F4 as a key,
  where a platform delivers it as one) does nothing outside staff mode, and no
  widget ever gets a context menu (a right click or long press would offer
  "Copy", "Select all", "Paste" over a citizen's words).
- The kiosk window asks ``may_close`` in its ``closeEvent``: a window
  manager's close button, Alt+F4 (which arrives as a close request) and
  ``close()`` are all ignored until staff choose "Exit kiosk".
- ``kiosk_window_flags`` makes the real kiosk frameless and on top, shown full
  screen; the desktop demo (``kiosk_mode = false``) stays a normal window.
- ``inhibit_screensaver`` asks the desktop, over D-Bus, not to blank the
  screen while the kiosk runs; best effort and silent when there is no such
  service.

What it cannot do, and who does: window-manager shortcuts (Alt+Tab, the Super
key, Ctrl+Alt+F1) never reach an application; the installer runs the kiosk
in a session without them and turns off blanking and DPMS (``xset s off
-dpms``). Qt Widgets show no touch selection handles, and labels are not
selectable, so nothing else leaks. A crash is restarted by the installer's
service, and the app always starts on the home screen; everything a citizen
was told is "received" was committed before they saw it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget
from typing_extensions import override

log = logging.getLogger(__name__)

_KEY_EVENTS = frozenset(
    {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride}
)


class LockDown(QObject):
    """Install on the QApplication; ``staff_active`` lets staff use Escape again."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.staff_active = False
        self._exit_permitted = False

    @property
    def may_close(self) -> bool:
        return self._exit_permitted

    def permit_exit(self) -> None:
        """Staff chose "Exit kiosk": the next close request is honoured."""
        self._exit_permitted = True

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ContextMenu:
            return True
        if kind in _KEY_EVENTS and isinstance(event, QKeyEvent) and not self.staff_active:
            return _is_escape_key(event)
        return False


def _is_escape_key(event: QKeyEvent) -> bool:
    if event.key() == Qt.Key.Key_Escape:
        return True
    alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
    return alt and event.key() == Qt.Key.Key_F4


def kiosk_window_flags(window: QWidget) -> None:
    """Frameless and on top: nothing of the desktop shows around or over the kiosk."""
    window.setWindowFlags(
        window.windowFlags()
        | Qt.WindowType.FramelessWindowHint
        | Qt.WindowType.WindowStaysOnTopHint
    )


def inhibit_screensaver(reason: str = "civic kiosk in use") -> int | None:
    """Ask the desktop's screensaver not to start; the cookie, or None if nobody listens.

    The inhibition lasts as long as this process's D-Bus connection, so there
    is nothing to release at exit. Without a session bus or a screensaver
    service (a bare X server, Windows) this does nothing and says nothing.
    """
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage
    except ImportError:
        return None
    service = "org.freedesktop.ScreenSaver"
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return None
    registered = bus.interface().isServiceRegistered(service)
    if not registered.isValid() or not registered.value():
        return None
    screensaver = QDBusInterface(service, "/org/freedesktop/ScreenSaver", service, bus)
    reply = screensaver.call("Inhibit", "civic-kiosk", reason)
    if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
        log.info("the screensaver did not accept an inhibition")
        return None
    cookie = reply.arguments()[0]
    return int(cookie) if isinstance(cookie, int) else None
