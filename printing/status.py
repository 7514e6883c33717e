"""The printer's real-time status (ESC/POS ``DLE EOT n``), read into one ``PrinterState``.

A printer answers each ``DLE EOT n`` with one byte, even while offline or with
its buffer full: n=1 printer status, 2 offline cause, 3 error cause, 4 roll
paper sensor. Every valid reply has bits 1 and 4 set and bits 0 and 7 clear
(``_FIXED``), which is how a stray byte is told from an answer. The byte comes
from a device and is checked like any other input: a reply that is missing or
malformed means the printer cannot be trusted to print.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.printers import PrinterState

DLE_EOT = b"\x10\x04"
PRINTER_STATUS = 1
OFFLINE_CAUSE = 2
ERROR_CAUSE = 3
PAPER_SENSOR = 4
QUERY_ORDER = (PRINTER_STATUS, OFFLINE_CAUSE, ERROR_CAUSE, PAPER_SENSOR)

_FIXED_MASK = 0b1001_0011
_FIXED = 0b0001_0010
# n=1
_OFFLINE = 0x08
# n=2
_COVER_OPEN = 0x04
_STOPPED_PAPER_END = 0x20
_ERROR = 0x40
# n=3
_CUTTER_ERROR = 0x08
_UNRECOVERABLE = 0x20
_AUTO_RECOVERABLE = 0x40
# n=4: two bits each, as the printer's sensors report them.
_NEAR_END = 0x0C
_PAPER_END = 0x60


def query(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def is_reply(byte: int) -> bool:
    return 0 <= byte <= 0xFF and byte & _FIXED_MASK == _FIXED


def last_reply(received: bytes) -> int | None:
    """The answer in what came back: the last byte that looks like one.

    Bytes left over from earlier (a reply that arrived after its read timed
    out) come first; the answer to the question just asked comes last.
    """
    for byte in reversed(received):
        if is_reply(byte):
            return byte
    return None


@dataclass(frozen=True)
class StatusReplies:
    """The bytes a printer answered, by ``n``; None where it said nothing sensible."""

    printer: int | None = None
    offline_cause: int | None = None
    error_cause: int | None = None
    paper: int | None = None


def state_of(replies: StatusReplies) -> PrinterState:
    """The most urgent thing the replies say, as staff should hear it first."""
    if replies.printer is None:
        return PrinterState.UNREACHABLE
    cause = replies.offline_cause or 0
    error = replies.error_cause or 0
    paper = replies.paper or 0
    if cause & _COVER_OPEN:
        return PrinterState.COVER_OPEN
    if cause & _STOPPED_PAPER_END or paper & _PAPER_END:
        return PrinterState.PAPER_OUT
    if error & (_CUTTER_ERROR | _UNRECOVERABLE):
        return PrinterState.JAMMED
    if replies.printer & _OFFLINE or cause & _ERROR or error & _AUTO_RECOVERABLE:
        return PrinterState.OFFLINE
    if paper & _NEAR_END:
        return PrinterState.PAPER_LOW
    return PrinterState.READY


# What a printer in each state answers, by n: for a printer's own tests and the
# test printer on loopback (tests/support), one table rather than two guesses.
REPLIES_FOR: dict[PrinterState, dict[int, int]] = {
    PrinterState.READY: {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
    PrinterState.PAPER_LOW: {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12 | _NEAR_END},
    PrinterState.PAPER_OUT: {
        1: 0x12 | _OFFLINE,
        2: 0x12 | _STOPPED_PAPER_END,
        3: 0x12,
        4: 0x12 | _NEAR_END | _PAPER_END,
    },
    PrinterState.COVER_OPEN: {1: 0x12 | _OFFLINE, 2: 0x12 | _COVER_OPEN, 3: 0x12, 4: 0x12},
    PrinterState.JAMMED: {
        1: 0x12 | _OFFLINE,
        2: 0x12 | _ERROR,
        3: 0x12 | _CUTTER_ERROR,
        4: 0x12,
    },
    PrinterState.OFFLINE: {
        1: 0x12 | _OFFLINE,
        2: 0x12 | _ERROR,
        3: 0x12 | _AUTO_RECOVERABLE,
        4: 0x12,
    },
}
