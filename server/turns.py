"""Pushes take turns at their Python work when the database is SQLite.

SQLite admits one writer at a time, so of two pushes running side by side
only one can write; the other can only prepare (parse, check, unseal). That
overlap costs more than it gains: each short C call that lets go of the GIL
(every sealed part opened, every row SQLite steps) becomes a hand-over
between the two threads. With 4 kiosks pushing at once the server used
0.19 ms of CPU a complaint, against 0.13 ms one push at a time, and took in
fewer of them a second. So on SQLite one push at a time holds the turn, and
gives it to the next as soon as its commit starts waiting for the disk
(``SessionPair.write(before_commit=…)``): the next push prepares during that
wait, which is the overlap worth having (``bench.server_ingest``: 0.39 → 0.46
× bare for complaints).

On PostgreSQL a push also waits on round trips to the database, and pushes
side by side are worth more than the hand-overs cost (one at a time there:
0.70 × bare instead of 0.78 × for complaints, 0.32 × instead of 0.46 × for
sign-ups), so there are no turns. Turns for a push's preparation alone
(handed on as its write transaction began) raised ingest there by 8–15 %.
In the interleaved fleet runs that compared them at 2,000 kiosks, the pulls'
p99 was 2.1–2.3 s with them and 1.1–1.3 s without; later runs without them
spread almost as wide (1.2–2.7 s), so the evidence is weak. The fleet is
what production serves, so they were taken out again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Turn:
    """The turn one push holds: given up once, by ``give_up`` or when the push ends."""

    def __init__(self, lock: threading.Lock | None) -> None:
        self._lock = lock

    def give_up(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


class Turns:
    """Whose turn it is; with ``take_turns`` false every push has its own at once."""

    def __init__(self, *, take_turns: bool) -> None:
        self._lock = threading.Lock() if take_turns else None

    @contextmanager
    def take(self) -> Iterator[Turn]:
        if self._lock is not None:
            self._lock.acquire()
        turn = Turn(self._lock)
        try:
            yield turn
        finally:
            turn.give_up()
