"""The HTTP client: every answer becomes a parsed body or a typed, classified failure."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync.client import FailureKind, SyncClient, SyncFailure, Timeouts, wait_for_health
from sync.protocol import PushRequest

SERVER_TIME = "2026-11-27T09:00:00Z"
FAST = Timeouts(connect_s=1.0, read_s=0.3)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Scripted:
    answers: list[Answer] = field(default_factory=list)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[tuple[str, Scripted]]:
    script = Scripted()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            script.seen.append((self.command, self.path, dict(self.headers)))
            answer = script.answers.pop(0) if script.answers else Answer(404)
            time.sleep(answer.delay_s)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


def json_answer(status: int, value: object, **headers: str) -> Answer:
    return Answer(
        status, json.dumps(value).encode(), {"Content-Type": "application/json", **headers}
    )


def error(status: int, code: str, **headers: str) -> Answer:
    body = {"error": {"code": code, "message": f"{code} happened"}, "server_time": SERVER_TIME}
    return json_answer(status, body, **headers)


PUSH_BODY = PushRequest(protocol=1, device_id="d1", mutations=[]).model_dump_json().encode()


def push_failure(server: tuple[str, Scripted], answer: Answer) -> SyncFailure:
    url, script = server
    script.answers.append(answer)
    with pytest.raises(SyncFailure) as caught:
        SyncClient(url, "tok", timeouts=FAST).push(PUSH_BODY)
    return caught.value


def test_push_sends_the_bearer_token_and_parses_the_results(
    server: tuple[str, Scripted],
) -> None:
    url, script = server
    script.answers.append(json_answer(200, {"results": [], "server_time": SERVER_TIME}))
    reply = SyncClient(url, "tok", timeouts=FAST).push(PUSH_BODY)
    assert reply.body.results == []
    assert script.seen[0][2]["Authorization"] == "Bearer tok"


def test_the_clock_offset_is_server_time_minus_the_middle_of_the_round_trip(
    server: tuple[str, Scripted],
) -> None:
    url, script = server
    script.answers.append(json_answer(200, {"results": [], "server_time": SERVER_TIME}))
    local = dt.datetime(2026, 11, 27, 8, 50, tzinfo=dt.UTC)
    reply = SyncClient(url, "t", timeouts=FAST, clock=lambda: local).push(PUSH_BODY)
    assert reply.clock_offset_s == 600.0


def test_pull_sends_cursor_limit_and_protocol(server: tuple[str, Scripted]) -> None:
    url, script = server
    page = {
        "changes": {},
        "cursor": "c2",
        "has_more": False,
        "reset": False,
        "server_time": SERVER_TIME,
    }
    script.answers.append(json_answer(200, page))
    assert SyncClient(url, "t", timeouts=FAST).pull("c1", 50).body.cursor == "c2"
    assert script.seen[0][1] == "/v1/sync/pull?limit=50&protocol=1&cursor=c1"


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (error(401, "unauthorized"), FailureKind.UNAUTHORIZED),
        (error(403, "device_revoked"), FailureKind.REVOKED),
        (error(413, "batch_too_large"), FailureKind.TOO_LARGE),
        (error(426, "unsupported_protocol"), FailureKind.UPDATE_NEEDED),
        (error(400, "unsupported_protocol"), FailureKind.UPDATE_NEEDED),
        (error(429, "rate_limited"), FailureKind.RATE_LIMITED),
        (error(500, "internal_error"), FailureKind.SERVER_ERROR),
        (Answer(502, b"<html>Bad Gateway</html>"), FailureKind.SERVER_ERROR),
        (error(400, "invalid_request"), FailureKind.REQUEST_REFUSED),
        (Answer(302, b"", {"Location": "http://portal.example/login"}), FailureKind.BAD_RESPONSE),
    ],
)
def test_status_codes_are_classified(
    server: tuple[str, Scripted], answer: Answer, kind: FailureKind
) -> None:
    assert push_failure(server, answer).kind is kind


def test_the_server_error_code_and_message_are_kept(server: tuple[str, Scripted]) -> None:
    failure = push_failure(server, error(403, "device_revoked"))
    assert (failure.code, failure.message) == ("device_revoked", "device_revoked happened")


def test_retry_after_seconds_are_read(server: tuple[str, Scripted]) -> None:
    failure = push_failure(server, error(429, "rate_limited", **{"Retry-After": "7"}))
    assert failure.retry_after_s == 7.0
    assert failure.retryable


def test_an_html_page_with_200_is_a_bad_response(server: tuple[str, Scripted]) -> None:
    failure = push_failure(
        server, Answer(200, b"<html>Sign in</html>", {"Content-Type": "text/html"})
    )
    assert failure.kind is FailureKind.BAD_RESPONSE
    assert failure.retryable


def test_json_of_the_wrong_shape_is_a_bad_response(server: tuple[str, Scripted]) -> None:
    failure = push_failure(server, json_answer(200, {"ok": True}))
    assert failure.kind is FailureKind.BAD_RESPONSE


def test_a_slow_answer_times_out(server: tuple[str, Scripted]) -> None:
    failure = push_failure(server, Answer(200, b"{}", delay_s=0.6))
    assert failure.kind is FailureKind.TIMEOUT


def test_a_closed_port_is_a_network_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SyncFailure) as caught:
        SyncClient(f"http://127.0.0.1:{port}", "t", timeouts=FAST).push(PUSH_BODY)
    assert caught.value.kind is FailureKind.NETWORK


def test_wait_for_health_gives_up_after_its_timeout() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert not wait_for_health(f"http://127.0.0.1:{port}", timeout_s=0.2, interval_s=0.05)


def test_wait_for_health_sees_a_live_server(server: tuple[str, Scripted]) -> None:
    url, script = server
    health = {"status": "ok", "database": "ok", "protocol": 1, "server_time": SERVER_TIME}
    script.answers.append(json_answer(200, health))
    assert wait_for_health(url, timeout_s=2.0)
