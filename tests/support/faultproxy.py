"""Fault-injecting HTTP/1.1 proxy for the sync integration and fault tests.

Tests put a :class:`FaultProxy` between the kiosk's sync engine (``requests``)
and the real central server on 127.0.0.1, then switch faults on and off while
the test runs::

    with FaultProxy(("127.0.0.1", server_port)) as proxy:
        engine = SyncEngine(base_url=proxy.url, ...)
        proxy.set_fault(Fault.drop_response(), times=1, path_prefix="/v1/sync/push")
        engine.sync_once()            # server commits, kiosk never sees the ack
        assert proxy.faults_applied[0].kind is FaultKind.DROP_RESPONSE

Design choices, and why:

* Standard library only, so the fault tests depend on nothing that could itself
  hide or cause network behaviour.
* One thread per client connection. For each request the proxy reads the whole
  request, opens a *fresh* upstream connection with ``Connection: close``,
  reads the whole response, and only then decides what the client gets. Doing
  it per request (not as a byte pump) is what lets a fault target one request
  on a keep-alive connection and lets "lost ack" faults guarantee that the
  server finished (committed) before the client is cut off.
* Responses are re-framed with ``Content-Length`` (chunked upstream bodies are
  decoded first) so faults like "half the body" or "short body, full length"
  are well defined.
* ``stop()`` must be prompt even with a delayed response in flight: every wait
  is on a shared stop event, and every socket is registered so ``stop()`` can
  shut it down and wake any thread blocked in ``recv``.
"""

from __future__ import annotations

import contextlib
import enum
import http
import json
import random
import selectors
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Self

__all__ = [
    "AppliedFault",
    "Fault",
    "FaultKind",
    "FaultProxy",
    "FaultRule",
    "RequestRecord",
]

