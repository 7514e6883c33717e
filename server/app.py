"""The HTTP API: sync protocol v1 (see DESIGN.md) on FastAPI, plus the staff pages
(``server/web``) and the Open311 GeoReport v2 read API (``server/open311.py``).

Endpoints are thin: they authenticate, check the envelope, and hand the work
to ``enrolment``, ``ingest`` and ``pull``. Database work runs in the worker
thread pool, never on the event loop.
"""

from __future__ import annotations

import gc
import logging
import os
import re
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from core.jsontext import JsonRefused, load_json
from core.receipts import is_valid_code, normalize_code
from server import cases, claims, devices, enrolment, open311, seats, web
from server.auth import AuthError, authenticate_in
from server.changes import has_unstamped
from server.config import ServerSettings, load_settings
from server.db import Database, open_database, sqlstate
from server.errors import ApiError, describe_validation, error_response, install_error_handlers
from server.ingest import DeviceGone, InvalidBatch, ingest
from server.keys import ServerKeys, load_or_create_keys
from server.limits import PULLS_AT_ONCE, Admission, BodyLimit
from server.logs import RequestLog, configure_logging
from server.models import Device, utcnow
from server.pagecache import PageCache
from server.pull import PulledPage, Puller, pull_json
from server.turns import Turn
from sync.protocol import (
    CASE_CODE_PATTERN,
    DEFAULT_PULL_LIMIT,
    MAX_BATCH,
    MAX_PULL_LIMIT,
    MAX_PUSH_BYTES,
    PATH_ASK_AGAIN,
    PATH_AVAILABILITY,
    PATH_CANCEL,
    PATH_CASE,
    PATH_ENROLL,
    PATH_HEALTH,
    PATH_PULL,
    PATH_PUSH,
    PATH_SIGNUP,
    PENDING_HEADER,
    PRINTER_HEADER,
    PROTOCOL_VERSION,
    AvailabilityResponse,
    CancelRequest,
    CaseResponse,
    EnrollRequest,
    EnrollResponse,
    ErrorResponse,
    HealthResponse,
    MutationResult,
    MutationStatus,
    PullResponse,
    PushRequest,
    PushResponse,
    SignupAnswer,
    SignupRequest,
)

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (400, "The request is malformed; `error.code` says how."),
        (401, "Missing or unknown device token: enrol again."),
        (403, "The device is revoked (`device_revoked`) or not the token's."),
        (413, "The body or batch is over the limit given in the error."),
        (426, "Unsupported protocol version (`unsupported_protocol`)."),
        (503, "The database is unavailable; retry later."),
    )
}

_NOT_ALLOWED: dict[str, Any] = {
    "model": ErrorResponse,
    "description": "The case cannot be asked about again (`not_allowed`): closed too long ago, "
    "asked once already, or no such case.",
}
# A receipt code in a path, as typed; the pattern is part of the served schema.
CaseCode = Annotated[str, Path(pattern=CASE_CODE_PATTERN, min_length=8, max_length=16)]

log = logging.getLogger("server.app")
# A wrong, used or expired code is a credential that does not authorise enrolment.
_ENROLL_STATUS = {
    "public_key_in_use": 409,
    "rate_limited": 429,
    "invalid_enrollment_code": 403,
    "enrollment_code_used": 403,
    "enrollment_code_expired": 403,
    "invalid_predecessor": 403,
}
_PENDING = re.compile(r"[0-9]{1,12}")


