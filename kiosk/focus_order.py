"""The order in which the keypad visits what is on a screen, as plain geometry.

A sighted person reads a screen in rows, top to bottom, left to right; the
keypad's focus follows the same order, so a blind citizen and a helper
standing beside them meet the items in the same sequence. Items belong to
groups (a list of choices, the back/next bar, the header's buttons): ▲▼ jump
between groups, ◀▶ move item by item, and a position is told within its
group ("다섯 개 중 첫 번째"). On the on-screen keyboard the keys are a grid:
▲▼ go to the key above or below (the nearest by its centre), ◀▶ along the row.

Nothing here knows about widgets: the UI hands in rectangles in one
coordinate system and group keys, and gets indices back.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

__all__ = ["Box", "FocusOrder", "Position", "grid_rows", "reading_order", "vertical_neighbour"]


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2

    def union(self, other: Box) -> Box:
        left, top = min(self.x, other.x), min(self.y, other.y)
        right = max(self.x + self.width, other.x + other.width)
        return Box(left, top, right - left, max(self.bottom, other.bottom) - top)


def _rows(boxes: Sequence[Box], indices: Sequence[int]) -> list[list[int]]:
    """Indices grouped into visual rows (top to bottom), each sorted left to right.

    A box belongs to the current row when its top lies above the middle of
    the row's first box: buttons of one row whose heights differ a little
    (a wrapped label) stay one row, a box starting lower starts a new one.
    """
    rows: list[list[int]] = []
    row_middle = 0.0
    for index in sorted(indices, key=lambda i: (boxes[i].y, boxes[i].x)):
        box = boxes[index]
        if rows and box.y < row_middle:
            rows[-1].append(index)
        else:
            rows.append([index])
            row_middle = box.y + box.height / 2
    return [sorted(row, key=lambda i: boxes[i].x) for row in rows]


def reading_order(boxes: Sequence[Box]) -> list[int]:
    """Indices of ``boxes`` in reading order: rows top to bottom, left to right."""
    return [i for row in _rows(boxes, range(len(boxes))) for i in row]


def grid_rows(boxes: Sequence[Box]) -> list[list[int]]:
    """The rows of a grid of keys, for ▲▼ between rows and ◀▶ along one."""
    return _rows(boxes, range(len(boxes)))


def vertical_neighbour(
    boxes: Sequence[Box], rows: Sequence[Sequence[int]], row: int, column: int, step: int
) -> tuple[int, int] | None:
    """The (row, column) above (``step`` -1) or below (+1): the key whose centre is nearest."""
    target = row + step
    if not 0 <= target < len(rows) or not rows[target]:
        return None
    here = boxes[rows[row][column]].centre_x
    best = min(range(len(rows[target])), key=lambda c: abs(boxes[rows[target][c]].centre_x - here))
    return target, best


@dataclass(frozen=True)
class Position:
    group: int
    item: int


class FocusOrder:
    """Items in groups, both in reading order; moves return the new position or None.

    None means "nothing further this way": the keypad then stays where it is
    and says so, instead of wrapping round to the top, which disorients.
    """

    def __init__(self, boxes: Sequence[Box], groups: Sequence[Hashable]) -> None:
        if len(boxes) != len(groups):
            raise ValueError("one group key per box")
        members: dict[Hashable, list[int]] = {}
        for index, key in enumerate(groups):
            members.setdefault(key, []).append(index)
        lists = [[m[i] for i in reading_order([boxes[j] for j in m])] for m in members.values()]
        outlines = []
        for items in lists:
            outline = boxes[items[0]]
            for i in items[1:]:
                outline = outline.union(boxes[i])
            outlines.append(outline)
        self.groups: list[list[int]] = [lists[i] for i in reading_order(outlines)]

    def __len__(self) -> int:
        return sum(len(g) for g in self.groups)

    def first(self) -> Position | None:
        return Position(0, 0) if self.groups else None

    def index(self, position: Position) -> int:
        """The caller's index of the item at ``position``."""
        return self.groups[position.group][position.item]

    def find(self, index: int) -> Position | None:
        for g, items in enumerate(self.groups):
            if index in items:
                return Position(g, items.index(index))
        return None

    def group_size(self, position: Position) -> int:
        return len(self.groups[position.group])

    def next(self, at: Position) -> Position | None:
        if at.item + 1 < len(self.groups[at.group]):
            return Position(at.group, at.item + 1)
        return self.next_group(at)

    def previous(self, at: Position) -> Position | None:
        if at.item > 0:
            return Position(at.group, at.item - 1)
        if at.group == 0:
            return None
        return Position(at.group - 1, len(self.groups[at.group - 1]) - 1)

    def next_group(self, at: Position) -> Position | None:
        return Position(at.group + 1, 0) if at.group + 1 < len(self.groups) else None

    def previous_group(self, at: Position) -> Position | None:
        if at.item > 0:
            return Position(at.group, 0)  # first to the top of the group, as ▲ in a list does
        return Position(at.group - 1, 0) if at.group > 0 else None
