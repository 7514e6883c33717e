"""HTTP/1.1 as the proxy needs it: read a whole message off a socket, write one back.

Standard library only. Requests and responses are read completely (chunked
bodies decoded) and re-framed with ``Content-Length``, so a fault such as
"half the body" or "a short body under the full length" is well defined.
Hop-by-hop headers are dropped: the proxy owns both hops.
"""

from __future__ import annotations

import contextlib
import http
import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass

MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
RECV_SIZE = 64 * 1024
# Headers that describe one hop, not the message: the proxy owns both hops, so
# it drops these and writes its own framing and connection handling.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-authenticate",
        "proxy-authorization",
        "content-length",
        "expect",
    }
)


class ProtocolError(Exception):
    """Malformed or truncated HTTP on one side."""


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    had_body_framing: bool

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        tokens = connection_tokens(self.headers)
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]  # end-to-end headers only
    body: bytes
    has_body: bool  # False for HEAD, 1xx, 204 and 304, which carry no body at all


class Reader:
    """Buffered reads off a blocking socket; keeps bytes of a following request."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buf = bytearray()

    def _fill(self) -> bool:
        data = self._sock.recv(RECV_SIZE)
        if not data:
            return False
        self._buf += data
        return True

    def read_until(self, delim: bytes, limit: int) -> bytes | None:
        """Up to and including ``delim``; None on a clean EOF before any byte."""
        start = 0
        while True:
            idx = self._buf.find(delim, start)
            if idx >= 0:
                end = idx + len(delim)
                out = bytes(self._buf[:end])
                del self._buf[:end]
                return out
            if len(self._buf) > limit:
                raise ProtocolError("line or header block too long")
            start = max(0, len(self._buf) - len(delim) + 1)
            if not self._fill():
                if self._buf:
                    raise ProtocolError("connection closed mid-message")
                return None

    def read_line(self) -> bytes:
        line = self.read_until(b"\r\n", MAX_HEAD)
        if line is None:
            raise ProtocolError("connection closed mid-message")
        return line

    def read_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            if not self._fill():
                raise ProtocolError(f"connection closed with {n - len(self._buf)} bytes missing")
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def read_to_eof(self) -> bytes:
        while self._fill():
            if len(self._buf) > MAX_BODY:
                raise ProtocolError("body too large")
        out = bytes(self._buf)
        self._buf.clear()
        return out


def reason_phrase(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


def header_values(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


def connection_tokens(headers: Sequence[tuple[str, str]]) -> set[str]:
    return {
        token.strip().lower()
        for value in header_values(headers, "connection")
        for token in value.split(",")
        if token.strip()
    }


def parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ProtocolError(f"bad header line: {line!r}")
        headers.append((name, value.strip()))
    return lines[0], headers


def is_chunked(headers: Sequence[tuple[str, str]]) -> bool:
    codings = [
        c.strip().lower() for v in header_values(headers, "transfer-encoding") for c in v.split(",")
    ]
    return bool(codings) and codings[-1] == "chunked"


def declared_length(headers: Sequence[tuple[str, str]]) -> int | None:
    values = {v.strip() for v in header_values(headers, "content-length")}
    if not values:
        return None
    if len(values) > 1 or not next(iter(values)).isdigit():
        raise ProtocolError(f"bad Content-Length: {sorted(values)}")
    length = int(next(iter(values)))
    if length > MAX_BODY:
        raise ProtocolError("body too large")
    return length


def read_chunked(reader: Reader) -> bytes:
    body = bytearray()
    while True:
        size_line = reader.read_line().split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError as exc:
            raise ProtocolError(f"bad chunk size {size_line!r}") from exc
        if size == 0:
            break
        body += reader.read_exact(size)
        if reader.read_exact(2) != b"\r\n":
            raise ProtocolError("chunk not followed by CRLF")
        if len(body) > MAX_BODY:
            raise ProtocolError("body too large")
    while reader.read_line() != b"\r\n":
        pass  # trailers: dropped, the body is re-framed with Content-Length
    return bytes(body)


def read_request(reader: Reader, client: socket.socket) -> Request | None:
    head = reader.read_until(b"\r\n\r\n", MAX_HEAD)
    if head is None:
        return None
    head = head.lstrip(b"\r\n")  # RFC 9112 2.2: tolerate blank lines before a request
    request_line, headers = parse_head(head)
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ProtocolError(f"bad request line: {request_line!r}")
    method, target, version = parts
    chunked = is_chunked(headers)
    length = None if chunked else declared_length(headers)
    expects_body = chunked or bool(length)
    if expects_body and any(v.lower() == "100-continue" for v in header_values(headers, "expect")):
        # The proxy buffers the body before forwarding, so it must invite it
        # itself; otherwise a client using Expect would stall.
        client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    if chunked:
        body = read_chunked(reader)
    elif length:
        body = reader.read_exact(length)
    else:
        body = b""
    return Request(method, target, version, headers, body, chunked or length is not None)


def end_to_end(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    named = connection_tokens(headers)
    return [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() not in named]


def render_request(request: Request) -> bytes:
    lines = [f"{request.method} {request.target} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in end_to_end(request.headers)]
    if request.had_body_framing or request.body:
        lines.append(f"Content-Length: {len(request.body)}")
    # A fresh upstream connection per request keeps request/response pairing
    # trivial and lets each request meet its own fault.
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


def read_response(reader: Reader, method: str) -> Response:
    while True:
        head = reader.read_until(b"\r\n\r\n", MAX_HEAD)
        if head is None:
            raise ProtocolError("upstream closed without a response")
        status_line, headers = parse_head(head)
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line: {status_line!r}")
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        if 100 <= status < 200 and status != 101:
            continue  # interim response; the final one follows
        break
    if method == "HEAD" or status in (101, 204, 304):
        # No body on the wire, but Content-Length (for HEAD) still describes
        # the resource: pass it through untouched.
        kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP - {"content-length"}]
        return Response(status, reason, kept, b"", has_body=False)
    if is_chunked(headers):
        body = read_chunked(reader)
    else:
        length = declared_length(headers)
        # We asked for Connection: close, so a response without a length ends at EOF.
        body = reader.read_to_eof() if length is None else reader.read_exact(length)
    return Response(status, reason, end_to_end(headers), body, has_body=True)


def render_response(response: Response, content_length: int, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {response.status} {response.reason}".rstrip()]
    lines += [f"{k}: {v}" for k, v in response.headers]
    if response.has_body:
        lines.append(f"Content-Length: {content_length}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def synthetic_response(
    status: int, headers: Sequence[tuple[str, str]], body: bytes, keep_alive: bool
) -> bytes:
    response = Response(status, reason_phrase(status), list(headers), body, has_body=True)
    return render_response(response, len(body), keep_alive) + body


def set_rst_on_close(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN:
    # the client sees ECONNRESET, like a crashed server or a middlebox kill.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def reset_socket(sock: socket.socket) -> None:
    set_rst_on_close(sock)
    sock.close()


def quiet_shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or never connected
        sock.shutdown(socket.SHUT_RDWR)


def send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(data)
