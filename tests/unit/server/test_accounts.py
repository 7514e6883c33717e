"""Staff accounts: slow salted hashes, throttled log-in attempts, roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from server import accounts
from server.accounts import AccountError, LoginOutcome, check_login, create_user
from server.db import Database, open_database
from server.models import StaffRole

PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    yield database
    database.close()


def test_a_hash_is_salted_scrypt_and_verifies_only_its_password() -> None:
    first, second = accounts.hash_password(PASSWORD), accounts.hash_password(PASSWORD)

    assert first.startswith("scrypt$32768$8$1$") and first != second
    assert accounts.verify_password(PASSWORD, first)
    assert not accounts.verify_password(PASSWORD + "!", first)
    assert not accounts.verify_password(PASSWORD, "md5$whatever")
    assert not accounts.verify_password(PASSWORD, "scrypt$not$a$hash$at$all")


def test_the_right_password_logs_in_with_the_role(db: Database) -> None:
    create_user(db, "Officer.Kim", PASSWORD, "officer", "김 주무관")

    result = check_login(db, " officer.kim ", PASSWORD)

    assert result.outcome == LoginOutcome.OK and result.staff is not None
    assert (result.staff.username, result.staff.role) == ("officer.kim", StaffRole.OFFICER)
    assert not result.staff.may(StaffRole.ADMIN) and result.staff.may(StaffRole.OFFICER)


def test_unknown_user_and_wrong_password_look_the_same(db: Database) -> None:
    create_user(db, "admin", PASSWORD, "admin")

    assert check_login(db, "nobody", PASSWORD).outcome == LoginOutcome.WRONG
    assert check_login(db, "admin", "wrong password").outcome == LoginOutcome.WRONG


def test_failures_from_one_address_stop_its_attempts_before_any_hashing(db: Database) -> None:
    create_user(db, "admin", PASSWORD, "admin")
    outcomes = [
        check_login(db, "admin", f"guess {n}", now=T0, address="10.0.0.9").outcome
        for n in range(accounts.ADDRESS_LIMIT + 1)
    ]

    assert outcomes == [LoginOutcome.WRONG] * accounts.ADDRESS_LIMIT + [LoginOutcome.THROTTLED]
    refused = check_login(db, "admin", PASSWORD, now=T0, address="10.0.0.9")
    assert refused.outcome == LoginOutcome.THROTTLED and refused.retry_after_s
    later = T0 + accounts.WINDOW + dt.timedelta(seconds=1)
    assert check_login(db, "admin", PASSWORD, now=later, address="10.0.0.9").outcome == "ok"


def test_a_success_clears_the_address(db: Database) -> None:
    create_user(db, "admin", PASSWORD, "admin")
    for n in range(accounts.ADDRESS_LIMIT - 1):
        check_login(db, "officer", f"guess {n}", now=T0)
    assert check_login(db, "admin", PASSWORD, now=T0).outcome == LoginOutcome.OK

    # The address has its full allowance again.
    outcomes = [
        check_login(db, f"user{n}", f"again {n}", now=T0).outcome
        for n in range(accounts.ADDRESS_LIMIT)
    ]
    assert outcomes == [LoginOutcome.WRONG] * accounts.ADDRESS_LIMIT


def test_an_admin_lifts_the_throttle_on_an_account(db: Database) -> None:
    create_user(db, "admin", PASSWORD, "admin")
    for n in range(accounts.ACCOUNT_LIMIT):
        check_login(db, "admin", f"guess {n}", now=T0, address=f"10.0.1.{n}")
    assert check_login(db, "admin", "x", now=T0, address="10.0.1.0").outcome == "throttled"

    accounts.unlock(db, "admin")

    assert check_login(db, "admin", PASSWORD, now=T0, address="10.0.1.0").outcome == "ok"


def test_a_disabled_account_cannot_log_in(db: Database) -> None:
    create_user(db, "officer", PASSWORD, "officer")
    accounts.set_disabled(db, "officer", True)

    assert check_login(db, "officer", PASSWORD).outcome == LoginOutcome.DISABLED


@pytest.mark.parametrize(
    ("username", "password", "role", "key"),
    [
        ("ab", "short", "officer", "password_short"),
        ("has space", PASSWORD, "officer", "username_invalid"),
        ("kim", PASSWORD, "mayor", "role_invalid"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(
    db: Database, username: str, password: str, role: str, key: str
) -> None:
    with pytest.raises(AccountError) as refused:
        create_user(db, username, password, role)

    assert refused.value.key == key


def test_user_names_are_unique_whatever_their_case(db: Database) -> None:
    create_user(db, "kim", PASSWORD, "officer")

    with pytest.raises(AccountError, match="exists"):
        create_user(db, "KIM", PASSWORD, "admin")
