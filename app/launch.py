"""Starting the kiosk: the application, fonts, theme, the window, and the sync wiring.

``build_window`` puts the pieces together without running the event loop, so
tests, screenshots and benchmarks build exactly what ``run_kiosk`` shows.
``run_kiosk`` adds what only a real kiosk run wants: the log file, the locked
full-screen window (``kiosk_mode``) and the screensaver inhibition.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget
from typing_extensions import override

from app.pyside import spare_sources  # first of ours: what follows is imported after Qt
from core.clock import Clock, utcnow
from kiosk.config import Settings, settings_path
from kiosk.keypad import parse_key_map
from ui.fonts import load_fonts
from ui.fullscreen import ScreenFit, demo_geometry
from ui.i18n import I18n, install
from ui.idle import IdleTiming
from ui.keyboard import OnScreenKeyboard
from ui.lockdown import inhibit_screensaver, kiosk_window_flags
from ui.logs import install_file_log, route_qt_messages
from ui.printing import Printing
from ui.screens.accessibility import Accessibility
from ui.shell import KioskWindow, OnlineServices
from ui.theme import ThemeOptions, apply_theme
from ui.touch import logical_dpi

if TYPE_CHECKING:
    # Imported where used: the voice (eSpeak; QtMultimedia when it first sounds) and the
    # server's desk are attached once the home screen has been painted (run_kiosk), the
    # network watch once a sync round has failed (NetworkWatch).
    from PySide6.QtNetwork import QNetworkInformation

    from app.opening import StoreOpening
    from kiosk.store import Store
    from printing.health import PrinterHealth
    from sync.client import Timeouts
    from sync.status import SyncControl, SyncStatus
    from ui.camera import CameraScanner
    from ui.earphone import EarphoneJack
    from ui.photo import PhotoSource
    from ui.speech import Speaker
    from ui.voice.guide import VoiceGuide

log = logging.getLogger(__name__)
# The start-up benchmarks' probe (installer/launcher.py prints HOME_SHOWN at the first
# paint); STORE_OPEN here says when a tap on the home screen no longer waits for start-up.
PROBE_VARIABLE = "CIVIC_BENCH_PROBE"
spare_sources()  # again, harmless: in case PySide6 was imported before this module


def ensure_app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    return QApplication(sys.argv)


class SyncBridge(QObject):
    """Turns the engine's worker-thread callback into a queued Qt signal."""

    status_changed = Signal(object)  # SyncStatus

    def sync_status_changed(self, status: SyncStatus) -> None:
        # Called on the sync worker thread: emitting is thread-safe, and the
        # receiver lives on the GUI thread, so the slot runs there (queued).
        try:
            self.status_changed.emit(status)
        except RuntimeError:
            log.debug("sync status after the window closed: %s", status.state)


def network_hint(sync: SyncControl) -> Callable[[QNetworkInformation.Reachability], None]:
    """A slot that tells the engine the network is back (a hint; it still checks)."""

    from PySide6.QtNetwork import QNetworkInformation

    def changed(reachability: QNetworkInformation.Reachability) -> None:
        if reachability in (
            QNetworkInformation.Reachability.Online,
            QNetworkInformation.Reachability.Site,
            QNetworkInformation.Reachability.Local,
        ):
            sync.network_back()

    return changed


def watch_network(sync: SyncControl) -> bool:
    """Wire QNetworkInformation reachability to ``sync.network_back`` if a backend loads."""
    from PySide6.QtNetwork import QNetworkInformation

    if not QNetworkInformation.loadBackendByFeatures(QNetworkInformation.Feature.Reachability):
        return False
    # The engine probes for itself; this only saves it waiting for its next timer.
    QNetworkInformation.instance().reachabilityChanged.connect(network_hint(sync))
    return True


class NetworkWatch(QObject):
    """``watch`` (``watch_network``) once a sync round has failed, not before.

    The hint only cuts short an engine's wait after a failed round: a kiosk
    whose rounds succeed, or one not enrolled, has no use for it, and loading
    it (QtNetwork and its reachability backends, which ask NetworkManager,
    connman or GLib over D-Bus) is ~6 MB resident for good. A failed round
    says so in its status (``SyncStatus.reason``), which arrives here queued
    to the GUI thread, where Qt wants the backend loaded.
    """

    def __init__(
        self,
        bridge: SyncBridge,
        sync: SyncControl,
        watch: Callable[[SyncControl], bool] = watch_network,
    ) -> None:
        super().__init__(bridge)
        self._sync = sync
        self._watch = watch
        self.watching = False
        bridge.status_changed.connect(self.status_changed)
        self.status_changed(sync.status)

    def status_changed(self, status: SyncStatus) -> None:
        if self.watching or not status.reason:
            return
        self.watching = True
        self._watch(self._sync)


