"""Tests of the fault-injecting proxy itself, against a tiny in-process upstream.

Every client call uses explicit (connect 1 s, read 1 s) timeouts, like the sync
engine, so a proxy bug shows up as a failure here rather than as a hang.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.support.faultproxy import Fault, FaultKind, FaultProxy

TIMEOUT = (1.0, 1.0)


class Upstream:
    """A counting JSON server standing in for the central server."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.seen: list[tuple[str, str, bytes]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive capable, Content-Length framing

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest output clean

            def _record(self, body: bytes) -> int:
                with upstream.cond:
                    upstream.seen.append((self.command, self.path, body))
                    upstream.cond.notify_all()
                    return len(upstream.seen)

            def _send(self, status: int, body: bytes, *, length: bool = True) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                n = self._record(b"")
                path = self.path.split("?", 1)[0]
                if path == "/chunked":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for part in (b'{"chunked":', b" true}"):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\n\r\n")
                elif path == "/eof":
                    # No length at all: the body ends when the connection does.
                    self.close_connection = True
                    self._send(200, b'{"eof": true}', length=False)
                elif path == "/big":
                    self._send(200, json.dumps({"blob": "x" * 200_000}).encode())
                else:
                    self._send(200, json.dumps({"ok": True, "path": self.path, "n": n}).encode())

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                n = self._record(body)
                self._send(200, json.dumps({"received": json.loads(body), "n": n}).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.server.server_address[1])

    def count(self, path: str = "") -> int:
        with self.cond:
            return sum(1 for _, p, _ in self.seen if p.startswith(path))

    def wait_for(self, n: int, path: str = "", timeout: float = 3.0) -> bool:
        with self.cond:
            return self.cond.wait_for(
                lambda: sum(1 for _, p, _ in self.seen if p.startswith(path)) >= n, timeout
            )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(1.0)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.address) as running:
        yield running


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False  # never route 127.0.0.1 through an environment proxy
        yield s


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()  # bound, never listening, now released: connecting is refused
    return port


def fresh_get(url: str) -> requests.Response:
    """One request on its own connection (no pooled connection to reuse)."""
    with requests.Session() as s:
        s.trust_env = False
        return s.get(url, timeout=TIMEOUT)


def fresh_post(url: str, body: object) -> requests.Response:
    with requests.Session() as s:
        s.trust_env = False
        return s.post(url, json=body, timeout=TIMEOUT)


# ----------------------------------------------------------------- pass-through


def test_passes_get_and_post_through(proxy: FaultProxy, upstream: Upstream) -> None:
    assert proxy.url == f"http://127.0.0.1:{proxy.port}"
    r = fresh_get(proxy.url + "/v1/health?x=1")
    assert r.status_code == 200
    assert r.json()["path"] == "/v1/health?x=1"

    r = fresh_post(proxy.url + "/v1/sync/push", {"mutations": [1, 2]})
    assert r.json()["received"] == {"mutations": [1, 2]}
    assert upstream.seen[-1][0] == "POST"

    assert proxy.counts == {"/v1/health": 1, "/v1/sync/push": 1}
    assert proxy.request_count("/v1/sync", method="post") == 1
    assert [rec.fault for rec in proxy.requests] == [FaultKind.PASS, FaultKind.PASS]
    assert all(rec.forwarded and rec.upstream_status == 200 for rec in proxy.requests)
    assert proxy.faults_applied == []


def test_reframes_chunked_and_eof_delimited_responses(proxy: FaultProxy) -> None:
    r = fresh_get(proxy.url + "/chunked")
    assert r.json() == {"chunked": True}
    assert r.headers["Content-Length"] == str(len(r.content))
    assert "Transfer-Encoding" not in r.headers

    r = fresh_get(proxy.url + "/eof")
    assert r.json() == {"eof": True}


