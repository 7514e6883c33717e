"""Tickets for the check-in tests: keys with fixed seeds, and a ticket of any shape."""

from __future__ import annotations

import datetime as dt

from nacl.signing import SigningKey

from core.receipts import check_character
from core.tickets import ParsedTicket, TicketPayload, encode_ticket, parse_ticket

EVENT = 42
DAY = dt.date(2026, 11, 30)
# 10:00 in Seoul on the event day.
NOW = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
KIOSK_KEY = SigningKey(bytes(range(32)))
SERVER_KEY = SigningKey(bytes(range(100, 132)))
LOST_KIOSK_KEY = SigningKey(bytes(range(50, 82)))
STRANGER_KEY = SigningKey(bytes(range(200, 232)))
KIOSK, SERVER, LOST, STRANGER = 7, 1, 9, 13
UNUSED_CODE = "2222222" + check_character("2222222")


def ticket(
    number: int = 1,
    *,
    key_id: int = KIOSK,
    key: SigningKey = KIOSK_KEY,
    event_id: int = EVENT,
    day: dt.date = DAY,
    ticket_type: int = 0,
    flags: int = 0,
) -> str:
    return encode_ticket(TicketPayload(key_id, event_id, number, ticket_type, day, flags), key)


def parsed(text: str) -> ParsedTicket:
    result = parse_ticket(text)
    assert isinstance(result, ParsedTicket), result
    return result
