"""Paging cursors and the status a case may move to."""

from __future__ import annotations

import datetime as dt

from server.models import SubmissionStatus
from server.submissions import TRANSITIONS, Cursor

T0 = dt.datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=dt.UTC)


def test_a_cursor_survives_the_round_trip_through_a_url() -> None:
    cursor = Cursor(T0, "5c7d3f4e-0000-4000-8000-000000000001")

    assert Cursor.decode(cursor.encode()) == cursor


def test_anything_else_as_a_cursor_means_the_first_page() -> None:
    for text in ("", "garbage", "eyJ4IjoxfQ", "W10", "x" * 500):
        assert Cursor.decode(text) is None


def test_cases_move_forward_and_closed_ones_can_only_reopen() -> None:
    assert SubmissionStatus.RECEIVED not in set().union(*TRANSITIONS.values())
    assert TRANSITIONS[SubmissionStatus.CLOSED] == {SubmissionStatus.IN_PROGRESS}
    assert SubmissionStatus.ANSWERED in TRANSITIONS[SubmissionStatus.IN_PROGRESS]
