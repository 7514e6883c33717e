"""The faults a test can switch on: what they are, where they apply, what was applied.

Plain values, no sockets: ``Fault`` describes what happens to a request
(built with its class-method constructors), ``FaultRule`` is one installed in
a proxy with its filters, and ``AppliedFault`` / ``RequestRecord`` are what
the proxy logs for a test to assert on.
"""

from __future__ import annotations

import enum
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tests.support.faultproxy.wire import reason_phrase


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
            body = json.dumps({"detail": reason_phrase(code)})
        return cls(
            FaultKind.STATUS,
            status_code=code,
            headers=header_tuple(headers, content_type),
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
            headers=header_tuple(None, content_type),
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


# What an unmatched request gets: forwarded as it is.
PASS_THROUGH = Fault(FaultKind.PASS)


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

    def matches(self, method: str, path: str) -> bool:
        if self.exhausted:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)

    def draw(self) -> Fault:
        """The fault for the next request: for a FLAKY rule, a draw from its seeded choices.

        Called in request order under the proxy's lock, so a seed replays exactly.
        """
        if self.fault.kind is not FaultKind.FLAKY:
            return self.fault
        if self._rng.random() < self.fault.probability:
            return self._rng.choice(self.fault.choices)
        return PASS_THROUGH


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


def default_fault(kind: FaultKind) -> Fault:
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


def header_tuple(
    headers: Mapping[str, str] | None, content_type: str
) -> tuple[tuple[str, str], ...]:
    items = dict(headers or {})
    if not any(k.lower() == "content-type" for k in items):
        items["Content-Type"] = content_type
    return tuple(items.items())
