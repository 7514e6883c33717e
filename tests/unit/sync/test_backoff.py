"""Backoff: exponential with full jitter, capped, honouring Retry-After, never giving up."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from sync.backoff import MAX_RETRY_AFTER_S, Backoff, parse_retry_after

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


class Highest(random.Random):
    """A generator that always draws the top of the range."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Lowest(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a


def test_ceiling_doubles_from_the_base_up_to_the_cap() -> None:
    backoff = Backoff(base_s=2.0, cap_s=300.0)
    assert [backoff.ceiling(n) for n in range(1, 10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300]


def test_full_jitter_draws_anywhere_between_zero_and_the_ceiling() -> None:
    assert Backoff(2.0, 300.0, Highest()).delay(3) == 8.0
    assert Backoff(2.0, 300.0, Lowest()).delay(3) == 0.0


def test_delays_of_a_seeded_generator_stay_within_the_ceiling() -> None:
    backoff = Backoff(2.0, 300.0, random.Random(1))
    for failures in range(1, 30):
        assert 0.0 <= backoff.delay(failures) <= backoff.ceiling(failures)


def test_at_the_cap_it_probes_about_once_per_cap_interval() -> None:
    assert Backoff(2.0, 300.0, Lowest()).delay(50) == pytest.approx(240.0)
    assert Backoff(2.0, 300.0, Highest()).delay(50) == 300.0


def test_a_very_long_outage_neither_overflows_nor_gives_up() -> None:
    assert Backoff(2.0, 300.0, Highest()).delay(10_000) == 300.0


def test_retry_after_wins_when_longer_than_the_draw() -> None:
    assert Backoff(2.0, 300.0, Lowest()).delay(1, retry_after_s=30.0) == 30.0


def test_retry_after_does_not_shorten_a_longer_draw() -> None:
    assert Backoff(2.0, 300.0, Highest()).delay(9, retry_after_s=1.0) == 300.0


def test_an_absurd_retry_after_is_bounded() -> None:
    assert Backoff(2.0, 300.0, Lowest()).delay(1, retry_after_s=1e9) == MAX_RETRY_AFTER_S


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("120", NOW) == 120.0


def test_retry_after_as_an_http_date() -> None:
    assert parse_retry_after("Fri, 27 Nov 2026 09:01:30 GMT", NOW) == 90.0


def test_retry_after_date_in_the_past_means_now() -> None:
    assert parse_retry_after("Fri, 27 Nov 2026 08:00:00 GMT", NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5e3"])
def test_unusable_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None
