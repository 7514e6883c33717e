"""The staff PIN: a salted, slow hash, and a lockout that grows with every wrong try.

Staff mode can enrol the kiosk again, retry refused records and close the
kiosk, so its PIN is guarded like a password:

- Stored as ``hashlib.scrypt`` with a random 16-byte salt and the cost it was
  made with (n=2^14, r=8, p=1: ~16 MiB and some tens of ms per try, which a
  kiosk does a few times a day and an attacker with the database file does
  ~30 times a second per core). Compared in constant time.
- Three tries are free; from the third wrong one on, the next try waits
  30 s, then 60 s, 120 s … up to an hour. A right PIN clears the count. The
  count and the end of the wait are in the database, so a restart does not
  reset them; a clock set back never lengthens a wait beyond its step.
- While locked, a try is refused before anything is hashed or counted.

The UI only shows what these functions return; the CLI (``set-pin``) and the
enrolment screen set the PIN.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from core.clock import utcnow
from kiosk.models import StaffPin
from kiosk.store import Store

PIN_MIN_LENGTH = 6
PIN_MAX_LENGTH = 12
FREE_TRIES = 3
FIRST_DELAY_S = 30.0
MAX_DELAY_S = 3600.0
SALT_BYTES = 16
HASH_BYTES = 32


@dataclass(frozen=True)
class ScryptCost:
    n: int = 2**14
    r: int = 8
    p: int = 1


DEFAULT_COST = ScryptCost()


class InvalidPin(ValueError):
    """A new PIN that does not follow the rules; ``key`` is the catalog message."""

    key = "staff.pin.rules"


@dataclass(frozen=True)
class PinCheck:
    """The answer to a try, or to "may I try now?" (``ok`` is then False)."""

    ok: bool
    # Seconds until the next try is allowed; 0 when a try is allowed now.
    wait_s: float = 0.0
    failed_tries: int = 0
    no_pin: bool = False

    @property
    def locked(self) -> bool:
        return self.wait_s > 0

    @property
    def tries_before_wait(self) -> int:
        """Wrong tries left before the next one starts a wait."""
        return max(0, FREE_TRIES - 1 - self.failed_tries)


def delay_after(failed_tries: int) -> float:
    """The wait after ``failed_tries`` wrong tries in a row: 0, 0, 30 s, 60 s … 1 h."""
    if failed_tries < FREE_TRIES:
        return 0.0
    return min(MAX_DELAY_S, FIRST_DELAY_S * float(2 ** (failed_tries - FREE_TRIES)))


def check_new_pin(pin: str) -> str:
    """The PIN if it follows the rules (6–12 digits), else ``InvalidPin``."""
    if not (PIN_MIN_LENGTH <= len(pin) <= PIN_MAX_LENGTH) or not pin.isascii() or not pin.isdigit():
        raise InvalidPin(f"a staff PIN is {PIN_MIN_LENGTH} to {PIN_MAX_LENGTH} digits")
    return pin


def _hash(pin: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(
        pin.encode("ascii"),
        salt=salt,
        n=cost.n,
        r=cost.r,
        p=cost.p,
        maxmem=128 * cost.r * cost.n * 2,
        dklen=HASH_BYTES,
    )


def set_pin(
    store: Store, pin: str, now: dt.datetime | None = None, *, cost: ScryptCost = DEFAULT_COST
) -> None:
    """Set (or replace) the staff PIN; clears any lockout."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _hash(check_new_pin(pin), salt, cost)
    with store.write() as session:
        session.merge(
            StaffPin(
                id=1,
                salt=salt,
                pin_hash=digest,
                cost_n=cost.n,
                cost_r=cost.r,
                cost_p=cost.p,
                failed_tries=0,
                locked_until=None,
                set_at=now or utcnow(),
            )
        )


def has_pin(store: Store) -> bool:
    with store.read() as session:
        return session.get(StaffPin, 1) is not None


def pin_state(store: Store, now: dt.datetime) -> PinCheck:
    """Whether a try is allowed now, without making one (for a countdown on screen)."""
    with store.read() as session:
        row = session.get(StaffPin, 1)
        if row is None:
            return PinCheck(ok=False, no_pin=True)
        return PinCheck(ok=False, wait_s=_wait(row, now), failed_tries=row.failed_tries)


def check_pin(store: Store, pin: str, now: dt.datetime) -> PinCheck:
    """Try ``pin``: right, wrong (counted, maybe starting a wait) or refused while locked."""
    with store.read() as session:
        row = session.get(StaffPin, 1)
        if row is None:
            return PinCheck(ok=False, no_pin=True)
        if _wait(row, now) > 0:
            return PinCheck(ok=False, wait_s=_wait(row, now), failed_tries=row.failed_tries)
        salt, expected = row.salt, row.pin_hash
        cost = ScryptCost(row.cost_n, row.cost_r, row.cost_p)
    # Hashed outside the transaction: tens of milliseconds need not hold the write lock.
    right = pin.isascii() and hmac.compare_digest(_hash(pin, salt, cost), expected)
    with store.write() as session:
        row = session.get(StaffPin, 1)
        if row is None or row.pin_hash != expected:
            # Replaced meanwhile (set-pin from a terminal): this try was against the old one.
            return PinCheck(ok=False, failed_tries=row.failed_tries if row else 0)
        if right:
            row.failed_tries = 0
            row.locked_until = None
            return PinCheck(ok=True)
        row.failed_tries += 1
        delay = delay_after(row.failed_tries)
        row.locked_until = now + dt.timedelta(seconds=delay) if delay else None
        return PinCheck(ok=False, wait_s=delay, failed_tries=row.failed_tries)


def _wait(row: StaffPin, now: dt.datetime) -> float:
    if row.locked_until is None:
        return 0.0
    left = (row.locked_until - now).total_seconds()
    # A clock set back would otherwise stretch the wait by however far it went back.
    return max(0.0, min(left, delay_after(row.failed_tries)))
