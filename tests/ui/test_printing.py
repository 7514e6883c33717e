"""Printed slips from the real kiosk window to a network printer on loopback.

The receipt comes first and the slip after it; a printer that is out of paper,
open or gone never costs the citizen their record, only the slip, and then the
screen says so; staff mode shows what the printer itself answered.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import zxingcpp
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from core.links import status_page_url
from core.printers import PrinterState
from core.receipts import format_code
from kiosk.models import Submission
from tests.conftest import KioskDB
from tests.integration.staff.door import Door, open_door
from tests.support.escpos_printer import LoopbackPrinter, raster_image
from tests.ui.kiosk_fixtures import Citizen
from ui.i18n import translate

# The server the test kiosk is enrolled with (tests/conftest.enroll_locally).
SERVER = "http://127.0.0.1:9"


def ko(key: str, **params: object) -> str:
    return translate(key, "ko", **params)


@pytest.fixture
def printer() -> Iterator[LoopbackPrinter]:
    with LoopbackPrinter() as running:
        yield running


def kiosk_with(qtbot: QtBot, kiosk_db: KioskDB, printer: LoopbackPrinter, width: int) -> Door:
    return open_door(
        qtbot,
        kiosk_db,
        printer="network",
        printer_address=printer.address,
        paper_width_mm=width,
    )


def file_proposal(qtbot: QtBot, door: Door) -> str:
    """A proposal without contact details (no consent step); returns the receipt code shown."""
    citizen = Citizen(qtbot, door.window)
    citizen.home_tile("proposal")
    citizen.choose("area", "transport")
    citizen.next()
    citizen.type_into("title", "마을버스 배차 간격 단축")
    citizen.type_into("description", "출퇴근 시간에 마을버스가 20분마다 옵니다.")
    citizen.next()
    citizen.next()  # no district
    citizen.next()  # no contact
    with qtbot.waitSignal(door.window.printing.printed, timeout=15_000):
        citizen.submit()
        # The receipt is on screen before the printer has said anything.
        assert citizen.screen == "receipt"
    receipt = door.window.receipt.receipt
    assert receipt is not None
    assert door.window.receipt.code.text() == format_code(receipt.code)
    return receipt.code


def stored(kiosk_db: KioskDB, code: str) -> bool:
    with kiosk_db.store.read() as session:
        return (
            session.scalars(select(Submission).where(Submission.receipt_code == code)).first()
            is not None
        )


def test_a_receipt_prints_on_58mm_with_the_status_page_in_its_qr(
    qtbot: QtBot, kiosk_db: KioskDB, printer: LoopbackPrinter
) -> None:
    door = kiosk_with(qtbot, kiosk_db, printer, 58)

    code = file_proposal(qtbot, door)

    [job] = printer.printed()
    paper = raster_image(job.commands)
    assert paper.width == 384
    read = [c.text for c in zxingcpp.read_barcodes(paper.convert("L"))]
    assert read == [status_page_url(SERVER, code)] == [f"{SERVER}/status/{code}"]
    assert door.window.receipt.slip.text() == ko("receipt.slip.printed")


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        ("paper_out", PrinterState.PAPER_OUT),
        ("cover_open", PrinterState.COVER_OPEN),
        ("hang_up", PrinterState.UNREACHABLE),
    ],
)
def test_a_printer_fault_keeps_the_record_says_so_and_staff_see_the_state(
    qtbot: QtBot, kiosk_db: KioskDB, printer: LoopbackPrinter, fault: str, state: PrinterState
) -> None:
    if fault == "hang_up":
        printer.hang_up = True
    else:
        printer.state = state
    door = kiosk_with(qtbot, kiosk_db, printer, 80)

    code = file_proposal(qtbot, door)

    assert stored(kiosk_db, code)
    assert printer.printed() == []
    slip = door.window.receipt.slip
    assert slip.isVisible() and slip.text() == ko("receipt.slip.failed")
    assert door.window.printing.health.report() == state.value  # what the next sync reports

    door.enter_pin()
    with qtbot.waitSignal(door.window.printing.state_changed, timeout=15_000):
        door.window.staff.menu["printer"].click()
    page = door.window.staff.printer
    assert page.state.text() == ko(f"staff.printer.state.{state.value}")


def test_staff_reprint_the_last_ticket_and_print_a_test_page(
    qtbot: QtBot, kiosk_db: KioskDB, printer: LoopbackPrinter
) -> None:
    door = kiosk_with(qtbot, kiosk_db, printer, 80)
    door.enter_pin()
    door.window.staff.menu["printer"].click()
    page = door.window.staff.printer

    with qtbot.waitSignal(door.window.printing.printed, timeout=15_000):
        page.reprint.click()
    with qtbot.waitSignal(door.window.printing.printed, timeout=15_000):
        page.test.click()

    reprint, test_page = printer.printed()
    ticket = raster_image(reprint.commands)
    assert ticket.width == 576
    # The last slip made here is a sign-up: its QR is the signed ticket read at the door.
    [qr] = [c.text for c in zxingcpp.read_barcodes(ticket.convert("L"))]
    assert qr in {r.ticket for r in door.receipts}
    assert raster_image(test_page.commands).width == 576
    assert page.message.text() == ko("staff.printer.printed")
