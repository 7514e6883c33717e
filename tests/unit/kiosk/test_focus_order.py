"""The keypad's order over a screen: rows top to bottom, left to right, by groups."""

from __future__ import annotations

from kiosk.focus_order import (
    Box,
    FocusOrder,
    Position,
    grid_rows,
    reading_order,
    vertical_neighbour,
)


def test_reading_order_is_rows_then_columns_even_with_uneven_heights() -> None:
    boxes = [
        Box(500, 110, 100, 60),  # row 2, right
        Box(0, 0, 100, 50),  # row 1, left
        Box(0, 100, 100, 80),  # row 2, left (taller, starts higher)
        Box(300, 5, 100, 40),  # row 1, right, a little lower
    ]

    assert reading_order(boxes) == [1, 3, 2, 0]


def test_groups_are_visited_in_reading_order_and_positions_count_within_them() -> None:
    # A header button at the top right, a 2×2 grid of tiles, a back/next bar at the bottom.
    boxes = [
        Box(800, 900, 200, 80),  # next
        Box(0, 200, 400, 200),  # tile 1
        Box(420, 200, 400, 200),  # tile 2
        Box(0, 420, 400, 200),  # tile 3
        Box(1700, 10, 200, 60),  # header
        Box(0, 900, 200, 80),  # back
    ]
    groups = ["nav", "tiles", "tiles", "tiles", "header", "nav"]
    order = FocusOrder(boxes, groups)

    assert [[groups[i] for i in g] for g in order.groups] == [
        ["header"],
        ["tiles", "tiles", "tiles"],
        ["nav", "nav"],
    ]
    assert order.groups[1] == [1, 2, 3]
    assert order.groups[2] == [5, 0]


def test_moves_stop_at_the_ends_instead_of_wrapping() -> None:
    order = FocusOrder([Box(0, 0, 10, 10), Box(20, 0, 10, 10), Box(0, 50, 10, 10)], ["a", "a", "b"])
    first = order.first()
    assert first == Position(0, 0)

    assert order.previous(first) is None
    assert order.next(first) == Position(0, 1)
    assert order.next(Position(0, 1)) == Position(1, 0)  # ▶ runs on into the next group
    assert order.next(Position(1, 0)) is None
    assert order.next_group(first) == Position(1, 0)
    assert order.previous_group(Position(0, 1)) == Position(0, 0)  # ▲ first to the group's top
    assert order.previous_group(Position(1, 0)) == Position(0, 0)
    assert order.previous(Position(1, 0)) == Position(0, 1)
    assert order.find(2) == Position(1, 0) and order.index(Position(1, 0)) == 2


def test_keys_above_and_below_are_the_nearest_by_their_centre() -> None:
    # q w e / a s d, the second row shifted right by most of a key (centres 20 70 120 / 60 110 160).
    boxes = [Box(x, 0, 40, 40) for x in (0, 50, 100)] + [Box(x, 50, 40, 40) for x in (40, 90, 140)]
    rows = grid_rows(boxes)
    assert rows == [[0, 1, 2], [3, 4, 5]]

    assert vertical_neighbour(boxes, rows, 0, 0, +1) == (1, 0)  # q (20) → a (60)
    assert vertical_neighbour(boxes, rows, 0, 2, +1) == (1, 1)  # e (120) → s (110), not d
    assert vertical_neighbour(boxes, rows, 1, 2, -1) == (0, 2)  # d (160) → e (120)
    assert vertical_neighbour(boxes, rows, 0, 0, -1) is None
