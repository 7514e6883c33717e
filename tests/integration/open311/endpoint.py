"""A small Open311 GeoReport v2 endpoint on 127.0.0.1, scripted by the tests.

It takes ``POST /requests.json`` (form-encoded) and answers ``GET
/tokens/<token>.json``, keeps every request it received, and answers each
POST with the next scripted reply: an id, a token, an error status, or a
stall longer than the client's timeout.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_KEY = "test-api-key"


@dataclass
class Reply:
    status: int = 201
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    stall_s: float = 0.0


def request_id(srid: str) -> Reply:
    return Reply(
        201, [{"service_request_id": srid, "service_notice": "접수되었습니다", "account_id": None}]
    )


def token(value: str) -> Reply:
    return Reply(200, [{"token": value}])


def failure(status: int, description: str = "", headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status, [{"code": status, "description": description or f"error {status}"}], headers or {}
    )


class Open311Endpoint:
    def __init__(self) -> None:
        self.received: list[list[tuple[str, str]]] = []
        self.token_lookups: list[str] = []
        self.tokens: dict[str, str] = {}  # token -> service_request_id, once "processed"
        self.script: deque[Reply] = deque()
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
                if urlsplit(self.path).path != "/georeport/v2/requests.json":
                    return self._send(failure(404, "no such path"))
                if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                    return self._send(failure(400, "form-encoded bodies only"))
                if dict(form).get("api_key") != API_KEY:
                    return self._send(failure(403, "invalid api_key"))
                with endpoint._lock:
                    endpoint.received.append(form)
                    reply = (
                        endpoint.script.popleft()
                        if endpoint.script
                        else request_id(str(next(endpoint._ids)))
                    )
                return self._send(reply)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                prefix = "/georeport/v2/tokens/"
                if not parts.path.startswith(prefix) or not parts.path.endswith(".json"):
                    return self._send(failure(404, "no such path"))
                value = parts.path[len(prefix) : -len(".json")]
                with endpoint._lock:
                    endpoint.token_lookups.append(value)
                    srid = endpoint.tokens.get(value)
                body = (
                    [{"service_request_id": srid, "token": value}] if srid else [{"token": value}]
                )
                return self._send(Reply(200, body))

            def _send(self, reply: Reply) -> None:
                if reply.stall_s:
                    time.sleep(reply.stall_s)
                data = json.dumps(reply.body, ensure_ascii=False).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a stall test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/georeport/v2"

    def then(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def posts(self) -> list[dict[str, str]]:
        with self._lock:
            return [dict(form) for form in self.received]

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self.token_lookups.clear()
            self.script.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
