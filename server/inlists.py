"""``column IN (a list)``, spelt so each statement has one text whatever the list's length."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute


def one_of(
    column: ColumnElement[Any] | InstrumentedAttribute[Any], name: str, dialect: str
) -> ColumnElement[bool]:
    """``column`` is one of the list bound as ``name``, for ``dialect``.

    On PostgreSQL ``= ANY(array)``: one parameter, so the SQL is the same for
    every length and psycopg can cache and prepare it. An expanding IN renders
    a placeholder per item and a new text per length, which SQLAlchemy
    rendered and psycopg parsed again (it caches only statements of at most 50
    parameters) on every push and every pull: a tenth of a pull.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