def bind_sync(window: KioskWindow, sync: SyncControl) -> SyncBridge:
    bridge = SyncBridge(window)
    window.attach_sync(sync)
    bridge.status_changed.connect(window.show_sync_status)
    sync.add_observer(bridge)
    window.show_sync_status(sync.status)
    window.submitted.connect(lambda _receipt: sync.notify_local_commit())
    window.committed.connect(sync.notify_local_commit)
    return bridge


def build_window(
    settings: Settings,
    store: Store | Callable[[], Store],
    *,
    sync: SyncControl | None = None,
    timing: IdleTiming | None = None,
    clock: Clock = utcnow,
    network: bool = True,
    monotonic: Callable[[], float] = time.monotonic,
    camera: CameraScanner | None = None,
    photo_source: PhotoSource | None = None,
    config_path: Path | None = None,
    enrol_timeouts: Timeouts | None = None,
    jack: EarphoneJack | None = None,
    speaker: Speaker | None = None,
    online: OnlineServices | None = None,
    printer_health: PrinterHealth | None = None,
    frameless: bool = False,
    voice: bool = True,
) -> KioskWindow:
    """The window with everything a kiosk run has; ``store`` or how to get it when first
    needed (app.opening.StoreOpening.result); ``jack`` and ``speaker`` may be given
    (a test's hand-plugged jack; a speaker on a named engine), else built from settings;
    ``online`` (sync.online.OnlineDesk) when it may ask the server; ``frameless`` for
    kiosk mode (ui.lockdown.kiosk_window_flags); ``voice=False`` leaves the voice to be
    attached later (``attach_voice``: run_kiosk does it after the first paint)."""
    app = ensure_app()
    load_fonts()
    dpi = logical_dpi(settings.screen_dpi, app.primaryScreen())
    i18n = install(I18n(settings.language))
    # A configured hardware keyboard replaces the on-screen one entirely.
    keyboard = None if settings.physical_keyboard else OnScreenKeyboard(dpi=dpi)
    if keyboard is not None:
        # Hidden from the start, not only once the window is built: the window is laid
        # out without it, and its keys are made when it is first shown (ui/keyboard.py).
        keyboard.hide()
    window = KioskWindow(
        settings,
        store,
        i18n=i18n,
        timing=timing or IdleTiming.from_settings(settings),
        clock=clock,
        keyboard=keyboard,
        monotonic=monotonic,
        camera=camera,
        photo_source=photo_source,
        config_path=config_path,
        enrol_timeouts=enrol_timeouts,
        online=online,
        printing=Printing(settings, printer_health),
    )
    if frameless:
        # Before the theme: new window flags re-parent the window, and a themed
        # window is then polished again from scratch (~0.25 s at start-up).
        kiosk_window_flags(window)
    i18n.setParent(window)
    if keyboard is not None:
        # Shown only while a text field has focus: tiles and lists get the room otherwise.
        keyboard.targetChanged.connect(keyboard.setVisible)
        keyboard.setVisible(keyboard.target() is not None)
    window.dpi = dpi
    if voice:
        attach_voice(window, settings, jack=jack, speaker=speaker)

    applied: list[ThemeOptions] = []

    def appearance(_options: Accessibility) -> None:
        # Restyling every widget takes seconds on a slow kiosk: only when the look changed
        # (not when voice guidance goes on as earphones are plugged in). The window knows
        # its size: large text grows as far as the screen holds it.
        theme = window.theme_options()
        if applied and applied[-1] == theme:
            return
        applied[:] = [theme]
        apply_theme(app, theme)

    window.accessibility_changed.connect(appearance)
    appearance(window.accessibility)
    app.installEventFilter(window.watcher)
    # Installed last, so it sees keys first: Escape never reaches a screen outside staff mode.
    app.installEventFilter(window.lockdown)
    window.watcher.start()
    if sync is not None:
        bridge = bind_sync(window, sync)
        if network:
            NetworkWatch(bridge, sync)
    return window


