"""HTTP for sync protocol v1: one ``requests`` session, explicit timeouts, typed outcomes.

Every call either returns the parsed body (with the clock offset the server's
``server_time`` implies) or raises :class:`SyncFailure` with a
:class:`FailureKind`. Nothing a network, a proxy or a broken server can do
escapes as another exception: a captive portal's HTML, a truncated body, a
reset mid-response all become a retryable failure the engine can report.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from core.clock import Clock, utcnow
from sync.backoff import parse_retry_after
from sync.protocol import (
    DEFAULT_PULL_LIMIT,
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
    PullResponse,
    PushResponse,
    SignupAnswer,
    SignupRequest,
)

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

Model = TypeVar("Model", bound=BaseModel)

# Server error codes that mean "this app is too old for me".
UPDATE_NEEDED_CODES = frozenset(
    {"unsupported_protocol", "protocol_unsupported", "update_required", "upgrade_required"}
)


@dataclass(frozen=True)
class Timeouts:
    """(connect, read) for every request: a kiosk never waits on the network unbounded."""

    connect_s: float = 5.0
    read_s: float = 30.0

    @property
    def pair(self) -> tuple[float, float]:
        return (self.connect_s, self.read_s)


class FailureKind(StrEnum):
    NETWORK = "network"  # refused, reset, DNS, truncated body
    TIMEOUT = "timeout"  # connect or read timeout
    SERVER_ERROR = "server_error"  # 5xx
    RATE_LIMITED = "rate_limited"  # 429
    BAD_RESPONSE = "bad_response"  # not JSON, not the expected shape, a redirect
    REQUEST_REFUSED = "request_refused"  # another 4xx: a bug on one side, retried
    TOO_LARGE = "too_large"  # 413: send less at once
    UNAUTHORIZED = "unauthorized"  # 401: the token is not accepted
    REVOKED = "revoked"  # 403: staff revoked this device
    UPDATE_NEEDED = "update_needed"  # the server does not speak our protocol
    INTERNAL = "internal"  # a kiosk-side error during a round (a bug, a local disk problem)


RETRYABLE = frozenset(
    {
        FailureKind.NETWORK,
        FailureKind.TIMEOUT,
        FailureKind.SERVER_ERROR,
        FailureKind.RATE_LIMITED,
        FailureKind.BAD_RESPONSE,
        FailureKind.REQUEST_REFUSED,
        FailureKind.INTERNAL,
    }
)


class SyncFailure(Exception):
    """A request did not produce the expected answer; ``kind`` says what to do about it."""

    def __init__(
        self,
        kind: FailureKind,
        message: str,
        *,
        status_code: int | None = None,
        code: str = "",
        retry_after_s: float | None = None,
        max_bytes: int | None = None,
    ) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.status_code = status_code
        self.code = code
        self.retry_after_s = retry_after_s
        self.max_bytes = max_bytes

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


@dataclass(frozen=True)
class Reply(Generic[Model]):
    body: Model
    # server_time minus the local clock at the middle of the round trip.
    clock_offset_s: float


class Transport(Protocol):
    """What the engine needs of a client (tests stand in an in-memory server)."""

    def push(self, body: bytes, pending: int | None = None) -> Reply[PushResponse]: ...

    def pull(self, cursor: str, limit: int = DEFAULT_PULL_LIMIT) -> Reply[PullResponse]: ...

    def close(self) -> None: ...


class SyncClient:
    """Talks to one central server as one device (or, for enrolment, as none yet)."""

    def __init__(
        self,
        base_url: str,
        token: str = "",
        *,
        timeouts: Timeouts | None = None,
        clock: Clock = utcnow,
        user_agent: str = "civic-kiosk",
        printer_state: Callable[[], str | None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # The slip printer's state, sent with every authenticated call (push and pull).
        self.printer_state = printer_state
        self.token = token
        self.timeouts = timeouts or Timeouts()
        self._clock = clock
        # Imported here: the kiosk's window imports this module for Timeouts and
        # starts before any request is made (~0.08 s of a cold start).
        import requests

        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent

    def close(self) -> None:
        self._session.close()

    def health(self) -> Reply[HealthResponse]:
        return self._call("GET", PATH_HEALTH, HealthResponse, auth=False)

    def enroll(self, request: EnrollRequest) -> Reply[EnrollResponse]:
        return self._call(
            "POST", PATH_ENROLL, EnrollResponse, body=request.model_dump_json(), auth=False
        )

    def push(self, body: bytes, pending: int | None = None) -> Reply[PushResponse]:
        """Send an already serialised PushRequest (the engine measures its size first).

        ``pending`` (the whole outbox, not just this batch) lets staff see on the
        server's devices page which kiosk is falling behind.
        """
        extra = {} if pending is None else {PENDING_HEADER: str(pending)}
        return self._call("POST", PATH_PUSH, PushResponse, body=body, extra_headers=extra)

    def pull(self, cursor: str, limit: int = DEFAULT_PULL_LIMIT) -> Reply[PullResponse]:
        params = {"limit": str(limit), "protocol": str(PROTOCOL_VERSION)}
        if cursor:
            params["cursor"] = cursor
        return self._call("GET", PATH_PULL, PullResponse, params=params)

    # --- online calls: short timeouts, for a citizen waiting at the screen --------------

    def sign_up(self, request: SignupRequest) -> Reply[SignupAnswer]:
        return self._call("POST", PATH_SIGNUP, SignupAnswer, body=request.model_dump_json())

    def availability(self) -> Reply[AvailabilityResponse]:
        return self._call("GET", PATH_AVAILABILITY, AvailabilityResponse)

    def case(self, code: str) -> Reply[CaseResponse]:
        return self._call("GET", PATH_CASE.format(code=quote(code, safe="")), CaseResponse)

    def cancel(self, code: str) -> Reply[CaseResponse]:
        body = CancelRequest(receipt_code=code).model_dump_json()
        return self._call("POST", PATH_CANCEL, CaseResponse, body=body)

    def ask_again(self, code: str) -> Reply[CaseResponse]:
        path = PATH_ASK_AGAIN.format(code=quote(code, safe=""))
        return self._call("POST", path, CaseResponse, body="{}")

    def _call(
        self,
        method: str,
        path: str,
        model: type[Model],
        *,
        body: str | bytes | None = None,
        params: Mapping[str, str] | None = None,
        auth: bool = True,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Reply[Model]:
        headers = {"Accept": "application/json", **(extra_headers or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
            printer = self.printer_state() if self.printer_state is not None else None
            if printer:
                headers[PRINTER_HEADER] = printer
        import requests  # already loaded by __init__: a dictionary look-up

        data = body.encode("utf-8") if isinstance(body, str) else body
        sent_at = self._clock()
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                data=data,
                params=params,
                headers=headers,
                timeout=self.timeouts.pair,
                # A captive portal's redirect is not an answer from our server.
                allow_redirects=False,
            )
            content = response.content
        except requests.Timeout as exc:
            raise SyncFailure(FailureKind.TIMEOUT, _describe(exc)) from exc
        except requests.RequestException as exc:
            # Refused, reset, truncated (ChunkedEncodingError), bad URL, ...
            raise SyncFailure(FailureKind.NETWORK, _describe(exc)) from exc
        received_at = self._clock()
        log.debug(
            "%s %s → %s in %.3f s", method, path, response.status_code, time.monotonic() - started
        )
        if response.status_code != 200:
            raise _failure(response.status_code, content, response.headers, received_at)
        try:
            parsed = model.model_validate_json(content)
        except (ValidationError, ValueError) as exc:
            raise SyncFailure(
                FailureKind.BAD_RESPONSE,
                f"{method} {path}: answer is not a valid {model.__name__} "
                f"({response.headers.get('Content-Type', 'no content type')}, "
                f"{len(content)} bytes)",
                status_code=200,
            ) from exc
        midpoint = sent_at + (received_at - sent_at) / 2
        server_time = getattr(parsed, "server_time", None)
        offset = (server_time - midpoint).total_seconds() if server_time is not None else 0.0
        return Reply(parsed, offset)


def _failure(
    status: int, content: bytes, headers: Mapping[str, str], now: dt.datetime
) -> SyncFailure:
    code, message, max_bytes = "", f"HTTP {status}", None
    try:
        error = ErrorResponse.model_validate_json(content).error
        code, message, max_bytes = error.code, error.message, error.max_bytes
    except (ValidationError, ValueError):
        pass  # a proxy's or gateway's page: the status alone must do
    retry_after = parse_retry_after(headers.get("Retry-After"), now)

    def failure(kind: FailureKind) -> SyncFailure:
        return SyncFailure(
            kind,
            message,
            status_code=status,
            code=code,
            retry_after_s=retry_after,
            max_bytes=max_bytes,
        )

    if status == 426 or code in UPDATE_NEEDED_CODES:
        return failure(FailureKind.UPDATE_NEEDED)
    if status == 401:
        return failure(FailureKind.UNAUTHORIZED)
    if status == 403:
        return failure(FailureKind.REVOKED)
    if status == 413:
        return failure(FailureKind.TOO_LARGE)
    if status == 429:
        return failure(FailureKind.RATE_LIMITED)
    if status >= 500:
        return failure(FailureKind.SERVER_ERROR)
    if 300 <= status < 400 or status < 200:
        return failure(FailureKind.BAD_RESPONSE)
    return failure(FailureKind.REQUEST_REFUSED)


def _describe(exc: requests.RequestException) -> str:
    # The class name says more than urllib3's nested message, which can be long.
    text = str(exc)
    if len(text) > 200:
        text = text[:200] + "…"
    return f"{type(exc).__name__}: {text}"


def wait_for_health(
    base_url: str, timeout_s: float, *, interval_s: float = 0.1, timeouts: Timeouts | None = None
) -> bool:
    """Poll ``/v1/health`` until the server answers (True) or ``timeout_s`` passes."""
    client = SyncClient(base_url, timeouts=timeouts or Timeouts(connect_s=1.0, read_s=2.0))
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                client.health()
                return True
            except SyncFailure:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(interval_s)
    finally:
        client.close()
