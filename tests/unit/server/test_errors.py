"""Error responses: JSON with a code and server_time, never a stack trace or the input."""

from __future__ import annotations

import warnings

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.exceptions import StarletteDeprecationWarning

from server.errors import ApiError, install_error_handlers

with warnings.catch_warnings():
    # Starlette deprecates its httpx-based test client; it still works and is only used here.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


class Body(BaseModel):
    phone: str
    count: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail from deep inside")

    @app.get("/refused")
    def refused() -> None:
        raise ApiError(409, "already_there", "it exists", headers={"Retry-After": "3"})

    @app.post("/echo")
    def echo(body: Body) -> Body:
        return body

    return app


def test_unexpected_error_is_a_plain_500() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)

    reply = client.get("/boom")

    assert reply.status_code == 500
    body = reply.json()
    assert body["error"] == {
        "code": "internal_error",
        "message": "the server failed; try again later",
    }
    assert body["server_time"]
    assert "secret detail" not in reply.text and "Traceback" not in reply.text


def test_api_error_keeps_its_status_code_and_headers() -> None:
    reply = TestClient(_app()).get("/refused")

    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "already_there"
    assert reply.headers["Retry-After"] == "3"


def test_validation_errors_do_not_echo_what_was_sent() -> None:
    reply = TestClient(_app()).post("/echo", json={"phone": 1012345678, "count": "many"})

    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid_request"
    assert "phone" in error["message"] and "count" in error["message"]
    assert "1012345678" not in reply.text and "many" not in reply.text