_HOST = "127.0.0.1"
_MAX_HEAD = 64 * 1024
_MAX_BODY = 64 * 1024 * 1024
_RECV_SIZE = 64 * 1024
# Headers that describe one hop, not the message: the proxy owns both hops, so
# it drops these and writes its own framing and connection handling.
_HOP_BY_HOP = frozenset(
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
# Long enough for the client to have parsed the status line and headers, so a
# reset lands while it reads the body (the case RESET_MID_RESPONSE is for).
_MID_RESPONSE_PAUSE = 0.05

UpstreamErrorMode = Literal["reset", "bad_gateway"]


class FaultKind(enum.Enum):
    """What the proxy does to a request; see the :class:`Fault` constructors."""

    PASS = "pass"
    REFUSE = "refuse"
    RESET_BEFORE_UPSTREAM = "reset_before_upstream"
    DROP_RESPONSE = "drop_response"
    RESET_MID_RESPONSE = "reset_mid_response"
    DELAY = "delay"
    STATUS = "status"
    TRUNCATED = "truncated"
    GARBAGE = "garbage"
    FLAKY = "flaky"


@dataclass(frozen=True)
class Fault:
    """An immutable fault description. Build it with the class-method constructors."""

    kind: FaultKind
    seconds: float = 0.0
    before_upstream: bool = False
    status_code: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    forward: bool = False
    keep_fraction: float = 0.5
    probability: float = 0.0
    choices: tuple[Fault, ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        # Validate eagerly: a typo in a test should fail at set_fault(), not
        # surface later as a confusing network error inside the code under test.
        if self.seconds < 0:
            raise ValueError("seconds must be >= 0")
        if not 100 <= self.status_code <= 599:
            raise ValueError(f"status code out of range: {self.status_code}")
        if not 0.0 <= self.keep_fraction < 1.0:
            raise ValueError("keep_fraction must be in [0, 1)")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be in [0, 1]")
        if self.kind is FaultKind.FLAKY:
            if not self.choices:
                raise ValueError("FLAKY needs at least one fault to choose from")
            if any(c.kind is FaultKind.FLAKY for c in self.choices):
                raise ValueError("FLAKY choices cannot themselves be FLAKY")

    @classmethod
    def passthrough(cls) -> Fault:
        """Forward normally."""
        return cls(FaultKind.PASS)

    @classmethod
    def refuse(cls) -> Fault:
        """Accept the TCP connection, then reset it before reading anything.

        Only a rule with no path/method filter can act at accept time; otherwise
        (or for a request on an already open keep-alive connection) the request
        is read first and then reset, never reaching the server.
        """
        return cls(FaultKind.REFUSE)

    @classmethod
    def reset_before_upstream(cls) -> Fault:
        """Read the request, then reset the client; the server never sees it."""
        return cls(FaultKind.RESET_BEFORE_UPSTREAM)

    @classmethod
    def drop_response(cls) -> Fault:
        """Lost ack: the server handles the request fully, the client gets a reset."""
        return cls(FaultKind.DROP_RESPONSE)

    @classmethod
    def reset_mid_response(cls) -> Fault:
        """Forward, send the headers and half the body, then reset."""
        return cls(FaultKind.RESET_MID_RESPONSE)

    @classmethod
    def delay(cls, seconds: float, *, before_upstream: bool = False) -> Fault:
        """Hold the response (or, with ``before_upstream``, the request) for ``seconds``.

        Holding the request models a slow path *to* the server: the server may
        receive it after the client has already timed out and retried.
        """
        return cls(FaultKind.DELAY, seconds=seconds, before_upstream=before_upstream)

    @classmethod
    def status(
        cls,
        code: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        content_type: str = "application/json",
        forward: bool = False,
    ) -> Fault:
        """Answer ``code`` with ``headers`` and ``body`` instead of the server's reply.

        The default body is FastAPI-shaped JSON. With ``forward`` the request
        still reaches the server first (a gateway answering 502/504 after the
        server committed).
        """
        if body is None:
            body = json.dumps({"detail": _reason(code)})
        return cls(
            FaultKind.STATUS,
            status_code=code,
            headers=_header_tuple(headers, content_type),
            body=body.encode() if isinstance(body, str) else body,
            forward=forward,
        )

    @classmethod
    def truncated(cls, keep_fraction: float = 0.5) -> Fault:
        """Forward, then send a short body under the original Content-Length and close."""
        return cls(FaultKind.TRUNCATED, keep_fraction=keep_fraction)

    @classmethod
    def garbage(
        cls,
        *,
        body: bytes | str | None = None,
        content_type: str = "text/html; charset=utf-8",
        forward: bool = False,
    ) -> Fault:
        """Answer 200 with a non-JSON body (default: a captive-portal style HTML page)."""
        if body is None:
            body = (
                "<!DOCTYPE html><html><head><title>Network login</title></head>"
                "<body><h1>Sign in to continue</h1></body></html>"
            )
        return cls(
            FaultKind.GARBAGE,
            status_code=200,
            headers=_header_tuple(None, content_type),
            body=body.encode() if isinstance(body, str) else body,
            forward=forward,
        )

    @classmethod
    def garbage_json(cls, *, forward: bool = False) -> Fault:
        """Answer 200 labelled ``application/json`` whose body is not valid JSON."""
        return cls.garbage(
            body='{"results": [{"id": "', content_type="application/json", forward=forward
        )

    @classmethod
    def flaky(cls, probability: float, choices: Sequence[Fault], *, seed: int = 0) -> Fault:
        """With ``probability`` apply one of ``choices`` (uniformly), else pass.

        Each rule owns a ``random.Random(seed)``, so a given request order
        yields the same faults on every run.
        """
        return cls(FaultKind.FLAKY, probability=probability, choices=tuple(choices), seed=seed)


_PASS = Fault(FaultKind.PASS)


@dataclass(eq=False)
class FaultRule:
    """An installed fault with its filters. Mutated only by the proxy, under its lock."""

    fault: Fault
    path_prefix: str | None = None
    method: str | None = None
    remaining: int | None = None  # None: until cleared
    hits: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.fault.seed)
        if self.method is not None:
            self.method = self.method.upper()

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def _matches(self, method: str, path: str) -> bool:
        if self.exhausted:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)


@dataclass(frozen=True)
class AppliedFault:
    """One fault the proxy applied (pass-throughs are not listed)."""

    kind: FaultKind  # what was done (a FLAKY rule's draw, resolved)
    method: str | None  # None when applied at accept time, before any request was read
    path: str | None
    rule_kind: FaultKind  # kind of the rule that matched: FLAKY for a flaky draw
    at: float  # time.monotonic()


