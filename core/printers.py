"""What a kiosk's slip printer can be doing, as the kiosk shows staff and tells the server.

One vocabulary for both sides: the kiosk derives a state from the printer's
own status replies (``printing.status``), shows it on the staff screen, and
sends it with its sync rounds (``sync.protocol.PRINTER_HEADER``); the server's
devices page lists the kiosks that cannot print. Nothing here is personal.
"""

from __future__ import annotations

from enum import StrEnum


class PrinterState(StrEnum):
    READY = "ready"
    # The near-end sensor sees the end of the roll: slips still print, staff should refill.
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    # The cutter or the paper path is stuck (the printer's error status).
    JAMMED = "jammed"
    # The printer answers but says it is offline for another reason (e.g. overheated head).
    OFFLINE = "offline"
    # No answer: no such USB device, no one at the address, a dead cable.
    UNREACHABLE = "unreachable"
    # This kiosk has no printer configured (not a fault).
    NONE = "none"


# States in which a slip comes out of the printer.
PRINTABLE = frozenset({PrinterState.READY, PrinterState.PAPER_LOW})


def can_print(state: PrinterState) -> bool:
    return state in PRINTABLE


def needs_staff(state: PrinterState) -> bool:
    """A configured printer that cannot print, or soon will not: staff should go and look."""
    return state not in (PrinterState.READY, PrinterState.NONE)


def parse_state(text: str | None) -> PrinterState | None:
    """A state a kiosk reported, or None for anything else (old kiosks send nothing)."""
    if text is None:
        return None
    try:
        return PrinterState(text.strip().lower())
    except ValueError:
        return None
