"""A small bounded pool for password hashing: parallel log-ins queue, a flood is turned away.

Each scrypt run takes 32 MiB and a core for ~100 ms. Run one per request,
forty simultaneous log-ins took the server from 109 MB to 1.3 GB and slowed
every other request. Here at most ``workers`` hashes run at once per process
and at most ``queue`` more wait (without holding a thread); anything beyond
is answered at once with "busy, try again" and costs nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# Two hashes at a time: 64 MiB at most, and the rest of the server keeps its cores.
WORKERS = 2
QUEUE = 16


class PoolBusy(Exception):
    """Too many log-ins are waiting already; this one was not queued."""


class HashingPool:
    def __init__(self, workers: int = WORKERS, queue: int = QUEUE) -> None:
        self.workers = workers
        self.queue = queue
        self._slots = asyncio.Semaphore(workers)
        self._waiting = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the pool's places for the extent of the block (or raise PoolBusy)."""
        if self._slots.locked() and self._waiting >= self.queue:
            raise PoolBusy
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._slots.release()
