"""Record ids: UUIDs that begin with the time they were made (RFC 9562, version 7).

Each record gets its id on the kiosk, and that id is its key end to end: the
kiosk's outbox, the server's ledger of mutations and the server's tables.
A random (version 4) id lands on a random page of every index it is part of,
so once a table outgrows the cache each insert dirties a page of its own, and
every commit writes and syncs all those pages: on the server's SQLite file a
push of 100 complaints took 12 ms to commit at 40,000 rows, against 2 ms with
ids that grow with time, which fill the right-hand edge of each index.

An id still carries 62 random bits, so two kiosks (or one kiosk with its clock
set back) never need to coordinate; the time in it is only an ordering hint,
never trusted (the server reads times from the payload and checks them). It
tells no more than the record's own creation time, which the server keeps
anyway; where an id is public (Open311's ``service_request_id``), that time
is published beside it to the second, and the id adds only the milliseconds.
Ids made before this change stay valid: the server accepts any UUID.
"""

from __future__ import annotations

import secrets
import time
import uuid

_VERSION = 0x7
_VARIANT = 0b10
_MILLIS = (1 << 48) - 1  # the id's 48 bits of Unix milliseconds (until the year 10889)


def new_id() -> str:
    """A fresh time-ordered id, in the canonical spelling the server stores."""
    return str(time_ordered_uuid())


def time_ordered_uuid(now_ns: int | None = None) -> uuid.UUID:
    """A version 7 UUID: 48 bits of Unix milliseconds, then 12 bits of the sub-millisecond
    time (RFC 9562 §6.2, method 3, so ids made in one millisecond keep their order on
    one machine), then 62 random bits."""
    ns = time.time_ns() if now_ns is None else now_ns
    if ns < 0:
        raise ValueError("a time before 1970 cannot start an id")
    millis, rest = divmod(ns, 1_000_000)
    fraction = rest * 4096 // 1_000_000  # 12 bits
    value = (
        (millis & _MILLIS) << 80
        | _VERSION << 76
        | fraction << 64
        | _VARIANT << 62
        | secrets.randbits(62)
    )
    return uuid.UUID(int=value)
