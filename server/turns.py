"""Pushes take turns at their Python work, so the GIL is not handed back and forth between them.

A push's preparation (parse, check, unseal, verify ticket signatures) is
CPU work in Python, broken up by short C calls that let go of the GIL: every
sealed part opened, every signature checked, every row SQLite steps. With
several pushes running side by side each of those releases becomes a
hand-over between threads, and the hand-overs cost more than the overlap
gains. So one push at a time holds the turn, and hands it on where waiting
starts:

- On SQLite, which admits one writer at a time anyway, the turn lasts
  through the write transaction and is handed on as the commit starts
  waiting for the disk (``SessionPair.write(before_commit=…)``), so the next
  push prepares during that wait. With 4 kiosks pushing at once the server
  used 0.19 ms of CPU a complaint side by side and 0.13 ms one at a time;
  ``bench.server_ingest``, SQLite complaints: 0.39 → 0.46 × bare.
- On PostgreSQL the turn is handed on as the write transaction begins:
  there a push mostly waits on round trips to the database, and other pushes
  should run meanwhile (turns through the write cost 0.70 × bare instead of
  0.78 × for complaints). Turns for the preparation alone, against none,
  same runs: complaints 5,725 → 6,183 mutations/s (0.168 → 0.145 ms of
  server CPU each), mixed 3,935 → 4,510/s (0.234 → 0.199 ms), sign-ups
  3,411 → 3,528/s (0.289 → 0.257 ms).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Turn:
    """The turn one push holds: handed on once, at the first point its turns end."""

    def __init__(self, lock: threading.Lock, *, through_writing: bool) -> None:
        self._lock: threading.Lock | None = lock
        self._through_writing = through_writing

    def writing(self) -> None:
        """The push's write transaction begins: the turn ends here unless it lasts through it."""
        if not self._through_writing:
            self.hand_on()

    def committing(self) -> None:
        """The push's commit starts waiting for the disk: every turn ends here."""
        self.hand_on()

    def hand_on(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


class Turns:
    """Whose turn it is to do a push's Python work, in this process."""

    def __init__(self, *, through_writing: bool) -> None:
        self._lock = threading.Lock()
        self._through_writing = through_writing

    @contextmanager
    def take(self) -> Iterator[Turn]:
        """Wait for the turn; it is handed on at the latest when the block ends."""
        self._lock.acquire()
        turn = Turn(self._lock, through_writing=self._through_writing)
        try:
            yield turn
        finally:
            turn.hand_on()
