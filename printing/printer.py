"""Print a slip on the kiosk's printer: open, ask its status, send the job, ask again, close.

Blocking, and meant for a worker thread (``ui.printing``): a printer that is
switched off can take the whole connect timeout to say nothing. Every step is
bounded by a timeout, and every failure becomes a ``PrinterState``, never an
exception: a slip is a courtesy on top of a submission that is already stored.

The printer is asked before the job (no paper, cover open: do not send a job
that would come out later, or half) and after it (the paper ran out or the
cutter jammed on this slip). The connection is opened for each job and closed
after it, so a printer that was unplugged and plugged back in simply works.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from core.printers import PrinterState, can_print
from printing.library import escpos_printers
from printing.slip import Slip
from printing.status import QUERY_ORDER, StatusReplies, last_reply, query, state_of
from printing.targets import NetworkTarget, Target, UsbTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrinterTimeouts:
    connect_s: float = 3.0
    # A real-time status reply comes back within milliseconds on a working printer.
    status_s: float = 2.0
    # Sending a slip waits while the printer prints what is already in its buffer.
    write_s: float = 20.0


@dataclass(frozen=True)
class PrintResult:
    printed: bool
    state: PrinterState


class Link(Protocol):
    """An open connection to a printer: bytes out, and a question with its short answer."""

    def send(self, data: bytes) -> None: ...

    def ask(self, question: bytes) -> bytes: ...

    def close(self) -> None: ...


Opener = Callable[[Target, PrinterTimeouts], Link]


class EscposLink:
    """A python-escpos printer (Network, Usb or Serial) as a ``Link``."""

    def __init__(
        self, device: Any, before_send: Callable[[], None], before_ask: Callable[[], None]
    ):
        self._device = device
        self._before_send = before_send
        self._before_ask = before_ask

    def send(self, data: bytes) -> None:
        self._before_send()
        self._device._raw(data)  # python-escpos's one call for raw bytes, in every driver

    def ask(self, question: bytes) -> bytes:
        self._before_ask()
        try:
            answer = self._device.query_status(question)
        except TimeoutError:
            return b""
        except Exception as error:  # pyusb's timeout is a USBError, pyserial's an empty read
            if "timeout" in type(error).__name__.lower() or "timed out" in str(error):
                return b""
            raise
        return bytes(answer or b"")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._device.close()


def open_link(target: Target, timeouts: PrinterTimeouts) -> Link:
    """Connect to the printer through python-escpos; raises when it is not there."""
    printers = escpos_printers()
    if isinstance(target, NetworkTarget):
        device = printers.Network(target.host, target.port, timeout=timeouts.connect_s)
        device.open()
        connection = device.device

        def write_timeout() -> None:
            connection.settimeout(timeouts.write_s)

        def read_timeout() -> None:
            connection.settimeout(timeouts.status_s)

        return EscposLink(device, write_timeout, read_timeout)
    if isinstance(target, UsbTarget):
        device = printers.Usb(
            target.vendor,
            target.product,
            usb_args=_usb_backend(),
            timeout=int(timeouts.write_s * 1000),  # pyusb counts milliseconds
        )
        device.open()
        return EscposLink(device, _nothing, _nothing)
    device = printers.Serial(
        devfile=target.device, baudrate=target.baudrate, timeout=timeouts.status_s
    )
    device.open()
    return EscposLink(device, _nothing, _nothing)


def _nothing() -> None:
    pass


def _usb_backend() -> dict[str, Any]:
    """libusb from the libusb-package wheel, else whatever pyusb finds on the system."""
    try:
        import libusb_package

        backend = libusb_package.get_libusb1_backend()
    except Exception:
        log.warning("libusb-package has no usable libusb here; asking the system's")
        return {}
    return {"backend": backend} if backend is not None else {}


def describe(target: Target | None) -> str:
    return "no printer" if target is None else target.describe()


class SlipPrinter:
    """One configured printer: its address, paper width and whether it can cut."""

    def __init__(
        self,
        target: Target,
        *,
        width_mm: int = 80,
        cutter: bool = True,
        timeouts: PrinterTimeouts | None = None,
        opener: Opener = open_link,
    ) -> None:
        self.target = target
        self.width_mm = width_mm
        self.cutter = cutter
        self.timeouts = timeouts or PrinterTimeouts()
        self._open = opener

    def status(self) -> PrinterState:
        """What the printer says about itself now (unreachable when it says nothing)."""
        try:
            link = self._open(self.target, self.timeouts)
        except Exception as error:
            log.info("printer %s not reachable: %s", describe(self.target), error)
            return PrinterState.UNREACHABLE
        try:
            return self._ask(link)
        finally:
            link.close()

    def print_slip(self, slip: Slip) -> PrintResult:
        # Pillow and qrcode (~8 MB) load with the first slip, not with the kiosk:
        # most kiosks print rarely, every kiosk starts.
        from printing.commands import slip_job
        from printing.raster import render

        job = slip_job(render(slip, self.width_mm), cut=self.cutter)
        result = self.print_job(job)
        log.info("%s slip %s (printer %s)", slip.kind, _said(result), result.state)
        return result

    def print_job(self, job: bytes) -> PrintResult:
        try:
            link = self._open(self.target, self.timeouts)
        except Exception as error:
            log.info("printer %s not reachable: %s", describe(self.target), error)
            return PrintResult(False, PrinterState.UNREACHABLE)
        try:
            before = self._ask(link)
            if not can_print(before):
                return PrintResult(False, before)
            try:
                link.send(job)
            except Exception as error:
                log.warning("printer %s dropped the job: %s", describe(self.target), error)
                return PrintResult(False, PrinterState.UNREACHABLE)
            after = self._ask(link)
            return PrintResult(can_print(after), after)
        finally:
            link.close()

    def _ask(self, link: Link) -> PrinterState:
        replies: dict[int, int | None] = {}
        for n in QUERY_ORDER:
            try:
                replies[n] = last_reply(link.ask(query(n)))
            except Exception as error:
                log.info("printer %s stopped answering: %s", describe(self.target), error)
                replies[n] = None
            if replies[n] is None:
                # Nothing sensible to the first question: no point in asking three more.
                break
        return state_of(
            StatusReplies(
                printer=replies.get(1),
                offline_cause=replies.get(2),
                error_cause=replies.get(3),
                paper=replies.get(4),
            )
        )


def _said(result: PrintResult) -> str:
    return "printed" if result.printed else "not printed"
