"""Errors as the HTTP API states them: ``{"error": {"code", "message"}, "server_time"}``.

Every failure a client can see goes through here, including FastAPI's own
validation errors and unexpected exceptions, so no response ever carries a
stack trace, and none echoes back what was sent (it may hold personal data).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.models import utcnow
from sync.protocol import ErrorBody, ErrorResponse

log = logging.getLogger("server.errors")


class ApiError(Exception):
    """An error the client caused or must react to, with a stable machine-readable code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_mutations: int | None = None,
        max_bytes: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.max_mutations = max_mutations
        self.max_bytes = max_bytes


def error_response(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    max_mutations: int | None = None,
    max_bytes: int | None = None,
) -> JSONResponse:
    body = ErrorResponse(
        error=ErrorBody(
            code=code, message=message, max_mutations=max_mutations, max_bytes=max_bytes
        ),
        server_time=utcnow(),
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers
    )


_STATUS_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            exc.status, exc.code, exc.message, exc.headers, exc.max_mutations, exc.max_bytes
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "invalid_request", describe_validation(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unhandled error",
            exc_info=exc,
            extra={"fields": {"path": request.url.path, "error": type(exc).__name__}},
        )
        return error_response(500, "internal_error", "the server failed; try again later")


def describe_validation(errors: object, limit: int = 3) -> str:
    """Where and why a body failed validation, without the offending values."""
    if not isinstance(errors, list | tuple):
        return "the request is not valid"
    parts = []
    for error in list(errors)[:limit]:
        if not isinstance(error, Mapping):
            continue
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"
