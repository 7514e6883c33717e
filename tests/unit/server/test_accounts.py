"""Staff accounts: slow salted hashes, a lockout after repeated failures, roles."""

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


def test_five_failures_lock_the_account_even_for_the_right_password(db: Database) -> None:
    create_user(db, "admin", PASSWORD, "admin")
    outcomes = [check_login(db, "admin", f"guess {n}", now=T0).outcome for n in range(5)]

    assert outcomes == [LoginOutcome.WRONG] * 4 + [LoginOutcome.LOCKED]
    locked = check_login(db, "admin", PASSWORD, now=T0 + dt.timedelta(minutes=1))
    assert locked.outcome == LoginOutcome.LOCKED
    assert locked.locked_until == T0 + accounts.LOCKOUT
    later = check_login(db, "admin", PASSWORD, now=T0 + accounts.LOCKOUT + dt.timedelta(seconds=1))
    assert later.outcome == LoginOutcome.OK


def test_a_success_resets_the_failure_count(db: Database) -> None:
    create_user(db, "admin", PASSWORD, "admin")
    for n in range(4):
        check_login(db, "admin", f"guess {n}", now=T0)
    assert check_login(db, "admin", PASSWORD, now=T0).outcome == LoginOutcome.OK

    assert check_login(db, "admin", "guess again", now=T0).outcome == LoginOutcome.WRONG


def test_an_admin_lifts_a_lockout(db: Database) -> None:
    create_user(db, "admin", PASSWORD, "admin")
    for n in range(5):
        check_login(db, "admin", f"guess {n}")

    accounts.unlock(db, "admin")

    assert check_login(db, "admin", PASSWORD).outcome == LoginOutcome.OK


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
