"""Paging the submissions list stays an index range scan at 100,000 rows.

Timing would be flaky on a shared CI machine; the query plan is not. Both
databases must walk an index in (created_at, id) order (with the filtered
column first when there is a filter) and never sort the whole table.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from server.db import Database, open_database
from server.models import Submission, table_of
from server.submissions import Cursor, Filters, list_page, page_query
from tests.support.postgres import PostgresCluster

ROWS = 100_000
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
KINDS = ("complaint", "suggestion", "proposal")


def _seed(db: Database, rows: int = ROWS) -> None:
    rng = random.Random(3)
    batch: list[dict[str, Any]] = []
    table = table_of(Submission)
    with db.write() as session:
        for n in range(rows):
            created = T0 + dt.timedelta(seconds=rng.randrange(330 * 86400))
            batch.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "kind": KINDS[n % 3],
                    "receipt_code": "ABCD2345",
                    "device_id": f"dev-{n % 40}",
                    "category": ("road", "noise", "waste")[n % 3 if n % 7 else 0],
                    "district": "jung",
                    "consent_version": "",
                    "status": "received",
                    "details": {"description": "x"},
                    "created_at": created,
                    "received_at": created,
                    "status_note": "",
                }
            )
            if len(batch) == 10_000:
                session.execute(table.insert(), batch)
                batch = []
        if batch:
            session.execute(table.insert(), batch)
        if db.dialect == "postgresql":
            session.execute(text("ANALYZE submissions"))
        else:
            session.execute(text("ANALYZE"))


def _plan(db: Database, filters: Filters, after: Cursor | None) -> str:
    statement = page_query(filters, after, 50)
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            plan = conn.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar_one()
            return json.dumps(plan)
        rows = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(str(r[-1]) for r in rows)


@pytest.fixture(scope="module")
def big(
    backend: str,
    template: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Database]:
    """One database of 100,000 submissions per backend, shared by this module's tests."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("paging") / "server.db"
        shutil.copyfile(template, path)
        url, drop = f"sqlite:///{path}", None
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url, drop = cluster.create_database("civic_paging", template=template), cluster
    database = open_database(url, migrate=False)
    _seed(database)
    yield database
    database.close()
    if drop is not None:
        drop.drop_database("civic_paging")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (Filters(), "ix_submissions_created_id"),
        (Filters(kind="complaint"), "ix_submissions_kind_created_id"),
        (Filters(status="received"), "ix_submissions_status_created_id"),
        (Filters(category="noise"), "ix_submissions_category_created_id"),
    ],
    ids=["all", "kind", "status", "category"],
)
def test_every_page_is_an_index_range_without_a_sort(
    big: Database, filters: Filters, index: str
) -> None:
    middle = Cursor(T0 + dt.timedelta(days=160), "8" * 8)

    for after in (None, middle):
        plan = _plan(big, filters, after)
        assert index in plan, plan
        if big.dialect == "postgresql":
            assert '"Node Type": "Sort"' not in plan, plan
        else:
            assert "TEMP B-TREE" not in plan, plan


@pytest.mark.slow
def test_pages_follow_each_other_without_gaps_or_repeats(big: Database) -> None:
    seen: list[str] = []
    cursor = ""
    filters = Filters(category="noise", date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 5))
    while True:
        page = list_page(big, filters, cursor, size=200)
        seen += [row.id for row in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    with big.read() as session:
        expected = session.execute(
            text(
                "SELECT count(*) FROM submissions WHERE category = 'noise' "
                "AND created_at >= :a AND created_at < :b"
            ),
            {
                "a": _bound(big, dt.datetime(2026, 2, 28, 15, tzinfo=dt.UTC)),
                "b": _bound(big, dt.datetime(2026, 3, 5, 15, tzinfo=dt.UTC)),
            },
        ).scalar_one()
    assert len(seen) == len(set(seen)) == expected > 200


def _bound(db: Database, value: dt.datetime) -> Any:
    # SQLite keeps naive UTC text (server.models.UTCDateTime); PostgreSQL takes aware values.
    return value.replace(tzinfo=None) if db.dialect == "sqlite" else value
