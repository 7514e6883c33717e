"""Printing to a network printer on loopback: the real byte stream, read back as paper.

The printer (tests/support/escpos_printer.py) parses every ESC/POS command it
is sent and answers DLE EOT status questions from its state; the tests put its
GS v 0 bands back together and read the QR with zxing-cpp.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import zxingcpp

from core.printers import PrinterState
from printing.printer import PrinterTimeouts, SlipPrinter
from printing.slip import Align, Line, Qr, Size, Slip
from printing.targets import NetworkTarget
from tests.support.escpos_printer import LoopbackPrinter, raster_image

URL = "https://kiosk.seoul.example/status/24BGXWRY"
SLIP = Slip(
    "receipt",
    (
        Line("성북구 현장시장실", Size.HEADING, bold=True, align=Align.CENTER),
        Line("24BG-XWRY", Size.CODE, bold=True, align=Align.CENTER, wrap=False),
        Qr(URL),
        Line("담당 부서가 확인하여 근무일 기준 7일 이내에 답변드립니다."),
    ),
)
QUICK = PrinterTimeouts(connect_s=2.0, status_s=0.5, write_s=5.0)


@pytest.fixture
def printer() -> Iterator[LoopbackPrinter]:
    with LoopbackPrinter() as running:
        yield running


def slip_printer(printer: LoopbackPrinter, width_mm: int = 80) -> SlipPrinter:
    return SlipPrinter(NetworkTarget("127.0.0.1", printer.port), width_mm=width_mm, timeouts=QUICK)


@pytest.mark.parametrize(("width_mm", "dots"), [(58, 384), (80, 576)])
def test_the_slip_arrives_as_a_raster_as_wide_as_the_paper_with_a_readable_qr(
    printer: LoopbackPrinter, width_mm: int, dots: int
) -> None:
    result = slip_printer(printer, width_mm).print_slip(SLIP)

    assert result.printed and result.state is PrinterState.READY
    [job] = printer.wait_for_jobs(1)
    paper = raster_image(job.commands)
    assert paper.width == dots
    assert [code.text for code in zxingcpp.read_barcodes(paper.convert("L"))] == [URL]
    # Asked first (DLE EOT 1-4), then initialised, printed, cut, and asked again.
    names = [c.name for c in job.commands]
    assert names[:5] == ["status"] * 4 + ["init"] and names[-4:] == ["status"] * 4
    assert job.cuts == 1
    assert printer.errors == []


@pytest.mark.parametrize(
    "state", [PrinterState.PAPER_OUT, PrinterState.COVER_OPEN, PrinterState.JAMMED]
)
def test_a_printer_that_cannot_print_gets_no_job_and_says_why(
    printer: LoopbackPrinter, state: PrinterState
) -> None:
    printer.state = state

    result = slip_printer(printer).print_slip(SLIP)

    assert (result.printed, result.state) == (False, state)
    assert printer.printed() == []


def test_near_end_of_the_roll_still_prints_and_says_so(printer: LoopbackPrinter) -> None:
    printer.state = PrinterState.PAPER_LOW

    result = slip_printer(printer).print_slip(SLIP)

    assert (result.printed, result.state) == (True, PrinterState.PAPER_LOW)


def test_paper_running_out_on_this_slip_is_reported_as_not_printed(
    printer: LoopbackPrinter,
) -> None:
    printer.state_after_job = PrinterState.PAPER_OUT

    result = slip_printer(printer).print_slip(SLIP)

    assert (result.printed, result.state) == (False, PrinterState.PAPER_OUT)
    assert slip_printer(printer).status() is PrinterState.PAPER_OUT


@pytest.mark.parametrize("fault", ["silent", "hang_up"])
def test_a_printer_that_never_answers_or_hangs_up_is_unreachable(
    printer: LoopbackPrinter, fault: str
) -> None:
    setattr(printer, fault, True)

    result = slip_printer(printer).print_slip(SLIP)

    assert (result.printed, result.state) == (False, PrinterState.UNREACHABLE)
    assert printer.printed() == []


def test_nothing_listening_at_the_address_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the printer is tried

    target = NetworkTarget("127.0.0.1", port)
    result = SlipPrinter(target, timeouts=QUICK).print_slip(SLIP)

    assert (result.printed, result.state) == (False, PrinterState.UNREACHABLE)


def test_a_missing_usb_printer_is_a_state_not_a_crash() -> None:
    from printing.targets import UsbTarget

    absent = SlipPrinter(UsbTarget(0x04B8, 0x0E15), timeouts=QUICK)

    assert absent.status() is PrinterState.UNREACHABLE
    assert absent.print_slip(SLIP).printed is False
