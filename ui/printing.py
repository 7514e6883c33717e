"""Printing off the GUI thread: one worker thread, a queue of jobs, results as Qt signals.

A slip is printed after the record is committed and the receipt is on screen,
and nothing waits for it: ``print_slip`` queues the job and returns at once.
The worker (a plain daemon thread, so a printer stuck in its timeouts never
holds up the kiosk's exit) renders the slip, talks to the printer
(``printing.printer``), records the printer's state in the shared
``PrinterHealth`` (which the sync engine reports to the server) and emits the
outcome; Qt delivers it on the GUI thread. Every few minutes it also asks the
printer how it is, so staff and the server hear of an empty roll before a
citizen does.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

from core.printers import PrinterState
from kiosk.config import Settings
from printing.health import PrinterHealth
from printing.library import prepare
from printing.printer import PrinterTimeouts, PrintResult, SlipPrinter
from printing.slip import Slip
from printing.targets import Target, TargetError, parse_target

log = logging.getLogger(__name__)

# How often the printer is asked about itself while nothing prints.
STATUS_INTERVAL_MS = 5 * 60 * 1000

Job = Callable[[], None]


def target_of(settings: Settings) -> Target | None:
    try:
        return parse_target(settings.printer, settings.printer_address, settings.printer_baudrate)
    except TargetError:
        # load_settings refuses these; staff settings check before saving. Never crash here.
        log.error("printer settings unusable: %s %r", settings.printer, settings.printer_address)
        return None


def printer_for(settings: Settings, timeouts: PrinterTimeouts | None = None) -> SlipPrinter | None:
    target = target_of(settings)
    if target is None:
        return None
    return SlipPrinter(
        target,
        width_mm=settings.paper_width_mm,
        cutter=settings.printer_cutter,
        timeouts=timeouts,
    )


class Printing(QObject):
    """The kiosk's printer as the screens see it: queue a slip, ask for its state, hear back."""

    printed = Signal(str, object)  # the job's tag (a receipt code, "test", …), PrintResult
    state_changed = Signal(object)  # PrinterState, after every question and every job

    def __init__(
        self,
        settings: Settings,
        health: PrinterHealth | None = None,
        parent: QObject | None = None,
        *,
        timeouts: PrinterTimeouts | None = None,
        status_interval_ms: int = STATUS_INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        self.health = health or PrinterHealth()
        self._timeouts = timeouts
        self._cache = settings.data_dir / "cache" / "escpos"
        self._printer = printer_for(settings, timeouts)
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(status_interval_ms)
        self._timer.timeout.connect(self.check)
        if self._printer is None:
            self.health.record(PrinterState.NONE)
        else:
            self._timer.start()

    @property
    def configured(self) -> bool:
        return self._printer is not None

    @property
    def description(self) -> str:
        return self._printer.target.describe() if self._printer else ""

    @property
    def width_mm(self) -> int:
        return self._printer.width_mm if self._printer else 0

    def configure(self, settings: Settings) -> None:
        """Staff saved new printer settings: later jobs go to the new printer."""
        self._cache = settings.data_dir / "cache" / "escpos"
        self._printer = printer_for(settings, self._timeouts)
        if self._printer is None:
            self._timer.stop()
            self._record(PrinterState.NONE)
        else:
            self._timer.start()
            self.check()

    def print_slip(self, slip: Slip, tag: str) -> bool:
        """Queue ``slip``; False (and nothing queued) when no printer is configured."""
        printer = self._printer
        if printer is None:
            return False

        def job() -> None:
            try:
                result = printer.print_slip(slip)
            except Exception:
                # A bug in drawing or in the library: the slip is lost, the kiosk is not.
                log.exception("%s slip could not be printed", slip.kind)
                result = PrintResult(False, self.health.state or PrinterState.UNREACHABLE)
            self._record(result.state)
            self._emit(self.printed, tag, result)

        self._submit(job)
        return True

    def check(self) -> bool:
        """Ask the printer how it is; the answer comes as ``state_changed``."""
        printer = self._printer
        if printer is None:
            self._record(PrinterState.NONE)
            return False

        def job() -> None:
            try:
                state = printer.status()
            except Exception:
                log.exception("printer status check failed")
                state = PrinterState.UNREACHABLE
            self._record(state)

        self._submit(job)
        return True

    def shutdown(self) -> None:
        self._timer.stop()
        self._jobs.put(None)

    def _record(self, state: PrinterState) -> None:
        self.health.record(state)
        self._emit(self.state_changed, state)

    def _emit(self, signal: SignalInstance, *values: object) -> None:
        try:
            signal.emit(*values)
        except RuntimeError:
            log.debug("printer news after the window closed")

    def _submit(self, job: Job) -> None:
        if self._thread is None:
            cache = self._cache
            self._thread = threading.Thread(
                target=self._run, args=(cache,), name="slip-printer", daemon=True
            )
            self._thread.start()
        self._jobs.put(job)

    def _run(self, cache: Path) -> None:
        try:
            prepare(cache)
        except OSError as error:
            log.warning("no cache directory for the printer database (%s): %s", cache, error)
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job()
