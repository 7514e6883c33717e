"""Finding 12: a database read-only for a few seconds left every push failing until someone acted.

On a real PostgreSQL: ``ALTER DATABASE … SET default_transaction_read_only =
on``, the backends cut (as a failover does, so the pool reconnects during the
fault and its new connections keep the setting for life), then ``RESET``. The
server must say it cannot write while it cannot, log why at warning level, and
accept pushes again within seconds of the reset with no manual step.
"""

from __future__ import annotations

import logging
import time

import psycopg
import pytest

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
