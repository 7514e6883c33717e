"""Column types both databases use: aware UTC instants and enums stored by value."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import DateTime, Enum, TypeDecorator
from sqlalchemy.engine import Dialect

__all__ = ["UTCDateTime", "str_enum"]


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; the server subclasses it for PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; only aware UTC datetimes are stored")
        value = value.astimezone(dt.UTC)
        # SQLite has no time zones (it would hand back naive datetimes): store
        # naive UTC there and re-attach UTC when reading.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

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
