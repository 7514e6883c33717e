"""The staff PIN: a salted scrypt hash, and a lockout that grows and survives restarts."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.models import StaffPin
from kiosk.staff import (
    DEFAULT_COST,
    FIRST_DELAY_S,
    MAX_DELAY_S,
    InvalidPin,
    ScryptCost,
    check_pin,
    delay_after,
    has_pin,
    pin_state,
    set_pin,
)
from kiosk.store import Store, open_store
from tests.conftest import NOW

PIN = "482916"
CHEAP = ScryptCost(n=2**10)


def later(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_store(f"sqlite:///{tmp_path / 'kiosk.db'}")
    set_pin(opened, PIN, NOW, cost=CHEAP)
    return opened


def test_the_pin_is_kept_as_a_salted_scrypt_hash_only(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'kiosk.db'}")
    set_pin(store, PIN, NOW)
    with store.read() as session:
        row = session.scalars(select(StaffPin)).one()
    assert (row.cost_n, row.cost_r, row.cost_p) == (DEFAULT_COST.n, 8, 1) == (2**14, 8, 1)
    expected = hashlib.scrypt(
        PIN.encode(), salt=row.salt, n=2**14, r=8, p=1, maxmem=2**25, dklen=32
    )
    assert row.pin_hash == expected and len(row.salt) == 16
    assert PIN.encode() not in (tmp_path / "kiosk.db").read_bytes()
    set_pin(store, PIN, NOW)
    with store.read() as session:
        again = session.scalars(select(StaffPin)).one()
    assert again.salt != row.salt and again.pin_hash != row.pin_hash


def test_the_right_pin_is_accepted_and_a_wrong_one_counted(store: Store) -> None:
    assert check_pin(store, PIN, NOW).ok
    wrong = check_pin(store, "000000", NOW)
    assert not wrong.ok and wrong.failed_tries == 1 and not wrong.locked
    assert wrong.tries_before_wait == 1


def test_the_third_wrong_try_starts_a_wait_that_doubles_up_to_an_hour() -> None:
    assert [delay_after(n) for n in range(1, 8)] == [0, 0, 30, 60, 120, 240, 480]
    assert delay_after(20) == MAX_DELAY_S == 3600


def test_while_locked_even_the_right_pin_is_refused_and_not_counted(store: Store) -> None:
    for _ in range(3):
        check_pin(store, "000000", NOW)
    locked = check_pin(store, PIN, later(10))
    assert not locked.ok and locked.wait_s == pytest.approx(FIRST_DELAY_S - 10)
    assert locked.failed_tries == 3
    assert check_pin(store, PIN, later(FIRST_DELAY_S)).ok
    assert pin_state(store, later(FIRST_DELAY_S)).failed_tries == 0  # a right PIN clears it


def test_the_lockout_survives_a_restart(tmp_path: Path, store: Store) -> None:
    for _ in range(3):
        check_pin(store, "000000", NOW)
    fourth = check_pin(store, "000000", later(FIRST_DELAY_S))
    assert fourth.wait_s == 2 * FIRST_DELAY_S
    store.close()
    reopened = open_store(f"sqlite:///{tmp_path / 'kiosk.db'}")
    state = pin_state(reopened, later(FIRST_DELAY_S + 1))
    assert state.locked and state.wait_s == pytest.approx(2 * FIRST_DELAY_S - 1)


def test_a_clock_set_back_does_not_stretch_the_wait(store: Store) -> None:
    for _ in range(3):
        check_pin(store, "000000", NOW)
    a_day_back = NOW - dt.timedelta(days=1)
    assert pin_state(store, a_day_back).wait_s == FIRST_DELAY_S


@pytest.mark.parametrize("pin", ["12345", "1234567890123", "12345a", "", "１２３４５６"])
def test_a_new_pin_is_six_to_twelve_ascii_digits(store: Store, pin: str) -> None:
    with pytest.raises(InvalidPin):
        set_pin(store, pin, NOW, cost=CHEAP)
    assert check_pin(store, PIN, NOW).ok  # the old one still stands


def test_no_pin_set_means_no_way_in(tmp_path: Path) -> None:
    empty = open_store(f"sqlite:///{tmp_path / 'empty.db'}")
    assert not has_pin(empty)
    assert check_pin(empty, PIN, NOW).no_pin
    assert pin_state(empty, NOW).no_pin


def test_a_new_pin_replaces_the_old_one_and_clears_the_lockout(store: Store) -> None:
    for _ in range(3):
        check_pin(store, "000000", NOW)
    set_pin(store, "135792", NOW, cost=CHEAP)
    assert not pin_state(store, NOW).locked
    assert not check_pin(store, PIN, NOW).ok
    assert check_pin(store, "135792", NOW).ok
