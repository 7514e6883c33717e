"""The pull route reads its own query and headers: the same document, the same 400s.

It once declared them as FastAPI Query/Header parameters, whose machinery cost
more per pull than an up-to-date page. A reference app here still declares
them that way; the served OpenAPI parameters and the answer to each bad query
must be what that declaration gives.
"""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Header, Query
from starlette.exceptions import StarletteDeprecationWarning

from server.app import create_app
from server.db import open_database
from server.errors import ApiError, install_error_handlers
from server.limits import Admission
from sync.protocol import DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, PATH_PULL, PROTOCOL_VERSION

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


def _declared() -> FastAPI:
    """The pull route's parameters as FastAPI declared them before."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get(PATH_PULL)
    def pull_changes(
        cursor: Annotated[str, Query(max_length=500)] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
        protocol: Annotated[
            int,
            Query(
                description="Must be 1; any other version is answered 426.",
                json_schema_extra={"enum": [PROTOCOL_VERSION]},
            ),
        ] = PROTOCOL_VERSION,
        authorization: Annotated[str | None, Header()] = None,
        x_civic_printer: Annotated[
            str | None,
            Header(description="The kiosk's slip printer state (optional)."),
        ] = None,
    ) -> None:
        # Past the parameters, the real route asks for a token first.
        raise ApiError(401, "unauthorized", "missing bearer token")

    return app


@pytest.fixture
def served(tmp_path: Path) -> TestClient:
    return TestClient(create_app(open_database(f"sqlite:///{tmp_path / 'server.db'}")))


def _parameters(app: FastAPI) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = app.openapi()["paths"][PATH_PULL]["get"]["parameters"]
    return parameters


def test_the_served_parameters_are_the_declared_ones(served: TestClient) -> None:
    assert _parameters(served.app) == _parameters(_declared())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=1001",
        "limit=ten",
        "limit=",
        "limit=1.5",
        "protocol=one",
        "cursor=" + "c" * 501,
        "limit=0&protocol=x&cursor=" + "c" * 501,
        "limit=5&limit=0",
        "limit=1_0",
        "limit=%2B7",
        "limit=%201",
        "protocol=2",
        "cursor=" + "c" * 500,
        "",
    ],
)
def test_each_query_is_answered_as_the_declared_route_answered_it(
    served: TestClient, query: str
) -> None:
    reference = TestClient(_declared()).get(f"{PATH_PULL}?{query}")
    reply = served.get(f"{PATH_PULL}?{query}")

    assert reply.status_code == reference.status_code
    assert reply.json()["error"] == reference.json()["error"]


def test_pulls_beyond_the_admission_limit_wait_their_turn() -> None:
    admission = Admission(3)
    inside = most = 0
    release = asyncio.Event()

    async def one() -> None:
        nonlocal inside, most
        async with admission.held():
            inside += 1
            most = max(most, inside)
            await release.wait()
            inside -= 1

    async def crowd() -> int:
        tasks = [asyncio.create_task(one()) for _ in range(10)]
        while inside < 3:
            await asyncio.sleep(0)
        for _ in range(20):  # the others had every chance to get in
            await asyncio.sleep(0)
        waiting = 10 - inside
        release.set()
        await asyncio.gather(*tasks)
        return waiting

    assert asyncio.run(crowd()) == 7
    assert most == 3 and inside == 0
    # A second event loop (a second test client) gets its own turns.
    release.clear()
    release.set()
    asyncio.run(one())
