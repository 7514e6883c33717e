"""Column types both databases use: aware UTC instants and enums stored by value."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

from sqlalchemy import DateTime, Enum, TypeDecorator
from sqlalchemy.engine import Dialect

__all__ = ["UTCDateTime", "str_enum"]

_NAIVE = "naive datetime given; only aware UTC datetimes are stored"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; the server subclasses it for PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(_NAIVE)
        value = value.astimezone(dt.UTC)
        # SQLite has no time zones (it would hand back naive datetimes): store
        # naive UTC there and re-attach UTC when reading.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, the conversion above and SQLAlchemy's formatting as one step.

        SQLAlchemy runs ``process_bind_param`` and then its own SQLite DATETIME
        formatting (a ``%`` format of seven fields) for every value; a server
        push stores a few hundred of them. ``isoformat`` writes the very same
        text (``2026-12-04 16:42:03.000000``: microseconds always, years in
        four digits), so stored values sort and compare as before
        (tests/unit/core/test_columns.py compares the two on random instants).
        """
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        utc = dt.UTC

        def process(value: dt.datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError(_NAIVE)
            return value.astimezone(utc).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def str_enum(cls: type[enum.StrEnum]) -> Enum:
    """Store an enum by its value ('pending'), readable in raw SQL and exports."""
    return Enum(
        cls,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )
