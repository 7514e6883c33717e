"""The proxy itself: a thread per client connection, a fresh upstream connection per request.

For each request the proxy reads the whole request, decides its fault, opens
a fresh upstream connection with ``Connection: close``, reads the whole
response, and only then decides what the client gets. Doing it per request
(not as a byte pump) is what lets a fault target one request on a keep-alive
connection, and lets a "lost ack" fault guarantee that the server finished
(committed) before the client is cut off.

``stop()`` is prompt even with a delayed response in flight: every wait is on
a shared stop event, and every socket is registered so ``stop()`` can shut it
down and wake any thread blocked in ``recv``.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Self

from tests.support.faultproxy.faults import (
    PASS_THROUGH,
    AppliedFault,
    Fault,
    FaultKind,
    FaultRule,
    RequestRecord,
    default_fault,
)
from tests.support.faultproxy.wire import (
    ProtocolError,
    Reader,
    Request,
    Response,
    quiet_shutdown,
    read_request,
    read_response,
    render_request,
    render_response,
    reset_socket,
    send_quietly,
    set_rst_on_close,
    synthetic_response,
)

_HOST = "127.0.0.1"
# Long enough for the client to have parsed the status line and headers, so a
# reset lands while it reads the body (the case RESET_MID_RESPONSE is for).
_MID_RESPONSE_PAUSE = 0.05

UpstreamErrorMode = Literal["reset", "bad_gateway"]


class _UpstreamError(Exception):
    def __init__(self, message: str, *, forwarded: bool) -> None:
        super().__init__(message)
        self.forwarded = forwarded


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
                    quiet_shutdown(sock)

    def close(self, *, reset: bool = False) -> None:
        with self._lock:
            if reset:
                set_rst_on_close(self.client)
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
            fault = default_fault(fault)
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
                reset_socket(client)
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
        reader = Reader(conn.client)
        reset = False
        try:
            while not self._stop_event.is_set():
                conn.idle = True
                try:
                    request = read_request(reader, conn.client)
                except ProtocolError:
                    send_quietly(conn.client, synthetic_response(400, [], b"", keep_alive=False))
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

    def _decide(self, request: Request) -> Fault:
        method, path = request.method, request.path
        with self._cond:
            self._counts[(method, path)] += 1
            self._cond.notify_all()
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                self._consume_locked(rule)
                fault = rule.draw()
                if fault.kind is not FaultKind.PASS:
                    self._faults.append(
                        AppliedFault(fault.kind, method, path, rule.fault.kind, time.monotonic())
                    )
                return fault
            return PASS_THROUGH

    def _handle(self, conn: _Conn, request: Request) -> tuple[bool, bool]:
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

    def _plan(self, conn: _Conn, request: Request, fault: Fault) -> _Outcome:
        """Do the upstream part of ``fault`` and work out what the client gets."""
        kind = fault.kind
        keep = request.keep_alive
        if kind in (FaultKind.REFUSE, FaultKind.RESET_BEFORE_UPSTREAM):
            return _Outcome(reset=True)
        synthetic = kind in (FaultKind.STATUS, FaultKind.GARBAGE)
        if synthetic and not fault.forward:
            payload = synthetic_response(fault.status_code, fault.headers, fault.body, keep)
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
                out.payload = synthetic_response(502, [], detail, keep)
                out.keep = keep
            return out

        out = _Outcome(forwarded=True, upstream_status=response.status)
        body = response.body
        if synthetic:
            out.payload = synthetic_response(fault.status_code, fault.headers, fault.body, keep)
            out.keep = keep
        elif kind is FaultKind.DROP_RESPONSE:
            out.reset = True
        elif kind is FaultKind.RESET_MID_RESPONSE:
            head = render_response(response, len(body), keep_alive=False)
            out.payload = head + body[: len(body) // 2] if body else head[: len(head) // 2]
            out.reset = out.pause_before_reset = True
        elif kind is FaultKind.TRUNCATED:
            # An empty body cannot be cut short; announce one byte so the
            # shortfall is still visible to the client.
            head = render_response(response, max(len(body), 1), keep_alive=False)
            out.payload = head + body[: int(len(body) * fault.keep_fraction)]
        else:  # PASS, or DELAY
            out.payload = render_response(response, len(body), keep) + body
            out.keep = keep
            if kind is FaultKind.DELAY and not fault.before_upstream:
                out.hold = fault.seconds
        return out

    def _forward(self, conn: _Conn, request: Request) -> Response:
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
            sock.sendall(render_request(request))
            forwarded = True
            return read_response(Reader(sock), request.method)
        except (OSError, ProtocolError) as exc:
            raise _UpstreamError(f"upstream {upstream}: {exc}", forwarded=forwarded) from exc
        finally:
            conn.close_upstream()
