"""Pull cursors are opaque to kiosks but must survive a round trip and reject forgeries."""

from __future__ import annotations

import pytest

from server.changes import Cursor, decode_cursor, scopes_for


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor("ab12", 0),
        Cursor("ab12", 987654321),
        Cursor("ab12", 5, 3, "cat:9"),
        Cursor("ab12", 5, 4, "550e8400-e29b-41d4-a716-446655440000"),
    ],
)
def test_cursor_round_trip(cursor: Cursor) -> None:
    text = cursor.encode()

    assert text.isascii() and " " not in text
    assert decode_cursor(text) == cursor


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "c1.",
        "c1.!!!",
        "c1.bnVsbA",
        "c2." + Cursor("e", 1).encode()[3:],
        "c1.WyJlIiwgLTEsIG51bGwsIG51bGxd",  # a negative position
        "c1.WyJlIiwgIjEiLCBudWxsLCBudWxsXQ",
    ],  # position as a string
)
def test_anything_else_is_no_cursor(text: str) -> None:
    assert decode_cursor(text) is None


def test_a_device_sees_everyones_its_offices_and_its_own_changes() -> None:
    assert scopes_for("dev-1", "성북구") == ["", "device:dev-1", "office:성북구"]
    assert scopes_for("dev-2", "") == ["", "device:dev-2"]
