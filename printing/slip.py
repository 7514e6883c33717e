"""A slip's content: lines of text, a QR code, rules and gaps, top to bottom.

The texts are already in the citizen's language (``ui.slips`` builds them from
the same catalogue keys the screen uses); this module only says how each block
should look, in sizes relative to the paper width so one slip fits 58 and 80 mm.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Size(StrEnum):
    SMALL = "small"
    BODY = "body"
    HEADING = "heading"
    # The code a person reads out or types: as large as the paper allows.
    CODE = "code"


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"


@dataclass(frozen=True)
class Line:
    text: str
    size: Size = Size.BODY
    bold: bool = False
    align: Align = Align.LEFT
    # A code or a date must never break across lines: it shrinks to fit instead.
    wrap: bool = True


@dataclass(frozen=True)
class Qr:
    data: str
    # "M" for an address a phone opens; "Q" for an admission ticket, read at a door
    # from a crumpled slip (the same level as the ticket QR on screen).
    error_correction: str = "M"


@dataclass(frozen=True)
class Rule:
    """A thin line across the slip between its parts."""


@dataclass(frozen=True)
class Gap:
    # In thousandths of the paper width, so a gap is the same on 58 and 80 mm.
    per_mille: int = 20


Block = Line | Qr | Rule | Gap


@dataclass(frozen=True)
class Slip:
    # receipt, ticket, waitlist, admission or test: for logs and previews, never printed.
    kind: str
    blocks: tuple[Block, ...]