def _json_request(model: str) -> dict[str, Any]:
    """The request body of an endpoint that parses its own JSON (core.jsontext's limits)."""
    schema = {"$ref": f"#/components/schemas/{model}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def create_app(
    db: Database, keys: ServerKeys | None = None, settings: ServerSettings | None = None
) -> FastAPI:
    keys = keys or load_or_create_keys(db)
    settings = settings or ServerSettings()
    app = FastAPI(
        title="Civic Kiosk central server",
        version="1",
        summary="Sync protocol v1 between field-office kiosks and the city's server.",
    )
    install_error_handlers(app)
    # Changes built for one kiosk's pull, reused for the others' (server/pagecache.py).
    pages = PageCache()
    pulls_at_once = Admission(PULLS_AT_ONCE)

    @app.exception_handler(DBAPIError)
    async def _database_down(request: Request, exc: DBAPIError) -> JSONResponse:
        # Why, at warning level: an operator must see "read-only" or "connection
        # refused" in the log, not a bare 503. Class and SQLSTATE only: a
        # driver's message may quote the values it choked on.
        log.warning(
            "503: the database failed",
            extra={
                "fields": {
                    "status": 503,
                    "path": request.url.path,
                    "reason": type(exc.orig).__name__,
                    "sqlstate": sqlstate(exc.orig),
                    "disconnect": exc.connection_invalidated,
                }
            },
        )
        return error_response(
            503,
            "database_unavailable",
            "the database is unavailable; try again later",
            {"Retry-After": "5"},
        )

    app.add_middleware(BodyLimit)
    app.add_middleware(RequestLog)

    @app.get(PATH_HEALTH, response_model=HealthResponse, tags=["health"])
    def health() -> JSONResponse:
        state = db.state()
        body = HealthResponse(
            status="ok" if state == "ok" else "degraded", database=state, server_time=utcnow()
        )
        if state != "ok":
            log.warning(
                "503 on health: the database cannot store pushes",
                extra={"fields": {"status": 503, "path": PATH_HEALTH, "reason": state}},
            )
        return JSONResponse(body.model_dump(mode="json"), status_code=200 if state == "ok" else 503)

    @app.post(
        PATH_ENROLL,
        response_model=EnrollResponse,
        tags=["devices"],
        responses={
            **_ERRORS,
            409: {"model": ErrorResponse, "description": "Signing key already registered."},
            429: {"model": ErrorResponse, "description": "Too many failed attempts."},
        },
        openapi_extra=_json_request("EnrollRequest"),
    )
    async def enroll(request: Request) -> EnrollResponse:
        body = _enroll_body(await request.body())
        client = request.client.host if request.client else "unknown"
        return await run_in_threadpool(_enroll, body, client)

    def _enroll(body: EnrollRequest, client: str) -> EnrollResponse:
        try:
            answer = enrolment.enroll(db, keys, body, client)
            return answer.model_copy(update={"public_url": settings.public_url})
        except enrolment.EnrolmentRefused as refused:
            headers = {}
            if refused.retry_after_s is not None:
                headers["Retry-After"] = str(refused.retry_after_s)
            status = _ENROLL_STATUS.get(refused.code, 400)
            raise ApiError(status, refused.code, refused.message, headers=headers) from None

    @app.post(
        PATH_PUSH,
        response_model=PushResponse,
        tags=["sync"],
        responses=_ERRORS,
        openapi_extra=_json_request("PushRequest"),
    )
    async def push(
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
        x_civic_pending: Annotated[
            str,
            Header(
                description="Records in the kiosk's outbox, shown to staff (optional); "
                "anything but a whole number is a 400.",
                json_schema_extra={"pattern": "^[0-9]{0,12}$"},
            ),
        ] = "",
        x_civic_printer: Annotated[
            str | None,
            Header(description="The kiosk's slip printer state (optional)."),
        ] = None,
    ) -> Response:
        raw = await request.body()
        answer = await run_in_threadpool(
            handle_push,
            db,
            keys,
            authorization,
            x_civic_pending,
            x_civic_printer,
            raw,
            request.state,
        )
        return Response(answer, media_type="application/json")

    @app.get(
        PATH_PULL,
        response_model=PullResponse,
        tags=["sync"],
        responses=_ERRORS,
        openapi_extra={"parameters": _PULL_PARAMETERS},
    )
    async def pull_changes(request: Request) -> Response:
        # Parameters read here rather than declared: FastAPI's Query/Header
        # dependency machinery cost more per pull than an up-to-date page.
        # The OpenAPI document states them as before (_PULL_PARAMETERS) and a
        # bad one is the same 400, judged before the token as before.
        query = _pull_query(request)
        headers = request.headers
        async with pulls_at_once.held():
            answer = await run_in_threadpool(
                _pull, query, headers.get("authorization"), headers.get(PRINTER_HEADER)
            )
        request.state.device, request.state.changes = answer.device, answer.changes
        return Response(answer.body, media_type="application/json")

    def _pull(query: _PullQuery, authorization: str | None, printer: str | None) -> PulledPage:
        # The token and whether the log needs stamping, in one session: each
        # session is a pool checkout, paid on every page.
        with db.quick_read() as session:
            device = _device_in(session, authorization)
            pending = has_unstamped(session)
        # Every round pulls, even with nothing to push: the state arrives either way.
        devices.note_printer(db, device, printer)
        _check_protocol(query.protocol)
        puller = Puller.of(device)
        return pull_json(db, keys.epoch, puller, query.cursor, query.limit, pages, pending)

    @app.post(PATH_SIGNUP, response_model=SignupAnswer, tags=["sync"], responses=_ERRORS)
    def sign_up(
        body: SignupRequest, request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> SignupAnswer:
        device = _device(db, authorization)
        request.state.device = device.id
        _check_protocol(body.protocol)
        if body.device_id != device.id:
            raise ApiError(403, "device_mismatch", "device_id is not this token's device")
        try:
            return claims.sign_up_online(db, keys, device, body, utcnow())
        except claims.ClaimRefused as refused:
            raise ApiError(refused.status, refused.code, refused.message) from None

    @app.post(PATH_CANCEL, tags=["sync"], responses=_ERRORS)
    def cancel_signup(
        body: CancelRequest, request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> CaseResponse:
        request.state.device = _device(db, authorization).id
        code = normalize_code(body.receipt_code)
        claims.cancel(db, code)
        return CaseResponse(receipt_code=code, found=cases.cases(db, code), server_time=utcnow())

    @app.get(PATH_AVAILABILITY, response_model=AvailabilityResponse, tags=["sync"])
    def availability(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> AvailabilityResponse:
        device = _device(db, authorization)
        request.state.device = device.id
        return AvailabilityResponse(
            events=seats.open_events(db, device.id, utcnow()), server_time=utcnow()
        )

    @app.get(PATH_CASE, response_model=CaseResponse, tags=["sync"], responses=_ERRORS)
    def case(
        code: CaseCode, request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> CaseResponse:
        request.state.device = _device(db, authorization).id
        code = normalize_code(code)
        # A code whose check character is wrong names no case: the same answer as an
        # unknown one (the kiosk checks the character itself before it asks).
        found = cases.cases(db, code) if is_valid_code(code) else []
        return CaseResponse(receipt_code=code, found=found, server_time=utcnow())

    @app.post(
        PATH_ASK_AGAIN,
        response_model=CaseResponse,
        tags=["sync"],
        responses=_ERRORS | {409: _NOT_ALLOWED},
    )
    def ask_again(
        code: CaseCode, request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> CaseResponse:
        request.state.device = _device(db, authorization).id
        code = normalize_code(code)[:16]
        if not cases.ask_again(db, code):
            raise ApiError(409, "not_allowed", "this case cannot be asked about again")
        return CaseResponse(receipt_code=code, found=cases.cases(db, code), server_time=utcnow())

    app.include_router(open311.routes(db))
    web.install(app, db, keys, settings)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _device(db: Database, authorization: str | None) -> Device:
    with db.quick_read() as session:
        return _device_in(session, authorization)


def _device_in(session: Session, authorization: str | None) -> Device:
    try:
        return authenticate_in(session, authorization)
    except AuthError as exc:
        status = 403 if exc.revoked else 401
        headers = {} if exc.revoked else {"WWW-Authenticate": "Bearer"}
        raise ApiError(status, exc.code, exc.message, headers=headers) from None


def _check_protocol(protocol: object) -> None:
    if protocol != PROTOCOL_VERSION:
        raise ApiError(
            426,
            "unsupported_protocol",
            f"this server speaks sync protocol {PROTOCOL_VERSION}; update the kiosk",
        )


class _PullQuery(BaseModel):
    """A pull's query, with the bounds the OpenAPI document states (_PULL_PARAMETERS)."""

    cursor: str = Field("", max_length=500)
    limit: int = Field(DEFAULT_PULL_LIMIT, ge=1, le=MAX_PULL_LIMIT)
    protocol: int = PROTOCOL_VERSION


def _pull_query(request: Request) -> _PullQuery:
    """The query of a pull, or the 400 FastAPI gave for it (same checks, same message)."""
    try:
        return _PullQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
        raise ApiError(400, "invalid_request", describe_validation(errors)) from None


def _optional_header(name: str, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "title": name.title(),
    }
    parameter: dict[str, Any] = {"in": "header", "name": name, "required": False}
    if description:
        parameter["description"] = schema["description"] = description
    return {**parameter, "schema": schema}


_PROTOCOL_TEXT = "Must be 1; any other version is answered 426."
_PRINTER_TEXT = "The kiosk's slip printer state (optional)."
# What FastAPI generated from the pull route's Query/Header parameters when it
# declared them; the route now reads them itself (cheaper), the document is the same.
_PULL_PARAMETERS: list[dict[str, Any]] = [
    {
        "in": "query",
        "name": "cursor",
        "required": False,
        "schema": {"default": "", "maxLength": 500, "title": "Cursor", "type": "string"},
    },
    {
        "in": "query",
        "name": "limit",
        "required": False,
        "schema": {
            "default": DEFAULT_PULL_LIMIT,
            "maximum": MAX_PULL_LIMIT,
            "minimum": 1,
            "title": "Limit",
            "type": "integer",
        },
    },
    {
        "description": _PROTOCOL_TEXT,
        "in": "query",
        "name": "protocol",
        "required": False,
        "schema": {
            "default": PROTOCOL_VERSION,
            "description": _PROTOCOL_TEXT,
            "enum": [PROTOCOL_VERSION],
            "title": "Protocol",
            "type": "integer",
        },
    },
    _optional_header("authorization"),
    _optional_header(PRINTER_HEADER.lower(), _PRINTER_TEXT),
]


def _pending(header: str | None) -> int | None:
    """The outbox backlog a kiosk reported: ASCII digits only, or a 400.

    ``str.isdigit`` also says yes to "²" and other digits ``int`` refuses.
    """
    value = (header or "").strip()
    if not value:
        return None
    if not _PENDING.fullmatch(value):
        raise ApiError(
            400, "invalid_request", f"{PENDING_HEADER}: must be a whole number of records"
        )
    return min(int(value), 10_000_000)


def _enroll_body(raw: bytes) -> EnrollRequest:
    try:
        return EnrollRequest.model_validate(_json_body(raw))
    except ValidationError as exc:
        raise ApiError(400, "invalid_request", describe_validation(exc.errors())) from None


def handle_push(
    db: Database,
    keys: ServerKeys,
    authorization: str | None,
    pending_header: str | None,
    printer: str | None,
    raw: bytes,
    state: Any = None,
) -> bytes:
    """A push after the HTTP layer: the device, its headers, its batch; the answer's JSON.

    ``state`` (the request's) learns the device as soon as it is known, and the
    counts of each status, for the request log.
    """
    with db.push_turns.take() as turn:
        device = _device(db, authorization)
        if state is not None:
            state.device = device.id
        # Every part of the request is judged before the batch is applied: a bad
        # header must not fail a push whose mutations were already committed.
        pending = _pending(pending_header)
        # One transaction: the batch, and what the kiosk said about itself.
        results = _push(db, keys, device, raw, pending, printer, turn)
    if state is not None:
        state.mutations = len(results)
        for status in MutationStatus:
            setattr(state, status.value, sum(r.status is status for r in results))
    # Serialised here: the results are PushResponse's own models already, and
    # FastAPI checking them again against response_model cost ~1 ms a push.
    return PushResponse(results=results, server_time=utcnow()).model_dump_json().encode()


def _push(
    db: Database,
    keys: ServerKeys,
    device: Device,
    raw: bytes,
    pending: int | None,
    printer: str | None,
    turn: Turn,
) -> list[MutationResult]:
    body = _push_body(raw, device)
    app_version = body.get("app_version")
    report = devices.DeviceReport(
        app_version if isinstance(app_version, str) else "", pending, printer
    )
    try:
        return ingest(
            db, keys, device, body["mutations"], report=report, before_commit=turn.give_up
        )
    except InvalidBatch as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    except DeviceGone:
        raise ApiError(403, "device_revoked", "this kiosk has been revoked") from None


def _json_body(raw: bytes) -> Any:
    """A request body parsed within core.jsontext's limits, or a 400 saying which was broken."""
    try:
        return load_json(raw)
    except JsonRefused as refused:
        raise ApiError(400, "invalid_request", f"the body is refused: {refused.message}") from None


def _push_body(raw: bytes, device: Device) -> dict[str, Any]:
    """The push body, its envelope checked; each mutation is checked on its own later."""
    body = _json_body(raw)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "the body must be a JSON object")
    if "protocol" in body:
        _check_protocol(body["protocol"])
    mutations = body.get("mutations")
    if not isinstance(mutations, list):
        raise ApiError(400, "invalid_request", "mutations: must be a list")
    if len(mutations) > MAX_BATCH:
        raise ApiError(
            413,
            "batch_too_large",
            f"{len(mutations)} mutations in one push; send at most {MAX_BATCH}",
            max_mutations=MAX_BATCH,
            max_bytes=MAX_PUSH_BYTES,
        )
    try:
        # The envelope as sync.protocol defines it; mutations are judged one by one.
        envelope = PushRequest.model_validate({**body, "mutations": []})
    except ValidationError as exc:
        raise ApiError(400, "invalid_request", describe_validation(exc.errors())) from None
    if envelope.device_id != device.id:
        raise ApiError(403, "device_mismatch", "device_id is not the device this token belongs to")
    return body


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    _state_the_real_errors(schema, components)
    # Bodies the endpoints parse themselves (within core.jsontext's limits).
    for model in (PushRequest, EnrollRequest):
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in body.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components[model.__name__] = body
    app.openapi_schema = schema
    return schema


def _state_the_real_errors(schema: dict[str, Any], components: dict[str, Any]) -> None:
    """Correct FastAPI's generated error responses to what the server answers.

    A request that fails validation is answered 400 with an ``ErrorResponse``
    (server/errors.py), never FastAPI's 422; Open311 answers its own errors as
    a GeoReport list (400 for a bad parameter, 404 for an unknown id or code).
    """
    components.setdefault("ErrorResponse", ErrorResponse.model_json_schema())
    components["Open311Errors"] = open311.ERRORS_SCHEMA
    api_error = {"$ref": "#/components/schemas/ErrorResponse"}
    open311_error = {"$ref": "#/components/schemas/Open311Errors"}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if path.startswith(open311.PREFIX):
                responses["400"] = _json_response(
                    "A parameter is not valid.", {"anyOf": [open311_error, api_error]}
                )
                responses["404"] = _json_response("No such service or request.", open311_error)
            elif "400" not in responses:
                responses["400"] = _json_response("The request is malformed.", api_error)


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes): settings from env."""
    settings = load_settings(os.environ)
    configure_logging(settings.log_level)
    app = create_app(
        open_database(settings.database_url_resolved, migrate=False), settings=settings
    )
    settle_heap()
    return app


def settle_heap() -> None:
    """Keep what start-up built (modules, the app, its tables) out of the collector's walks.

    A full collection walks every object the process holds; with the server's
    modules and caches that is a pause of milliseconds, taken in the middle
    of some kiosk's request. Frozen, only what requests create is walked.
    """
    gc.collect()
    gc.freeze()