@dataclass(frozen=True)
class RequestRecord:
    """One request the proxy read completely, logged once it was dealt with."""

    method: str
    target: str
    path: str
    fault: FaultKind  # PASS for plain forwarding
    forwarded: bool  # the whole request was written to the upstream
    upstream_status: int | None
    upstream_error: str | None
    at: float  # time.monotonic() when the request was read


class _ProtocolError(Exception):
    """Malformed or truncated HTTP on one side."""


class _UpstreamError(Exception):
    def __init__(self, message: str, *, forwarded: bool) -> None:
        super().__init__(message)
        self.forwarded = forwarded


@dataclass
class _Request:
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
        tokens = _connection_tokens(self.headers)
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


@dataclass
class _Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]  # end-to-end headers only
    body: bytes
    has_body: bool  # False for HEAD, 1xx, 204 and 304, which carry no body at all


@dataclass
class _Outcome:
    """What the client gets for one request, worked out before anything is sent."""

    payload: bytes = b""  # bytes to send; may be a deliberately partial response
    hold: float = 0.0  # seconds to wait before sending (DELAY)
    keep: bool = False  # serve another request on this connection afterwards
    reset: bool = False  # close with RST rather than FIN
    pause_before_reset: bool = False  # let the client parse the partial response first
    forwarded: bool = False
    upstream_status: int | None = None
    upstream_error: str | None = None