def test_forwards_a_chunked_request_body(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    # A generator body makes requests send Transfer-Encoding: chunked.
    parts = iter([b'{"a":', b" 1}"])
    r = session.post(proxy.url + "/v1/sync/push", data=parts, timeout=TIMEOUT)
    assert r.json()["received"] == {"a": 1}
    assert upstream.seen[-1][2] == b'{"a": 1}'


def test_keep_alive_session_reuses_one_client_connection(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    for i in range(4):
        assert session.get(proxy.url + f"/v1/sync/pull?cursor={i}", timeout=TIMEOUT).ok
    r = session.post(proxy.url + "/v1/sync/push", json={"n": 1}, timeout=TIMEOUT)
    assert r.json()["received"] == {"n": 1}
    assert upstream.count() == 5
    assert proxy.connections_accepted == 1
    assert proxy.counts == {"/v1/sync/pull": 4, "/v1/sync/push": 1}


def test_keep_alive_survives_status_fault_and_reconnects_after_reset(
    proxy: FaultProxy, session: requests.Session
) -> None:
    assert session.get(proxy.url + "/a", timeout=TIMEOUT).ok
    proxy.set_fault(Fault.status(503), times=1)
    assert session.get(proxy.url + "/a", timeout=TIMEOUT).status_code == 503
    assert session.get(proxy.url + "/a", timeout=TIMEOUT).ok
    assert proxy.connections_accepted == 1  # a well-formed error keeps the connection

    proxy.set_fault(Fault.reset_before_upstream(), times=1)
    with pytest.raises(requests.ConnectionError):
        session.get(proxy.url + "/a", timeout=TIMEOUT)
    assert session.get(proxy.url + "/a", timeout=TIMEOUT).ok
    assert proxy.connections_accepted == 2


# ----------------------------------------------------------------------- faults


def test_refuse_resets_new_connections_before_reading(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.set_fault(FaultKind.REFUSE, times=1)
    with pytest.raises(requests.ConnectionError):
        fresh_get(proxy.url + "/v1/health")
    assert upstream.count() == 0
    assert proxy.counts == {}  # nothing was read
    [applied] = proxy.faults_applied
    assert (applied.kind, applied.path) == (FaultKind.REFUSE, None)
    assert fresh_get(proxy.url + "/v1/health").ok


def test_refuse_on_an_open_keep_alive_connection(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    assert session.get(proxy.url + "/a", timeout=TIMEOUT).ok
    proxy.set_fault(Fault.refuse(), times=1)
    with pytest.raises(requests.ConnectionError):
        session.get(proxy.url + "/a", timeout=TIMEOUT)
    assert upstream.count() == 1


def test_pause_listening_gives_connection_refused(
    proxy: FaultProxy, session: requests.Session
) -> None:
    port = proxy.port
    assert session.get(proxy.url + "/a", timeout=TIMEOUT).ok
    proxy.pause_listening()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 1):
        pass
    # The pooled connection was closed too, so the session has to reconnect.
    with pytest.raises(requests.ConnectionError):
        session.get(proxy.url + "/a", timeout=TIMEOUT)
    proxy.resume_listening()
    assert proxy.port == port
    assert session.get(proxy.url + "/a", timeout=TIMEOUT).ok


def test_pause_listening_can_keep_open_connections(
    proxy: FaultProxy, session: requests.Session
) -> None:
    assert session.get(proxy.url + "/a", timeout=TIMEOUT).ok
    proxy.pause_listening(close_idle=False)
    assert session.get(proxy.url + "/a", timeout=TIMEOUT).ok
    with pytest.raises(requests.ConnectionError):
        fresh_get(proxy.url + "/a")
    proxy.resume_listening()


def test_reset_before_upstream_never_reaches_the_server(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.set_fault(Fault.reset_before_upstream())
    with pytest.raises(requests.ConnectionError):
        fresh_post(proxy.url + "/v1/sync/push", {"id": "m1"})
    assert upstream.count() == 0
    assert proxy.request_count("/v1/sync/push") == 1
    assert proxy.requests[0].forwarded is False


def test_drop_response_is_a_lost_ack(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_fault(Fault.drop_response())
    with pytest.raises(requests.ConnectionError):
        fresh_post(proxy.url + "/v1/sync/push", {"id": "m1"})
    assert upstream.seen == [("POST", "/v1/sync/push", b'{"id": "m1"}')]
    [record] = proxy.requests
    assert (record.fault, record.forwarded, record.upstream_status) == (
        FaultKind.DROP_RESPONSE,
        True,
        200,
    )


def test_reset_mid_response(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_fault(Fault.reset_mid_response())
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        fresh_get(proxy.url + "/big")
    assert upstream.count("/big") == 1


def test_delay_exceeds_the_client_read_timeout(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_fault(Fault.delay(1.2), times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        fresh_post(proxy.url + "/v1/sync/push", {"id": "m1"})
    # The server did get it: the delay held back only the answer. (Waited for,
    # not counted at once: on a loaded machine the forward may trail the timeout.)
    assert upstream.wait_for(1, "/v1/sync/push")
    assert upstream.count("/v1/sync/push") == 1
    assert fresh_get(proxy.url + "/v1/health").ok  # one-shot: back to pass-through


def test_delay_before_upstream_delivers_late(proxy: FaultProxy, upstream: Upstream) -> None:
    # Held 3 s against the client's 1 s: a margin a loaded CI machine cannot eat.
    proxy.set_fault(Fault.delay(3.0, before_upstream=True), times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        fresh_post(proxy.url + "/v1/sync/push", {"id": "m1"})
    assert upstream.count() == 0  # the client gave up before the server saw it ...
    assert upstream.wait_for(1, timeout=6.0)  # ... and the server gets it anyway


def test_delay_does_not_block_other_connections(proxy: FaultProxy, upstream: Upstream) -> None:
    # Long, so the held answer is still held whatever the load; stop() ends it below.
    proxy.set_fault(Fault.delay(30), path_prefix="/slow")
    outcome: list[object] = []

    def slow_client() -> None:
        try:
            outcome.append(fresh_get(proxy.url + "/slow"))
        except requests.RequestException as exc:
            outcome.append(exc)

    slow = threading.Thread(target=slow_client, daemon=True)
    slow.start()
    assert upstream.wait_for(1, "/slow")
    with requests.Session() as s:
        s.trust_env = False
        # A patient client: this asserts order, not speed, on however busy a machine.
        assert s.get(proxy.url + "/fast", timeout=10.0).ok
    # Answered while the slow one is still held back: it did not queue behind it.
    assert outcome == []
    proxy.stop()  # releases the held response at once (the fixture's stop is then a no-op)
    slow.join(2.0)
    assert len(outcome) == 1 and isinstance(outcome[0], requests.ConnectionError)


@pytest.mark.parametrize("code", [500, 502, 503, 429])
def test_status_answers_without_forwarding(
    proxy: FaultProxy, upstream: Upstream, code: int
) -> None:
    proxy.set_fault(Fault.status(code, headers={"Retry-After": "3"}))
    r = fresh_post(proxy.url + "/v1/sync/push", {"id": "m1"})
    assert r.status_code == code
    assert r.headers["Retry-After"] == "3"
    assert "detail" in r.json()
    assert upstream.count() == 0


def test_status_with_custom_body_and_forward(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_fault(
        Fault.status(504, body="<h1>timeout</h1>", content_type="text/html", forward=True)
    )
    r = fresh_post(proxy.url + "/v1/sync/push", {"id": "m1"})
    assert (r.status_code, r.text, r.headers["Content-Type"]) == (
        504,
        "<h1>timeout</h1>",
        "text/html",
    )
    assert upstream.count() == 1  # a gateway error after the server committed


def test_truncated_body_keeps_the_original_length(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_fault(Fault.truncated())
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        fresh_post(proxy.url + "/v1/sync/push", {"id": "m1"})
    assert upstream.count() == 1


def test_garbage_html_and_invalid_json(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_fault(Fault.garbage())
    r = fresh_get(proxy.url + "/v1/sync/pull")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        r.json()

    proxy.set_fault(Fault.garbage_json())
    r = fresh_get(proxy.url + "/v1/sync/pull")
    assert (r.status_code, r.headers["Content-Type"]) == (200, "application/json")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        r.json()
    assert upstream.count() == 0


def run_flaky(upstream: Upstream, seed: int) -> list[int]:
    with FaultProxy(upstream.address) as p, requests.Session() as s:
        s.trust_env = False
        p.set_fault(Fault.flaky(0.5, [Fault.status(503), Fault.status(500)], seed=seed))
        codes = [s.get(p.url + "/x", timeout=TIMEOUT).status_code for _ in range(20)]
        assert all(f.rule_kind is FaultKind.FLAKY for f in p.faults_applied)
        assert len(p.faults_applied) == sum(c != 200 for c in codes)
        return codes


def test_flaky_is_repeatable_with_a_seed(upstream: Upstream) -> None:
    first = run_flaky(upstream, seed=7)
    assert run_flaky(upstream, seed=7) == first
    assert {200, 500, 503} <= set(first)


def test_flaky_extremes(proxy: FaultProxy, session: requests.Session) -> None:
    proxy.set_fault(Fault.flaky(0.0, [Fault.status(503)]))
    assert all(session.get(proxy.url + "/x", timeout=TIMEOUT).ok for _ in range(5))
    proxy.set_fault(Fault.flaky(1.0, [Fault.status(503)]))
    codes = {session.get(proxy.url + "/x", timeout=TIMEOUT).status_code for _ in range(5)}
    assert codes == {503}


# ------------------------------------------------------------------------ rules


def test_fault_limited_to_n_requests_and_a_path_prefix(
    proxy: FaultProxy, upstream: Upstream, session: requests.Session
) -> None:
    rule = proxy.set_fault(
        Fault.status(429, headers={"Retry-After": "3"}), times=2, path_prefix="/v1/sync/push"
    )
    url = proxy.url
    assert session.get(url + "/v1/sync/pull?cursor=a", timeout=TIMEOUT).ok
    codes = [
        session.post(url + "/v1/sync/push", json={}, timeout=TIMEOUT).status_code for _ in "abc"
    ]
    assert codes == [429, 429, 200]
    assert (rule.hits, rule.remaining, rule.exhausted) == (2, 0, True)
    assert proxy.rules == []
    assert proxy.counts == {"/v1/sync/pull": 1, "/v1/sync/push": 3}
    assert [(f.kind, f.method, f.path) for f in proxy.faults_applied] == [
        (FaultKind.STATUS, "POST", "/v1/sync/push")
    ] * 2
    assert upstream.count("/v1/sync/push") == 1


def test_rules_apply_in_order_and_filter_by_method(
    proxy: FaultProxy, session: requests.Session
) -> None:
    proxy.add_fault(Fault.status(500), times=1, method="post")
    proxy.add_fault(Fault.status(503))
    assert session.get(proxy.url + "/x", timeout=TIMEOUT).status_code == 503
    assert session.post(proxy.url + "/x", json={}, timeout=TIMEOUT).status_code == 500
    assert session.post(proxy.url + "/x", json={}, timeout=TIMEOUT).status_code == 503
    proxy.clear_faults()
    assert session.get(proxy.url + "/x", timeout=TIMEOUT).ok


def test_invalid_faults_are_rejected_early(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError):
        Fault.flaky(1.5, [Fault.status(503)])
    with pytest.raises(ValueError):
        Fault.flaky(0.5, [])
    with pytest.raises(ValueError):
        Fault.status(42)
    with pytest.raises(ValueError):
        proxy.set_fault(FaultKind.DELAY)  # needs a duration
    with pytest.raises(ValueError):
        proxy.set_fault(Fault.drop_response(), times=0)


def test_wait_for_requests(proxy: FaultProxy) -> None:
    assert proxy.wait_for_requests(1, timeout=0.05) is False
    fresh_get(proxy.url + "/v1/health")
    assert proxy.wait_for_requests(1, path_prefix="/v1/health", timeout=1.0)
    proxy.reset_stats()
    assert (proxy.counts, proxy.requests, proxy.connections_accepted) == ({}, [], 0)


# --------------------------------------------------------------------- upstream


def test_upstream_can_change_at_run_time(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.upstream = ("127.0.0.1", closed_port())
    with pytest.raises(requests.ConnectionError):
        fresh_get(proxy.url + "/v1/health")
    assert proxy.requests[-1].upstream_error is not None
    proxy.upstream = upstream.address
    assert fresh_get(proxy.url + "/v1/health").ok


def test_bad_gateway_mode_answers_502(upstream: Upstream) -> None:
    with FaultProxy(("127.0.0.1", closed_port()), on_upstream_error="bad_gateway") as p:
        r = fresh_get(p.url + "/v1/health")
    assert r.status_code == 502


# -------------------------------------------------------------------- lifecycle


def our_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(name)]


def test_stop_is_prompt_with_a_delay_in_flight(upstream: Upstream) -> None:
    p = FaultProxy(upstream.address, name="fp-stop").start()
    p.set_fault(Fault.delay(30))
    errors: list[BaseException] = []

    def client() -> None:
        with requests.Session() as s:
            s.trust_env = False
            try:
                s.get(p.url + "/slow", timeout=(1.0, 5.0))
            except requests.RequestException as exc:
                errors.append(exc)

    caller = threading.Thread(target=client, daemon=True)
    caller.start()
    assert upstream.wait_for(1)
    assert p.wait_for_requests(1)
    assert our_threads("fp-stop-conn")

    # stop() must not sit out the 30-second delay of the connection it holds.
    stopper = threading.Thread(target=p.stop, daemon=True)
    stopper.start()
    stopper.join(10.0)
    assert not stopper.is_alive()
    assert our_threads("fp-stop") == []
    caller.join(2.0)
    assert not caller.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], requests.ConnectionError)
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", p.port), 1):
        pass
    p.stop()  # idempotent


def test_stop_closes_idle_keep_alive_connections(upstream: Upstream) -> None:
    with requests.Session() as s:
        s.trust_env = False
        with FaultProxy(upstream.address, name="fp-idle") as p:
            assert s.get(p.url + "/a", timeout=TIMEOUT).ok
            assert our_threads("fp-idle-conn")
        assert our_threads("fp-idle") == []


def test_lifecycle_misuse(upstream: Upstream) -> None:
    p = FaultProxy(upstream.address)
    with pytest.raises(RuntimeError):
        _ = p.port
    with pytest.raises(RuntimeError):
        p.pause_listening()
    with p:
        assert p.running
        with pytest.raises(RuntimeError):
            p.start()
    assert not p.running