def attach_voice(
    window: KioskWindow,
    settings: Settings,
    *,
    jack: EarphoneJack | None = None,
    speaker: Speaker | None = None,
) -> VoiceGuide:
    """The voice, the keypad and the earphone jack (ui.voice.guide), on ``window.voice``."""
    from ui.earphone import jack_for
    from ui.speech import Speaker
    from ui.voice.guide import VoiceGuide

    speaker = speaker or Speaker()
    speaker.setParent(window)
    if jack is None:
        jack = jack_for(settings.earphone_detection, settings.earphone_keys, window)
        stop = getattr(jack, "stop", None)
        if callable(stop):
            window.destroyed.connect(stop)  # no pactl left running behind the window
    else:
        jack.setParent(window)
    guide = VoiceGuide(window, speaker, jack, parse_key_map(settings.keypad_keys))
    window.voice = guide
    window.set_speech_status(lambda: (speaker.status(), jack.describe()))
    return guide


def calm_excepthook(
    window: KioskWindow,
) -> Callable[[type[BaseException], BaseException, TracebackType | None], None]:
    """Anything that escapes a slot: log it, show "please ask staff", never a traceback."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error in the kiosk UI", exc_info=(kind, error, tb))
        try:
            window.show_problem()
        except Exception:
            log.exception("could not show the error screen")

    return hook


class FirstPaint(QObject):
    """Calls ``then`` once, in the event loop turn after ``window`` was first painted."""

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self.then: Callable[[], None] | None = then
        window.installEventFilter(self)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.then is not None and event.type() == QEvent.Type.Paint:
            then, self.then = self.then, None
            watched.removeEventFilter(self)
            QTimer.singleShot(0, then)
        return False


class StoreOpened(QObject):
    """The store opening's end, from its thread to the GUI thread (a queued signal)."""

    opened = Signal()

    def emit_opened(self) -> None:
        try:
            self.opened.emit()
        except RuntimeError:  # the window closed meanwhile
            log.debug("store opened after the window closed")


def run_kiosk(
    settings: Settings,
    store: Store | StoreOpening,
    sync: SyncControl | None = None,
    *,
    start_sync: Callable[[], SyncControl] | None = None,
    config_path: Path | None = None,
    printer_health: PrinterHealth | None = None,
) -> int:
    """Run until staff choose "Exit kiosk"; staff settings are saved to ``config_path``.

    ``sync`` is bound before the window shows; ``start_sync`` is called once the
    home screen has been painted and the store is open, and what it starts is
    bound then. A ``StoreOpening`` is started once the home screen has been
    painted: the window is shown before the store is open.
    """
    from app.opening import StoreOpening

    app = ensure_app()
    install_file_log(settings.log_dir, redact_others=True)
    route_qt_messages()
    if isinstance(store, StoreOpening):
        opening: StoreOpening | None = store
        source: Store | Callable[[], Store] = store.result
    else:
        opening, source = None, store
    window = build_window(
        settings,
        source,
        sync=sync,
        config_path=config_path or settings_path(),
        printer_health=printer_health,
        frameless=settings.kiosk_mode,
        voice=False,
    )
    sys.excepthook = calm_excepthook(window)
    window.exited.connect(app.quit)
    # Before the first paint, so the home screen is laid out for the turned display.
    window.turn_display(settings.orientation)
    if settings.kiosk_mode:
        # Full screen with or without a window manager, following the screen if it turns
        # (the frameless flags were set in build_window).
        ScreenFit(window).start()
        inhibit_screensaver()
    else:
        # The desktop demo: a window that fits the screen it is on, closed only from staff mode.
        window.setGeometry(demo_geometry(app.primaryScreen()))
        window.show()

    def store_opened() -> None:
        # window.store takes the store (or raises its error, for the calm excepthook).
        store = window.store
        if sync is not None or start_sync is not None:
            from sync.online import OnlineDesk

            # A kiosk that syncs asks the server for places and cases while a citizen waits.
            window.attach_online(OnlineDesk(store))
        if start_sync is not None:
            started = start_sync()
            NetworkWatch(bind_sync(window, started), started)
        if os.environ.get(PROBE_VARIABLE):
            sys.stdout.write("STORE_OPEN\n")
            sys.stdout.flush()

    def after_first_paint() -> None:
        # Nothing a citizen needs to see the home screen: the store (SQLAlchemy, the
        # migrations check, the enrolment), the voice and keypad (QtMultimedia, eSpeak
        # NG, the earphone jack), the server's desk (its HTTP client), the sync engine.
        if opening is not None:
            bridge = StoreOpened(window)
            bridge.opened.connect(store_opened)
            opening.when_done(bridge.emit_opened)
            opening.start()
        attach_voice(window, settings)
        if opening is None:
            store_opened()

    FirstPaint(window, after_first_paint)
    log.info("kiosk started (kiosk mode %s)", "on" if settings.kiosk_mode else "off")
    return app.exec()
