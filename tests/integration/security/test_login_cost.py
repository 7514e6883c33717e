"""Findings 2 and 6: what a visitor can make the log-in page cost, and whom it can lock out.

Forty parallel failed log-ins took the server from 109 MB to 1.3 GB (one
32 MiB scrypt each, all at once); unknown names never locked while known ones
did (telling which exist), and anyone could lock the admin out every 15
minutes. Now: attempts are counted per address and per account name before
any hashing, the hashes run in a bounded pool, unknown and known names are
treated alike, and staff at a clean address still log in during an attack.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from server import accounts
from server.accounts import ACCOUNT_LIMIT, ADDRESS_LIMIT, LoginOutcome, check_login
from server.db import Database
from server.web import hashing
from tests.integration.web.staffsite import PASSWORD, Site


class _Hashes:
    """Counts scrypt runs of the log-in check and the most ever running at once."""

    def __init__(self) -> None:
        self.runs = 0
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()
        self._verify = accounts.verify_password

    def __call__(self, password: str, stored: str) -> bool:
        with self._lock:
            self.runs += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return self._verify(password, stored)
        finally:
            with self._lock:
                self.running -= 1


def test_forty_parallel_failed_log_ins_hash_at_most_the_address_allowance_two_at_a_time(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashes = _Hashes()
    monkeypatch.setattr(accounts, "verify_password", hashes)

    def attempt(n: int) -> int:
        client = site.client()
        try:
            return client.login("admin", f"guess {n}").status_code
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=40) as burst:
        statuses = list(burst.map(attempt, range(40)))

    assert hashes.runs <= ADDRESS_LIMIT
    assert hashes.most <= hashing.WORKERS
    assert statuses.count(401) == hashes.runs
    assert set(statuses) <= {401, 429, 503}
    assert statuses.count(429) >= 40 - ADDRESS_LIMIT - hashing.QUEUE


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """scrypt at n=2**10: the rules under test do not depend on what one hash costs."""
    monkeypatch.setattr(
        accounts, "hash_password", functools.partial(accounts.hash_password, n=2**10)
    )
    accounts._dummy_hash.cache_clear()
    yield
    accounts._dummy_hash.cache_clear()


@pytest.mark.usefixtures("cheap_hashes")
def test_a_stranger_cannot_lock_staff_out(db: Database) -> None:
    accounts.create_user(db, "admin", PASSWORD, "admin")
    # An attacker spreads guesses over addresses until the account is under watch.
    for n in range(ACCOUNT_LIMIT + 2):
        check_login(db, "admin", f"guess {n}", address=f"203.0.113.{n % 3}")

    attacker = check_login(db, "admin", PASSWORD, address="203.0.113.1")
    staff_desk = check_login(db, "admin", PASSWORD, address="10.20.30.40")

    assert attacker.outcome == LoginOutcome.THROTTLED
    assert staff_desk.outcome == LoginOutcome.OK


@pytest.mark.usefixtures("cheap_hashes")
def test_unknown_and_known_names_get_the_same_answers_in_the_same_order(db: Database) -> None:
    accounts.create_user(db, "admin", PASSWORD, "admin")

    def answers(username: str, prefix: str) -> list[str]:
        return [
            check_login(db, username, f"guess {n}", address=f"{prefix}.{n % 3}").outcome
            for n in range(ACCOUNT_LIMIT + 4)
        ]

    assert answers("admin", "198.51.100") == answers("no.such.user", "192.0.2")
