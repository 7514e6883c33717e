"""The printer's status bytes read into what staff see (DLE EOT n, Epson's bit layout)."""

from __future__ import annotations

import pytest

from core.printers import PrinterState, can_print
from printing.status import REPLIES_FOR, StatusReplies, is_reply, last_reply, state_of


def replies(state: PrinterState) -> StatusReplies:
    table = REPLIES_FOR[state]
    return StatusReplies(table[1], table[2], table[3], table[4])


@pytest.mark.parametrize("state", list(REPLIES_FOR))
def test_each_state_is_read_back_from_the_bytes_a_printer_in_it_sends(
    state: PrinterState,
) -> None:
    assert state_of(replies(state)) is state


def test_no_answer_to_the_first_question_means_unreachable() -> None:
    assert state_of(StatusReplies()) is PrinterState.UNREACHABLE


def test_a_printer_that_answers_only_the_first_question_is_taken_as_ready() -> None:
    # Some printers know DLE EOT 1 only; they print, and their paper state is unknown.
    assert state_of(StatusReplies(printer=0x12)) is PrinterState.READY


def test_cover_open_outranks_paper_out_which_outranks_near_end() -> None:
    both = StatusReplies(0x1A, 0x12 | 0x04 | 0x20, 0x12, 0x12 | 0x0C | 0x60)
    assert state_of(both) is PrinterState.COVER_OPEN
    assert state_of(StatusReplies(0x1A, 0x32, 0x12, 0x7E)) is PrinterState.PAPER_OUT


def test_only_near_end_and_ready_can_print() -> None:
    printable = {s for s in PrinterState if can_print(s)}
    assert printable == {PrinterState.READY, PrinterState.PAPER_LOW}


@pytest.mark.parametrize("byte", [0x00, 0xFF, 0x80, 0x13, 0x02, 0x10])
def test_bytes_without_the_fixed_bits_are_not_replies(byte: int) -> None:
    assert not is_reply(byte)
    assert last_reply(bytes([byte])) is None


def test_the_last_reply_in_a_read_is_the_answer_to_the_question_just_asked() -> None:
    stale_then_fresh = bytes([0x1A, 0xFF, 0x12])
    assert last_reply(stale_then_fresh) == 0x12
    assert last_reply(b"") is None
