"""Record ids begin with the time they were made (UUID version 7), so indexes grow at one end."""

from __future__ import annotations

import uuid

import pytest

from core.ids import new_id, time_ordered_uuid
from server.mutations import mutation_id

# 2026-12-04 16:42:03.123456789 UTC
NOW_NS = 1_796_402_523_123_456_789


def test_an_id_is_a_version_7_uuid_in_canonical_spelling() -> None:
    text = new_id()
    value = uuid.UUID(text)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert str(value) == text


def test_an_id_carries_the_millisecond_it_was_made() -> None:
    value = time_ordered_uuid(NOW_NS)
    assert value.int >> 80 == NOW_NS // 1_000_000


def test_ids_sort_in_the_order_they_were_made_even_within_a_millisecond() -> None:
    # 0.25 us apart is the finest step 12 bits of a millisecond can tell apart.
    times = [NOW_NS + step * 250 for step in range(0, 8_000, 7)]
    ids = [str(time_ordered_uuid(ns)) for ns in times]
    assert sorted(ids) == ids
    assert sorted(ids, key=uuid.UUID) == ids


def test_ids_made_at_the_same_instant_still_differ() -> None:
    assert len({time_ordered_uuid(NOW_NS) for _ in range(10_000)}) == 10_000


def test_a_time_before_1970_is_refused() -> None:
    with pytest.raises(ValueError, match="1970"):
        time_ordered_uuid(-1)


def test_the_server_takes_a_time_ordered_id_as_it_is() -> None:
    text = new_id()
    assert mutation_id({"id": text}) == text
