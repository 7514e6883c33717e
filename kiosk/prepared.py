"""Statements compiled once and run straight on the SQLite driver, inside the caller's transaction.

What the check-in desk asks per scan is a handful of one-row look-ups by key,
an insert and its outbox mutation, on the GUI thread. SQLAlchemy caches the
compiled SQL of a statement, but every execution still builds an execution
context, a cursor result and its rows: ~0.1 ms a statement on the kiosk's
hardware, against ~0.02 ms for SQLite to answer. Ten of them were a tenth
of the desk's 10 ms budget.

A ``Prepared`` statement is compiled by SQLAlchemy once per dialect, with
SQLAlchemy's own type processors for its parameters and columns (aware UTC
datetimes, booleans, enums stored by value), and then runs on the DBAPI
connection under the caller's Core connection: the same transaction, begun
by SQLAlchemy (``BEGIN IMMEDIATE`` for a writer) and committed by it. The
SQL is SQLAlchemy's, from the same table definitions: nothing is written by
hand. Only for statements with plain named parameters (no expanding ``IN``).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql import ClauseElement, Insert, Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.schema import ScalarElementColumnDefault

Processor = Callable[[Any], Any]
_REQUIRED = object()  # a parameter the caller must give (``bindparam("event_id")``)


@dataclass(frozen=True)
class _Compiled:
    dialect: Dialect
    sql: str
    params: tuple[tuple[str, Processor | None, Any], ...]
    results: tuple[Processor | None, ...]
    row: Callable[..., Any]


class Prepared:
    """One statement: ``first``/``all`` for a select or a write's RETURNING, ``run`` for a write.

    ``columns`` names what an INSERT sets; the table's other columns take
    their fixed defaults (one made by a function, a new id say, must be given).
    """

    def __init__(self, statement: ClauseElement, *, columns: Sequence[str] = ()) -> None:
        self._statement = statement
        self._columns = list(columns)
        self._compiled: _Compiled | None = None

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Any | None:
        """The first row (attributes named like the selected columns), or None."""
        cursor = self._execute(conn, params)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()  # no statement left open in the transaction
        return None if row is None else self._row(conn, row)

    def all(self, conn: Connection, params: Mapping[str, Any] | None = None) -> list[Any]:
        cursor = self._execute(conn, params)
        return [self._row(conn, row) for row in cursor.fetchall()]

    def run(self, conn: Connection, params: Mapping[str, Any] | None = None) -> None:
        self._execute(conn, params).close()

    def _execute(self, conn: Connection, params: Mapping[str, Any] | None) -> Any:
        compiled = self._compile(conn.dialect)
        given = params or {}
        # A parameter the caller does not give is one the statement holds (``id == 1``, a LIMIT).
        values = [
            value if process is None else process(value)
            for name, process, held in compiled.params
            for value in (given[name] if held is _REQUIRED else given.get(name, held),)
        ]
        driver = conn.connection.driver_connection
        assert driver is not None, "the connection is closed"
        return driver.execute(compiled.sql, values)

    def _row(self, conn: Connection, raw: Sequence[Any]) -> Any:
        compiled = self._compile(conn.dialect)
        return compiled.row(
            *(
                value if process is None or value is None else process(value)
                for value, process in zip(raw, compiled.results, strict=True)
            )
        )

    def _held(self, sql: SQLCompiler, name: str) -> Any:
        """What a parameter the caller leaves out takes: the statement's, or the column default."""
        if isinstance(self._statement, Insert) and name not in self._columns:
            default = self._statement.table.c[name].default
            if isinstance(default, ScalarElementColumnDefault):
                return default.arg
            raise ValueError(f"{name} has no fixed default: name it in columns and give it")
        return _REQUIRED if sql.binds[name].required else sql.binds[name].value

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled
        if compiled is not None and compiled.dialect is dialect:
            return compiled
        sql = self._statement.compile(dialect=dialect, column_keys=self._columns or None)
        assert isinstance(sql, SQLCompiler)
        names = sql.positiontup or []
        # The processors SQLAlchemy itself runs for this dialect (private by name,
        # public in use: every execution goes through them).
        params = tuple(
            (name, sql.binds[name].type._cached_bind_processor(dialect), self._held(sql, name))
            for name in names
        )
        selected: list[Any] = []
        if isinstance(self._statement, Select):
            selected = list(self._statement.selected_columns)
        elif isinstance(self._statement, UpdateBase):
            selected = list(self._statement.exported_columns)  # its RETURNING, if any
        results = tuple(col.type._cached_result_processor(dialect, None) for col in selected)
        # An expression returned (``next_seq - 1``) has no name: the row calls it _0.
        names = [getattr(col, "key", None) or f"_{i}" for i, col in enumerate(selected)]
        row = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        self._compiled = _Compiled(dialect, str(sql), params, results, row)
        return self._compiled
