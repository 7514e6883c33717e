"""The app when its database is down: 503 with Retry-After, so kiosks back off and retry."""

from __future__ import annotations

import warnings

from nacl.public import PrivateKey
from nacl.signing import SigningKey
from starlette.exceptions import StarletteDeprecationWarning

from server.app import create_app
from server.db import Database, create_db_engine
from server.keys import ServerKeys

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


def _client() -> TestClient:
    # Nothing listens on port 1: every connection attempt is refused at once.
    db = Database(create_db_engine("postgresql://nobody@127.0.0.1:1/civic"))
    keys = ServerKeys(
        epoch="e",
        sealing_key=PrivateKey.generate(),
        sealing_public_key="k",
        signing_key=SigningKey.generate(),
    )
    return TestClient(create_app(db, keys), raise_server_exceptions=False)


def test_sync_answers_503_when_the_database_is_down() -> None:
    reply = _client().get("/v1/sync/pull", headers={"Authorization": "Bearer some-token"})

    assert reply.status_code == 503
    assert reply.json()["error"]["code"] == "database_unavailable"
    assert reply.headers["Retry-After"] == "5"
    assert "Traceback" not in reply.text and "127.0.0.1" not in reply.text


def test_health_reports_the_database_down() -> None:
    reply = _client().get("/v1/health")

    assert reply.status_code == 503
    assert (reply.json()["status"], reply.json()["database"]) == ("degraded", "unavailable")