class _Reader:
    """Buffered reads off a blocking socket; keeps bytes of a following request."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buf = bytearray()

    def _fill(self) -> bool:
        data = self._sock.recv(_RECV_SIZE)
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
                raise _ProtocolError("line or header block too long")
            start = max(0, len(self._buf) - len(delim) + 1)
            if not self._fill():
                if self._buf:
                    raise _ProtocolError("connection closed mid-message")
                return None

    def read_line(self) -> bytes:
        line = self.read_until(b"\r\n", _MAX_HEAD)
        if line is None:
            raise _ProtocolError("connection closed mid-message")
        return line

    def read_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            if not self._fill():
                raise _ProtocolError(f"connection closed with {n - len(self._buf)} bytes missing")
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def read_to_eof(self) -> bytes:
        while self._fill():
            if len(self._buf) > _MAX_BODY:
                raise _ProtocolError("body too large")
        out = bytes(self._buf)
        self._buf.clear()
        return out


class _Conn:
    """A client connection and its current upstream socket, closable from ``stop()``."""

    def __init__(self, client: socket.socket) -> None:
        self.client = client
        self.upstream: socket.socket | None = None
        self.idle = True
        self._lock = threading.Lock()
        self._aborted = False

    def attach_upstream(self, sock: socket.socket) -> bool:
        with self._lock:
            if self._aborted:
                sock.close()
                return False
            self.upstream = sock
            return True

    def close_upstream(self) -> None:
        with self._lock:
            if self.upstream is not None:
                self.upstream.close()
                self.upstream = None

    def abort(self) -> None:
        # shutdown() (not close()) wakes a thread blocked in recv() on Linux and
        # leaves the fd valid, so the owning thread can still close it safely.
        with self._lock:
            self._aborted = True
            for sock in (self.client, self.upstream):
                if sock is not None:
                    _quiet_shutdown(sock)

    def close(self, *, reset: bool = False) -> None:
        with self._lock:
            if reset:
                _set_rst_on_close(self.client)
            self.client.close()
            if self.upstream is not None:
                self.upstream.close()
                self.upstream = None


class FaultProxy:
    """HTTP/1.1 proxy on 127.0.0.1 that injects faults per request.

    Rules are checked in the order they were added; the first one whose path
    prefix and method match applies and, when limited to ``times``, is used up
    and removed after that many requests. Anything unmatched passes through.
    """

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        upstream_timeout: float = 10.0,
        on_upstream_error: UpstreamErrorMode = "reset",
        name: str = "faultproxy",
    ) -> None:
        """``on_upstream_error`` is what the client sees when the upstream cannot be
        reached or breaks: "reset" (like the server being down) or "bad_gateway" (502,
        like a load balancer in front of a dead server)."""
        self._upstream = upstream
        self._upstream_timeout = upstream_timeout
        self._on_upstream_error: UpstreamErrorMode = on_upstream_error
        self._name = name

        self._lock = threading.Lock()
        # One condition for every state change, so waiters (pause/resume, tests
        # waiting for requests) never miss a wake-up between two locks.
        self._cond = threading.Condition(self._lock)
        self._stop_event = threading.Event()
        self._state: Literal["new", "running", "stopped"] = "new"

        self._rules: list[FaultRule] = []
        self._counts: Counter[tuple[str, str]] = Counter()
        self._requests: list[RequestRecord] = []
        self._faults: list[AppliedFault] = []
        self._connections_accepted = 0

        self._port = 0
        self._reservation: socket.socket | None = None
        self._initial_listener: socket.socket | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._threads: set[threading.Thread] = set()
        self._conns: set[_Conn] = set()
        self._conn_seq = 0

        self._want_listening = True
        self._close_after_response = False
        self._listen_gen = 0
        self._listen_applied = 0
        self._listen_error: OSError | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        with self._lock:
            if self._state != "new":
                raise RuntimeError(f"proxy already {self._state}; create a new one")
            # A bound, never-listening socket holds the port while listening is
            # paused, so resume_listening() gets the same port back and nothing
            # else (notably an outgoing connection's ephemeral port) can take it.
            reservation = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            reservation.bind((_HOST, 0))
            self._reservation = reservation
            self._port = reservation.getsockname()[1]
            self._initial_listener = self._open_listener()
            self._wake_r, self._wake_w = socket.socketpair()
            self._wake_r.setblocking(False)
            self._wake_w.setblocking(False)
            self._accept_thread = threading.Thread(
                target=self._accept_loop, name=f"{self._name}-accept", daemon=True
            )
            self._state = "running"
        self._accept_thread.start()
        return self

    def stop(self, timeout: float = 1.0) -> None:
        """Stop accepting, cut every connection, join all threads. Idempotent."""
        with self._cond:
            if self._state != "running":
                self._state = "stopped"
                return
            self._state = "stopped"
            self._stop_event.set()
            conns = list(self._conns)
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        self._wake()
        if self._accept_thread is not None:
            self._accept_thread.join(max(0.0, deadline - time.monotonic()))
        for conn in conns:
            conn.abort()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in [self._accept_thread, *threads] if t is not None and t.is_alive()]
        for sock in (self._wake_r, self._wake_w, self._reservation):
            if sock is not None:
                sock.close()
        if alive:
            raise RuntimeError(f"fault proxy threads still running after stop(): {alive}")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._state == "running"

    @property
    def port(self) -> int:
        if self._state == "new":
            raise RuntimeError("proxy not started: the port is chosen by start()")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{_HOST}:{self.port}"

    @property
    def upstream(self) -> tuple[str, int]:
        with self._lock:
            return self._upstream

    @upstream.setter
    def upstream(self, value: tuple[str, int]) -> None:
        # Takes effect for the next request: every request opens its own
        # upstream connection.
        with self._lock:
            self._upstream = value

    # --------------------------------------------------------------- listening

    def pause_listening(self, *, close_idle: bool = True) -> None:
        """Close the listening socket so new connections get ECONNREFUSED.

        With ``close_idle`` idle keep-alive connections are closed too and busy
        ones close after their current response, so a pooled client reconnects
        and is refused (like the server process going away). Without it, open
        connections keep working.
        """
        self._set_listening(False)
        if close_idle:
            with self._lock:
                self._close_after_response = True
                idle = [c for c in self._conns if c.idle]
            for conn in idle:
                conn.abort()

    def resume_listening(self) -> None:
        """Listen again on the same port."""
        with self._lock:
            self._close_after_response = False
        self._set_listening(True)

    def _set_listening(self, want: bool) -> None:
        with self._cond:
            if self._state != "running":
                raise RuntimeError("proxy is not running")
            self._want_listening = want
            self._listen_gen += 1
            target = self._listen_gen
        self._wake()
        # Wait for the accept thread, which owns the listening socket, so that
        # on return the port really is (not) accepting connections.
        with self._cond:
            done = self._cond.wait_for(
                lambda: self._listen_applied >= target or self._state != "running", timeout=2.0
            )
            error, self._listen_error = self._listen_error, None
        if error is not None:
            raise error
        if not done:
            raise RuntimeError("accept thread did not apply the listening change")

    def _open_listener(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # SO_REUSEADDR on both this and the reservation lets them share the
            # port (Linux allows it while at most one is listening).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((_HOST, self._port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock

    def _wake(self) -> None:
        if self._wake_w is None:
            return
        # Full buffer: a wake-up is already pending. Closed: nothing left to wake.
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    # ------------------------------------------------------------------ faults

    def set_fault(
        self,
        fault: Fault | FaultKind,
        *,
        times: int | None = None,
        path_prefix: str | None = None,
        method: str | None = None,
    ) -> FaultRule:
        """Replace all rules with this one. A bare kind uses its default parameters."""
        with self._lock:
            self._rules.clear()
        return self.add_fault(fault, times=times, path_prefix=path_prefix, method=method)

    def add_fault(
        self,
        fault: Fault | FaultKind,
        *,
        times: int | None = None,
        path_prefix: str | None = None,
        method: str | None = None,
    ) -> FaultRule:
        """Append a rule after the existing ones (first match wins)."""
        if isinstance(fault, FaultKind):
            fault = _default_fault(fault)
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None for until cleared)")
        rule = FaultRule(fault, path_prefix=path_prefix, method=method, remaining=times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear_faults(self) -> None:
        """Back to pass-through."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    # ------------------------------------------------------------ observations

    @property
    def counts(self) -> dict[str, int]:
        """Requests read per path (query string stripped), whatever their fate."""
        with self._lock:
            out: Counter[str] = Counter()
            for (_, path), n in self._counts.items():
                out[path] += n
            return dict(out)

    def request_count(self, path_prefix: str = "", method: str | None = None) -> int:
        with self._lock:
            return self._count_locked(path_prefix, method)

    def _count_locked(self, path_prefix: str, method: str | None) -> int:
        wanted = method.upper() if method is not None else None
        return sum(
            n
            for (m, path), n in self._counts.items()
            if path.startswith(path_prefix) and (wanted is None or m == wanted)
        )

    def wait_for_requests(
        self, count: int, *, path_prefix: str = "", method: str | None = None, timeout: float = 5.0
    ) -> bool:
        """Block until ``count`` matching requests were read; False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._count_locked(path_prefix, method) >= count, timeout=timeout
            )

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    @property
    def faults_applied(self) -> list[AppliedFault]:
        with self._lock:
            return list(self._faults)

    @property
    def connections_accepted(self) -> int:
        """Client connections accepted and served (refused ones not included)."""
        with self._lock:
            return self._connections_accepted

    def reset_stats(self) -> None:
        with self._lock:
            self._counts.clear()
            self._requests.clear()
            self._faults.clear()
            self._connections_accepted = 0

    # ------------------------------------------------------------ accept side

    def _accept_loop(self) -> None:
        assert self._wake_r is not None
        sel = selectors.DefaultSelector()
        sel.register(self._wake_r, selectors.EVENT_READ)
        listener = self._initial_listener
        self._initial_listener = None
        if listener is not None:
            sel.register(listener, selectors.EVENT_READ)
        try:
            while True:
                with self._lock:
                    stopping = self._state != "running"
                    want = self._want_listening and not stopping
                    gen = self._listen_gen
                if want and listener is None:
                    try:
                        listener = self._open_listener()
                        sel.register(listener, selectors.EVENT_READ)
                    except OSError as exc:
                        with self._lock:
                            self._listen_error = exc
                elif not want and listener is not None:
                    sel.unregister(listener)
                    listener.close()
                    listener = None
                with self._cond:
                    self._listen_applied = gen
                    self._cond.notify_all()
                if stopping:
                    return
                for key, _ in sel.select():
                    if key.fileobj is self._wake_r:
                        self._drain_wake()
                    elif listener is not None and key.fileobj is listener:
                        self._accept_ready(listener)
        finally:
            if listener is not None:
                listener.close()
            sel.close()

    def _drain_wake(self) -> None:
        assert self._wake_r is not None
        with contextlib.suppress(OSError):  # BlockingIOError: drained
            while self._wake_r.recv(4096):
                pass

    def _accept_ready(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # e.g. ECONNABORTED: the client gave up; nothing to serve
            # Whether accept() inherits non-blocking mode is OS-dependent.
            client.settimeout(None)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._take_accept_refusal():
                _reset(client)
                continue
            conn = _Conn(client)
            with self._lock:
                if self._state != "running":
                    client.close()
                    return
                self._connections_accepted += 1
                self._conn_seq += 1
                thread = threading.Thread(
                    target=self._serve_connection,
                    args=(conn,),
                    name=f"{self._name}-conn-{self._conn_seq}",
                    daemon=True,
                )
                self._conns.add(conn)
                self._threads.add(thread)
                # Started under the lock so stop() never sees (and joins) a
                # registered thread that has not been started yet.
                thread.start()

    def _take_accept_refusal(self) -> bool:
        # Only an unfiltered rule can be judged before a request is read; the
        # first such rule decides, so rule order still means something here.
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or rule.path_prefix is not None or rule.method is not None:
                    continue
                if rule.fault.kind is not FaultKind.REFUSE:
                    return False
                self._consume_locked(rule)
                self._faults.append(
                    AppliedFault(FaultKind.REFUSE, None, None, FaultKind.REFUSE, time.monotonic())
                )
                return True
            return False

    def _consume_locked(self, rule: FaultRule) -> None:
        rule.hits += 1
        if rule.remaining is not None:
            rule.remaining -= 1
            if rule.remaining <= 0 and rule in self._rules:
                self._rules.remove(rule)

    # ------------------------------------------------------- per-connection side

    def _serve_connection(self, conn: _Conn) -> None:
        reader = _Reader(conn.client)
        reset = False
        try:
            while not self._stop_event.is_set():
                conn.idle = True
                try:
                    request = _read_request(reader, conn.client)
                except _ProtocolError:
                    _send_quietly(conn.client, _synthetic_response(400, [], b"", keep_alive=False))
                    return
                finally:
                    conn.idle = False
                if request is None:
                    return  # client closed its keep-alive connection
                keep, reset = self._handle(conn, request)
                with self._lock:
                    close_now = self._close_after_response
                if not keep or close_now:
                    return
        except OSError:
            return  # client went away or stop() shut the socket down
        finally:
            conn.close(reset=reset)
            with self._lock:
                self._conns.discard(conn)
                self._threads.discard(threading.current_thread())

    def _decide(self, request: _Request) -> Fault:
        method, path = request.method, request.path
        with self._cond:
            self._counts[(method, path)] += 1
            self._cond.notify_all()
            for rule in self._rules:
                if not rule._matches(method, path):
                    continue
                self._consume_locked(rule)
                fault = rule.fault
                if fault.kind is FaultKind.FLAKY:
                    # Draw in request order under the lock so a seed replays exactly.
                    if rule._rng.random() < fault.probability:
                        fault = rule._rng.choice(fault.choices)
                    else:
                        fault = _PASS
                if fault.kind is not FaultKind.PASS:
                    self._faults.append(
                        AppliedFault(fault.kind, method, path, rule.fault.kind, time.monotonic())
                    )
                return fault
            return _PASS

    def _handle(self, conn: _Conn, request: _Request) -> tuple[bool, bool]:
        """Serve one request. Returns (keep the connection, close it with RST)."""
        read_at = time.monotonic()
        fault = self._decide(request)
        out = self._plan(conn, request, fault)
        record = RequestRecord(
            request.method,
            request.target,
            request.path,
            fault.kind,
            out.forwarded,
            out.upstream_status,
            out.upstream_error,
            read_at,
        )
        # Logged before the client gets a byte, so a test that asserts on the
        # log right after its call returned never races the proxy.
        with self._lock:
            self._requests.append(record)
        if out.hold and self._stop_event.wait(out.hold):
            return False, False  # stopping: drop the held response
        if out.payload:
            conn.client.sendall(out.payload)
        if out.pause_before_reset:
            self._stop_event.wait(_MID_RESPONSE_PAUSE)
        return out.keep, out.reset

    def _plan(self, conn: _Conn, request: _Request, fault: Fault) -> _Outcome:
        """Do the upstream part of ``fault`` and work out what the client gets."""
        kind = fault.kind
        keep = request.keep_alive
        if kind in (FaultKind.REFUSE, FaultKind.RESET_BEFORE_UPSTREAM):
            return _Outcome(reset=True)
        synthetic = kind in (FaultKind.STATUS, FaultKind.GARBAGE)
        if synthetic and not fault.forward:
            payload = _synthetic_response(fault.status_code, fault.headers, fault.body, keep)
            return _Outcome(payload=payload, keep=keep)
        holding_request = kind is FaultKind.DELAY and fault.before_upstream
        if holding_request and self._stop_event.wait(fault.seconds):
            return _Outcome()  # stopping: close without forwarding
        try:
            response = self._forward(conn, request)
        except _UpstreamError as exc:
            out = _Outcome(forwarded=exc.forwarded, upstream_error=str(exc))
            if self._on_upstream_error == "reset":
                out.reset = True
            else:
                detail = json.dumps({"detail": str(exc)}).encode()
                out.payload = _synthetic_response(502, [], detail, keep)
                out.keep = keep
            return out

        out = _Outcome(forwarded=True, upstream_status=response.status)
        body = response.body
        if synthetic:
            out.payload = _synthetic_response(fault.status_code, fault.headers, fault.body, keep)
            out.keep = keep
        elif kind is FaultKind.DROP_RESPONSE:
            out.reset = True
        elif kind is FaultKind.RESET_MID_RESPONSE:
            head = _render_response(response, len(body), keep_alive=False)
            out.payload = head + body[: len(body) // 2] if body else head[: len(head) // 2]
            out.reset = out.pause_before_reset = True
        elif kind is FaultKind.TRUNCATED:
            # An empty body cannot be cut short; announce one byte so the
            # shortfall is still visible to the client.
            head = _render_response(response, max(len(body), 1), keep_alive=False)
            out.payload = head + body[: int(len(body) * fault.keep_fraction)]
        else:  # PASS, or DELAY
            out.payload = _render_response(response, len(body), keep) + body
            out.keep = keep
            if kind is FaultKind.DELAY and not fault.before_upstream:
                out.hold = fault.seconds
        return out

    def _forward(self, conn: _Conn, request: _Request) -> _Response:
        with self._lock:
            upstream = self._upstream
        try:
            sock = socket.create_connection(upstream, timeout=self._upstream_timeout)
        except OSError as exc:
            raise _UpstreamError(f"connect to {upstream}: {exc}", forwarded=False) from exc
        if not conn.attach_upstream(sock):
            raise _UpstreamError("proxy stopping", forwarded=False)
        forwarded = False
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(_render_request(request))
            forwarded = True
            return _read_response(_Reader(sock), request.method)
        except (OSError, _ProtocolError) as exc:
            raise _UpstreamError(f"upstream {upstream}: {exc}", forwarded=forwarded) from exc
        finally:
            conn.close_upstream()


# ------------------------------------------------------------------ HTTP helpers


def _default_fault(kind: FaultKind) -> Fault:
    defaults: dict[FaultKind, Callable[[], Fault]] = {
        FaultKind.PASS: Fault.passthrough,
        FaultKind.REFUSE: Fault.refuse,
        FaultKind.RESET_BEFORE_UPSTREAM: Fault.reset_before_upstream,
        FaultKind.DROP_RESPONSE: Fault.drop_response,
        FaultKind.RESET_MID_RESPONSE: Fault.reset_mid_response,
        FaultKind.TRUNCATED: Fault.truncated,
        FaultKind.GARBAGE: Fault.garbage,
        FaultKind.STATUS: lambda: Fault.status(503),
    }
    if kind not in defaults:
        raise ValueError(f"{kind.name} needs parameters; use Fault.{kind.name.lower()}(...)")
    return defaults[kind]()


def _reason(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


def _header_tuple(
    headers: Mapping[str, str] | None, content_type: str
) -> tuple[tuple[str, str], ...]:
    items = dict(headers or {})
    if not any(k.lower() == "content-type" for k in items):
        items["Content-Type"] = content_type
    return tuple(items.items())


def _header(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    lname = name.lower()
    return [v for k, v in headers if k.lower() == lname]


def _connection_tokens(headers: Sequence[tuple[str, str]]) -> set[str]:
    return {
        token.strip().lower()
        for value in _header(headers, "connection")
        for token in value.split(",")
        if token.strip()
    }


def _parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise _ProtocolError(f"bad header line: {line!r}")
        headers.append((name, value.strip()))
    return lines[0], headers


def _is_chunked(headers: Sequence[tuple[str, str]]) -> bool:
    codings = [
        c.strip().lower() for v in _header(headers, "transfer-encoding") for c in v.split(",")
    ]
    return bool(codings) and codings[-1] == "chunked"


def _content_length(headers: Sequence[tuple[str, str]]) -> int | None:
    values = {v.strip() for v in _header(headers, "content-length")}
    if not values:
        return None
    if len(values) > 1 or not next(iter(values)).isdigit():
        raise _ProtocolError(f"bad Content-Length: {sorted(values)}")
    length = int(next(iter(values)))
    if length > _MAX_BODY:
        raise _ProtocolError("body too large")
    return length


def _read_chunked(reader: _Reader) -> bytes:
    body = bytearray()
    while True:
        size_line = reader.read_line().split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError as exc:
            raise _ProtocolError(f"bad chunk size {size_line!r}") from exc
        if size == 0:
            break
        body += reader.read_exact(size)
        if reader.read_exact(2) != b"\r\n":
            raise _ProtocolError("chunk not followed by CRLF")
        if len(body) > _MAX_BODY:
            raise _ProtocolError("body too large")
    while reader.read_line() != b"\r\n":
        pass  # trailers: dropped, the body is re-framed with Content-Length
    return bytes(body)


def _read_request(reader: _Reader, client: socket.socket) -> _Request | None:
    head = reader.read_until(b"\r\n\r\n", _MAX_HEAD)
    if head is None:
        return None
    head = head.lstrip(b"\r\n")  # RFC 9112 2.2: tolerate blank lines before a request
    request_line, headers = _parse_head(head)
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _ProtocolError(f"bad request line: {request_line!r}")
    method, target, version = parts
    chunked = _is_chunked(headers)
    length = None if chunked else _content_length(headers)
    expects_body = chunked or bool(length)
    if expects_body and any(v.lower() == "100-continue" for v in _header(headers, "expect")):
        # The proxy buffers the body before forwarding, so it must invite it
        # itself; otherwise a client using Expect would stall.
        client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    if chunked:
        body = _read_chunked(reader)
    elif length:
        body = reader.read_exact(length)
    else:
        body = b""
    return _Request(method, target, version, headers, body, chunked or length is not None)


def _end_to_end(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    named = _connection_tokens(headers)
    return [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP and k.lower() not in named]


def _render_request(request: _Request) -> bytes:
    lines = [f"{request.method} {request.target} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in _end_to_end(request.headers)]
    if request.had_body_framing or request.body:
        lines.append(f"Content-Length: {len(request.body)}")
    # A fresh upstream connection per request keeps request/response pairing
    # trivial and lets each request meet its own fault.
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body


def _read_response(reader: _Reader, method: str) -> _Response:
    while True:
        head = reader.read_until(b"\r\n\r\n", _MAX_HEAD)
        if head is None:
            raise _ProtocolError("upstream closed without a response")
        status_line, headers = _parse_head(head)
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise _ProtocolError(f"bad status line: {status_line!r}")
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        if 100 <= status < 200 and status != 101:
            continue  # interim response; the final one follows
        break
    if method == "HEAD" or status in (101, 204, 304):
        # No body on the wire, but Content-Length (for HEAD) still describes
        # the resource: pass it through untouched.
        kept = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP - {"content-length"}]
        return _Response(status, reason, kept, b"", has_body=False)
    if _is_chunked(headers):
        body = _read_chunked(reader)
    else:
        length = _content_length(headers)
        # We asked for Connection: close, so a response without a length ends at EOF.
        body = reader.read_to_eof() if length is None else reader.read_exact(length)
    return _Response(status, reason, _end_to_end(headers), body, has_body=True)


def _render_response(response: _Response, content_length: int, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {response.status} {response.reason}".rstrip()]
    lines += [f"{k}: {v}" for k, v in response.headers]
    if response.has_body:
        lines.append(f"Content-Length: {content_length}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _synthetic_response(
    status: int, headers: Sequence[tuple[str, str]], body: bytes, keep_alive: bool
) -> bytes:
    response = _Response(status, _reason(status), list(headers), body, has_body=True)
    return _render_response(response, len(body), keep_alive) + body


def _set_rst_on_close(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN:
    # the client sees ECONNRESET, like a crashed server or a middlebox kill.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _reset(sock: socket.socket) -> None:
    _set_rst_on_close(sock)
    sock.close()


def _quiet_shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or never connected
        sock.shutdown(socket.SHUT_RDWR)


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(data)
