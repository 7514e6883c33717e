"""An in-memory stand-in for the central server, at the level of ``sync.client.SyncClient``.

Unit tests of the engine use it to script answers and failures one round at a
time with no sockets; the integration and fault tests use the real server.
It keeps the one rule that makes exactly-once work: an id seen before with the
same payload is a ``duplicate``, with another payload a ``conflict``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sync.client import FailureKind, Reply, SyncFailure
from sync.protocol import (
    Changes,
    MutationResult,
    MutationStatus,
    PullResponse,
    PushRequest,
    PushResponse,
)

SERVER_NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def failure(kind: FailureKind, retry_after_s: float | None = None) -> SyncFailure:
    return SyncFailure(kind, f"scripted {kind}", retry_after_s=retry_after_s)


@dataclass
class FakeCentral:
    """What the server has and what it will do to the next requests."""

    stored: dict[str, str] = field(default_factory=dict)  # id -> canonical payload
    batches: list[list[str]] = field(default_factory=list)  # ids per push received
    bodies: list[int] = field(default_factory=list)  # body size per push received
    reject: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (code, message)
    codes: dict[str, str] = field(default_factory=dict)  # id -> code on an applied result
    # Raised instead of answering: before the server handles the push, or after (lost ack).
    fail_before: list[SyncFailure] = field(default_factory=list)
    fail_after: list[SyncFailure] = field(default_factory=list)
    pull_failures: list[SyncFailure] = field(default_factory=list)
    # Answers to the next pulls in order; a SyncFailure in the list is raised instead.
    pages: list[PullResponse | SyncFailure] = field(default_factory=list)
    pulls: list[str] = field(default_factory=list)  # cursors asked for
    max_mutations: int | None = None  # answer 413 above this
    omit: set[str] = field(default_factory=set)  # ids left out of the answer
    clock_offset_s: float = 0.0
    during_push: Callable[[list[str]], None] | None = None
    tokens: list[str] = field(default_factory=list)

    def client(self, url: str, token: str) -> FakeClient:
        self.tokens.append(token)
        return FakeClient(self)

    def handle_push(self, body: bytes) -> PushResponse:
        request = PushRequest.model_validate_json(body)
        ids = [str(m.id) for m in request.mutations]
        if self.max_mutations is not None and len(ids) > self.max_mutations:
            raise SyncFailure(FailureKind.TOO_LARGE, "too many", status_code=413)
        self.batches.append(ids)
        self.bodies.append(len(body))
        if self.during_push is not None:
            self.during_push(ids)
        results = []
        for mutation in request.mutations:
            mid = str(mutation.id)
            payload = json.dumps(mutation.payload, sort_keys=True)
            if mid in self.reject:
                code, message = self.reject[mid]
                results.append(
                    MutationResult(id=mutation.id, status="rejected", code=code, message=message)
                )
            elif mid in self.stored:
                same = self.stored[mid] == payload
                results.append(
                    MutationResult(id=mutation.id, status=MutationStatus.DUPLICATE)
                    if same
                    else MutationResult(id=mutation.id, status="rejected", code="conflict")
                )
            else:
                self.stored[mid] = payload
                results.append(
                    MutationResult(
                        id=mutation.id, status=MutationStatus.APPLIED, code=self.codes.get(mid, "")
                    )
                )
        results = [r for r in results if str(r.id) not in self.omit]
        return PushResponse(results=results, server_time=SERVER_NOW)

    def page(
        self, cursor: str, *, has_more: bool = False, reset: bool = False, **changes: Any
    ) -> PullResponse:
        return PullResponse(
            changes=Changes(**changes),
            cursor=cursor,
            has_more=has_more,
            reset=reset,
            server_time=SERVER_NOW,
        )


class FakeClient:
    def __init__(self, central: FakeCentral) -> None:
        self.central = central
        self.closed = False

    def push(self, body: bytes, pending: int | None = None) -> Reply[PushResponse]:
        if self.central.fail_before:
            raise self.central.fail_before.pop(0)
        answer = self.central.handle_push(body)
        if self.central.fail_after:
            raise self.central.fail_after.pop(0)
        return Reply(answer, self.central.clock_offset_s)

    def pull(self, cursor: str, limit: int = 200) -> Reply[PullResponse]:
        self.central.pulls.append(cursor)
        if self.central.pull_failures:
            raise self.central.pull_failures.pop(0)
        if self.central.pages:
            page = self.central.pages.pop(0)
            if isinstance(page, SyncFailure):
                raise page
            return Reply(page, self.central.clock_offset_s)
        return Reply(self.central.page(cursor or "c0"), self.central.clock_offset_s)

    def close(self) -> None:
        self.closed = True
