"""A local HTTP server speaking SOLAPI's documented API, as far as the notifier uses it.

- ``POST /messages/v4/send-many/detail`` with the HMAC-SHA256 ``Authorization``
  header SOLAPI documents (checked against the secret); answers with a group
  and a message list, as the real API does (the SDK validates its shape).
- ``GET /messages/v4/list-old?to=…&startDate=…``: the messages sent to a number.

Tests can make it fail with a status and an error code, refuse messages, or
hold a send after recording it (the provider has it; the sender never hears).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

API_KEY = "NCSTESTKEY0000001"
API_SECRET = "TESTSECRET0123456789ABCDEFGHIJKLMNOP"
_AUTH = re.compile(
    r"^HMAC-SHA256 ApiKey=(?P<key>[^,]+), Date=(?P<date>[^,]+), salt=(?P<salt>[^,]+), "
    r"signature=(?P<sig>[0-9a-f]+)$"
)


@dataclass
class Provider:
    messages: list[dict[str, Any]] = field(default_factory=list)
    # (status, errorCode) for the next N sends.
    fail_next: int = 0
    failure: tuple[int, str] = (500, "UnknownError")
    # Record the next send, then hold the answer until ``release`` is set.
    hold_next: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    bad_auth: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, number: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m["to"] == number.replace("-", "")]


def _group(count: int, failed: int = 0) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).isoformat()
    cash = {"requested": 0, "replacement": 0, "refund": 0, "sum": 0}
    return {
        "count": {
            "total": count,
            "sentTotal": 0,
            "sentSuccess": 0,
            "sentPending": count - failed,
            "sentReplacement": 0,
            "refund": 0,
            "registeredFailed": failed,
            "registeredSuccess": count - failed,
        },
        "countForCharge": {},
        "balance": cash,
        "point": cash,
        "app": {"profit": {}, "appId": None},
        "log": [],
        "status": "SENDING",
        "allowDuplicates": False,
        "isRefunded": False,
        "accountId": "12345",
        "masterAccountId": None,
        "apiVersion": "4",
        "groupId": "G4V" + uuid.uuid4().hex[:20].upper(),
        "price": {},
        "dateCreated": now,
        "dateUpdated": now,
    }


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            found = _AUTH.match(self.headers.get("Authorization", ""))
            if found is None or found["key"] != API_KEY:
                return False
            expected = hmac.new(
                API_SECRET.encode(), (found["date"] + found["salt"]).encode(), hashlib.sha256
            ).hexdigest()
            return hmac.compare_digest(expected, found["sig"])

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if urlparse(self.path).path != "/messages/v4/send-many/detail":
                self._answer(404, {"errorCode": "NotFound", "errorMessage": self.path})
                return
            if not self._authorised():
                provider.bad_auth += 1
                self._answer(401, {"errorCode": "InvalidApiKey", "errorMessage": "bad auth"})
                return
            with provider.lock:
                if provider.fail_next:
                    provider.fail_next -= 1
                    status, code = provider.failure
                    self._answer(status, {"errorCode": code, "errorMessage": "test failure"})
                    return
                hold = provider.hold_next
                provider.hold_next = False
                listed = []
                for message in body.get("messages", []):
                    message_id = "M4V" + uuid.uuid4().hex[:20].upper()
                    provider.messages.append(
                        {
                            "messageId": message_id,
                            "to": message["to"],
                            "from": message.get("from"),
                            "text": message.get("text", ""),
                            "customFields": message.get("customFields") or {},
                            "kakaoOptions": message.get("kakaoOptions"),
                            "dateCreated": dt.datetime.now(dt.UTC).isoformat(),
                        }
                    )
                    listed.append(
                        {
                            "messageId": message_id,
                            "statusCode": "2000",
                            "statusMessage": "정상 접수(이통사로 접수 예정)",
                            "customFields": message.get("customFields"),
                        }
                    )
            if hold:
                provider.holding.set()
                provider.release.wait(30)
            self._answer(
                200,
                {
                    "failedMessageList": [],
                    "groupInfo": _group(len(listed)),
                    "messageList": listed,
                },
            )

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path != "/messages/v4/list-old" or not self._authorised():
                self._answer(404, {"errorCode": "NotFound", "errorMessage": self.path})
                return
            query = parse_qs(url.query)
            to = query.get("to", [""])[0]
            with provider.lock:
                found = {
                    m["messageId"]: {
                        "to": m["to"],
                        "from": m["from"],
                        "text": m["text"],
                        "messageId": m["messageId"],
                        "customFields": m["customFields"],
                    }
                    for m in provider.messages
                    if not to or m["to"] == to
                }
            self._answer(200, {"limit": 100, "messageList": found, "startKey": None})

    return Handler


@dataclass
class SmsProvider:
    server: ThreadingHTTPServer
    provider: Provider
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @classmethod
    def start(cls) -> SmsProvider:
        provider = Provider()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        return cls(server, provider, thread)

    def stop(self) -> None:
        self.provider.release.set()
        self.server.shutdown()
        self.server.server_close()
