"""The bare baseline of the server benchmarks: a FastAPI endpoint that does one INSERT per item.

    python -m bench.bare_server --db URL --port PORT

It answers the same push request the real server does (same URL, same JSON
body, the same headers sent) with the least a durable endpoint must do:
parse the body, insert each mutation's id and payload in one transaction on
the same database with the same durability (SQLite WAL + synchronous=FULL,
PostgreSQL with fsync on), and answer "applied" per id. No authentication,
no unsealing, no rules, no change log. It runs on the same uvicorn settings as
``civic-kiosk-server serve``, so the ratio of the two is what the server's own
work costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import Column, MetaData, String, Table, Text, create_engine, insert

from core.database import durable_sqlite
from server.cli import uvicorn_options
from server.config import ServerSettings
from server.db import normalize_url
from sync.protocol import PATH_HEALTH, PATH_PUSH

metadata = MetaData()
items = Table(
    "bare_items", metadata, Column("id", String(36), primary_key=True), Column("payload", Text)
)


def create_bare_app(url: str) -> FastAPI:
    url = normalize_url(url)
    sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        pool_size=40,
        max_overflow=0,
        **({"connect_args": {"check_same_thread": False, "timeout": 30}} if sqlite else {}),
    )
    if sqlite:
        durable_sqlite(engine, 30_000)
    metadata.create_all(engine)
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    app = FastAPI()

    @app.get(PATH_HEALTH)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(PATH_PUSH)
    def push(request: Request, body: dict[str, Any]) -> Response:
        mutations = body["mutations"]
        with writer.begin() as conn:
            for m in mutations:
                conn.execute(insert(items), {"id": m["id"], "payload": json.dumps(m["payload"])})
        now = dt.datetime.now(dt.UTC).isoformat()
        results = [
            {"id": m["id"], "status": "applied", "code": "", "message": ""} for m in mutations
        ]
        return Response(
            json.dumps({"results": results, "server_time": now}), media_type="application/json"
        )

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_bare_app(args.db)
    settings = ServerSettings().with_overrides(host="127.0.0.1", port=args.port)
    uvicorn.Server(uvicorn.Config(app, **uvicorn_options(settings))).run()


if __name__ == "__main__":
    main()
