"""Finding 12: a database read-only for a few seconds left every push failing until someone acted.

On a real PostgreSQL: ``ALTER DATABASE … SET default_transaction_read_only =
on``, the backends cut (as a failover does, so the pool reconnects during the
fault and its new connections keep the setting for life), then ``RESET``. The
server must say it cannot write while it cannot, log why at warning level, and
accept pushes again within seconds of the reset with no manual step.

And the pool's pings, which are for exactly such faults: a connection that
sat idle is pinged (and replaced if its backend is gone), one in steady use
is not (a round trip per session saved).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import psycopg
import pytest

from server import db as server_db
from server.db import Database
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres
# How long the server may take to heal once the database is writable again.
HEAL_DEADLINE_S = 30.0


def _admin(cluster: PostgresCluster, sql: str) -> None:
    with psycopg.connect(cluster._dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def _cut_backends(cluster: PostgresCluster, database: str) -> None:
    _admin(
        cluster,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()",
    )


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_pushes_succeed_again_by_themselves_after_a_read_only_spell(
    live: LiveServer,
    kiosk: SimKiosk,
    postgres_cluster: PostgresCluster,
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = live.db.engine.url.database
    assert database is not None
    assert kiosk.push([kiosk.complaint()])[0]["status"] == "applied"

    _admin(postgres_cluster, f"ALTER DATABASE {database} SET default_transaction_read_only = on")
    _cut_backends(postgres_cluster, database)
    caplog.set_level(logging.WARNING, logger="server.app")
    during = [kiosk.push_raw([kiosk.complaint()]) for _ in range(3)]
    health = kiosk.http.get(live.base_url + "/v1/health", timeout=10)
    _admin(postgres_cluster, f"ALTER DATABASE {database} RESET default_transaction_read_only")

    assert all(reply.status_code == 503 for reply in during)
    assert all(reply.headers["Retry-After"] for reply in during)
    assert (health.status_code, health.json()["database"]) == (503, "read_only")
    reasons = [getattr(r, "fields", {}).get("reason") for r in caplog.records]
    assert "ReadOnlySqlTransaction" in reasons
    # No terminate, no restart: the next pushes go through by themselves.
    deadline = time.monotonic() + HEAL_DEADLINE_S
    while True:
        reply = kiosk.push_raw([kiosk.complaint()])
        if reply.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert reply.status_code == 200, reply.text
    assert reply.json()["results"][0]["status"] == "applied"
    assert kiosk.http.get(live.base_url + "/v1/health", timeout=10).json()["database"] == "ok"


def _pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every ping the pool sends from now on, noted as it goes."""
    pinged: list[object] = []
    ping = db.engine.dialect.do_ping

    def noted(dbapi_connection: Any) -> bool:
        pinged.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", noted)
    return pinged


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_connection_in_steady_use_is_not_pinged_and_an_idle_one_is(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pinged = _pings(db, monkeypatch)
    for _ in range(20):
        assert db.ping()
    assert pinged == []  # a round trip saved in every session

    monkeypatch.setattr(server_db, "IDLE_PING_S", 0.05)
    time.sleep(0.1)
    assert db.ping()
    assert len(pinged) == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_idle_connection_whose_backend_went_away_is_replaced_unseen(
    db: Database, postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert db.state() == "ok"
    pinged = _pings(db, monkeypatch)
    monkeypatch.setattr(server_db, "IDLE_PING_S", 0.05)
    database = db.engine.url.database
    assert database is not None
    _cut_backends(postgres_cluster, database)
    time.sleep(0.1)

    # The pooled connection fails its ping and a new one answers: no error reaches anyone.
    assert db.state() == "ok"
    assert len(pinged) == 1
