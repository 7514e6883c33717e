"""Every server test runs twice: on an SQLite file and on a throw-away PostgreSQL.

PostgreSQL comes from Debian's binaries (tests/support/postgres.py), one
cluster per session. Each test gets a fresh database copied from a migrated
template (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL) and
its own server on a fresh port. Without PostgreSQL binaries the PostgreSQL
half fails under CI=true and is skipped, loudly, elsewhere.
"""

from __future__ import annotations

import itertools
import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.db import Database, open_database
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk
from tests.support.postgres import PostgresCluster, PostgresUnavailable, find_bindir

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
_TEMPLATE = "civic_template"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    if find_bindir() is None:
        reason = (
            "PostgreSQL server binaries not found (Debian: apt-get install postgresql); "
            "the PostgreSQL half of the server tests did NOT run"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        warnings.warn(reason, stacklevel=1)
        pytest.skip(reason)
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is installed but would not start: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def template(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated, empty database to copy: a file path (SQLite) or a database name."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("template") / "server.db"
        open_database(f"sqlite:///{path}").close()
        return str(path)
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    cluster.drop_database(_TEMPLATE)
    open_database(cluster.create_database(_TEMPLATE)).close()
    return _TEMPLATE


@pytest.fixture
def db_url(
    backend: str, template: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / "server.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = f"civic_test_{next(_names)}"
    url = cluster.create_database(name, template=template)
    yield url
    cluster.drop_database(name)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, migrate=False)
    yield database
    database.close()


@pytest.fixture(scope="session")
def _stopping() -> Iterator[list[LiveServer]]:
    """Servers told to stop but not waited for, so no test pays uvicorn's shutdown ticks."""
    servers: list[LiveServer] = []
    yield servers
    for server in servers:
        server.thread.join(timeout=15)


@pytest.fixture
def live(db: Database, _stopping: list[LiveServer]) -> Iterator[LiveServer]:
    server = LiveServer.start(db)
    yield server
    # Every request of the test has been answered by now; nothing is in flight.
    server.stop(wait=False)
    _stopping.append(server)


@pytest.fixture
def kiosk(live: LiveServer) -> Iterator[SimKiosk]:
    k = live.kiosk()
    yield k
    k.close()
