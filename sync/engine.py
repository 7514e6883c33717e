"""The kiosk side of sync protocol v1: push the outbox, pull reference data, report.

:meth:`SyncEngine.run_once` is one round, pure of threads: push every queued
mutation (oldest first, in batches), then pull until the server has nothing
more, then prune. It returns what happened and when to try again; the worker
(``sync/worker.py``) decides when to call it. Clock, backoff randomness and
the HTTP client are injected, so tests drive rounds one by one.

Delivery is exactly-once end to end because of three rules:

* a mutation is marked IN_FLIGHT (committed) before its request leaves, so a
  crash mid-send leaves it queued, never "sent";
* it is marked sent only on the server's result for its id (applied or
  duplicate), in the same transaction as its domain row's new status;
* a retry sends the same id and the same payload, which the server answers
  with ``duplicate`` if the first attempt had landed (a lost ack).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from pydantic import ValidationError
from sqlalchemy.orm import Session

from core.clock import Clock, utcnow
from core.kinds import RegistrationStatus
from kiosk import outbox, pulled, sync_state
from kiosk.config import Settings
from kiosk.identity import current_identity
from kiosk.outbox import DeliveryResult, QueuedMutation
from kiosk.store import Store
from sync.backoff import Backoff
from sync.client import FailureKind, Reply, SyncClient, SyncFailure, Timeouts, Transport
from sync.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_BATCH,
    MAX_PUSH_BYTES,
    PROTOCOL_VERSION,
    CheckinChange,
    Mutation,
    MutationStatus,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync.status import SKEW_WARNING_S, SyncObserver, SyncState, SyncStatus
from sync.version import app_version

log = logging.getLogger(__name__)

ClientFactory = Callable[[str, str], Transport]

# Result code the kiosk itself gives a mutation the server cannot take even alone.
TOO_LARGE_CODE = "too_large"
INVALID_LOCAL_CODE = "invalid_mutation"
# A server that keeps saying "more" with no end is a bug; the next round goes on.
MAX_PULL_PAGES_PER_ROUND = 1000
# Retention is counted in days: looking for what to prune once an hour is
# enough, and spares every round the walk over what is kept.
PRUNE_EVERY = dt.timedelta(hours=1)
# Deletes per write transaction while pruning: short, so a submit waits little.
PRUNE_CHUNK = 500

_PAUSE_STATES = {
    FailureKind.UNAUTHORIZED: SyncState.REENROL_NEEDED,
    FailureKind.REVOKED: SyncState.REVOKED,
    FailureKind.UPDATE_NEEDED: SyncState.UPDATE_NEEDED,
}


@dataclass(frozen=True)
class EngineSettings:
    batch_size: int = MAX_BATCH
    max_push_bytes: int = MAX_PUSH_BYTES
    pull_limit: int = DEFAULT_PULL_LIMIT
    # Sent mutations (with their sealed payloads) are deleted after this long.
    retention: dt.timedelta = dt.timedelta(days=30)
    timeouts: Timeouts = field(default_factory=Timeouts)
    # Consecutive retryable failures before the kiosk shows "offline": one
    # dropped request on a flaky line is not worth alarming staff.
    offline_after: int = 3
    app_version: str = field(default_factory=app_version)

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineSettings:
        return cls(retention=dt.timedelta(days=settings.retention_days))


class RoundOutcome(StrEnum):
    OK = "ok"  # everything queued was answered and the pull is complete
    RETRY = "retry"  # a retryable failure: try again after ``retry_in_s``
    PAUSED = "paused"  # 401/403/old protocol: wait for staff (re-enrol, update)
    NOT_ENROLLED = "not_enrolled"


@dataclass(frozen=True)
class RoundResult:
    outcome: RoundOutcome
    status: SyncStatus
    retry_in_s: float | None = None
    delivered: int = 0
    rejected: int = 0
    pulled_pages: int = 0
    failure: SyncFailure | None = None


@dataclass
class _Tally:
    delivered: int = 0
    rejected: int = 0
    pulled_pages: int = 0
    clock_offset_s: float | None = None


class SyncEngine:
    """One kiosk's sync state machine over a store; call :meth:`run_once` from one thread."""

    def __init__(
        self,
        store: Store,
        *,
        settings: EngineSettings | None = None,
        backoff: Backoff | None = None,
        clock: Clock = utcnow,
        client_factory: ClientFactory | None = None,
        printer_state: Callable[[], str | None] | None = None,
    ) -> None:
        self.store = store
        # Reported with each round (sync.protocol.PRINTER_HEADER); see printing.health.
        self._printer_state = printer_state
        self.settings = settings or EngineSettings()
        self.backoff = backoff or Backoff()
        self._clock = clock
        self._client_factory = client_factory or self._default_client
        self._client: Transport | None = None
        self._client_key: tuple[str, str] = ("", "")
        self._batch_limit = self.settings.batch_size
        self._failures = 0
        self._pruned_at: dt.datetime | None = None
        # The token the server refused (401) or found too old: paused until it changes.
        self._paused: tuple[str, SyncState] | None = None
        self._observers: list[SyncObserver] = []
        self._lock = threading.Lock()
        self._status = self._status_from_store(self._resting_state(), "")

    # --- observers -------------------------------------------------------------------

    def add_observer(self, observer: SyncObserver) -> None:
        with self._lock:
            self._observers.append(observer)
        observer.sync_status_changed(self.status)

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def refresh_status(self) -> SyncStatus:
        """Re-read the counts (e.g. after a local commit) and tell the observers."""
        current = self.status
        return self._publish(
            current.state,
            current.detail,
            reason=current.reason,
            next_attempt_at=current.next_attempt_at,
        )

    def _publish(
        self,
        state: SyncState,
        detail: str,
        *,
        reason: str = "",
        next_attempt_at: dt.datetime | None = None,
        counts: tuple[int, int] | None = None,
    ) -> SyncStatus:
        """Tell the observers what changed; ``counts`` (pending, needs attention) if just read.

        Between batches of a drain only the counts move, and they were read in
        the batch's own transaction: the rest of the status is kept as shown
        rather than read from the store again after every batch.
        """
        if counts is None:
            status = self._status_from_store(state, detail, reason, next_attempt_at)
        else:
            status = replace(
                self.status,
                state=state,
                detail=detail,
                reason=reason,
                next_attempt_at=next_attempt_at,
                pending=counts[0],
                needs_attention=counts[1],
            )
        with self._lock:
            changed = status != self._status
            self._status = status
            observers = list(self._observers)
        if changed:
            for observer in observers:
                try:
                    observer.sync_status_changed(status)
                except Exception:
                    # An observer's bug must not stop deliveries.
                    log.exception("sync observer %r failed", observer)
        return status

    def _status_from_store(
        self,
        state: SyncState,
        detail: str,
        reason: str = "",
        next_attempt_at: dt.datetime | None = None,
    ) -> SyncStatus:
        with self.store.read() as session:
            snap = sync_state.snapshot(session)
        return SyncStatus(
            state=state,
            pending=snap.pending,
            needs_attention=snap.needs_attention,
            last_success=snap.last_success_at,
            clock_skew_s=snap.clock_offset_s,
            detail=detail,
            reason=reason,
            next_attempt_at=next_attempt_at,
        )

    def _resting_state(self) -> SyncState:
        """What to show before any round has run in this process."""
        with self.store.read() as session:
            identity = current_identity(session)
            if identity is None:
                return SyncState.NOT_ENROLLED
            if identity.revoked:
                return SyncState.REVOKED
        # Not yet in contact: "offline" until a round proves otherwise.
        return SyncState.OFFLINE

    # --- a round ---------------------------------------------------------------------

    def run_once(self, *, force: bool = False) -> RoundResult:
        """Push, then pull. ``force`` (staff's "sync now") also tries while paused."""
        with self.store.read() as session:
            identity = current_identity(session)
            # One identity for the whole round, even if staff re-enrol meanwhile.
            url, token, device_id = (
                (identity.server_url, identity.token, identity.device_id)
                if identity
                else ("", "", "")
            )
            revoked = bool(identity and identity.revoked)
        if identity is None:
            status = self._publish(SyncState.NOT_ENROLLED, "this kiosk is not enrolled")
            return RoundResult(RoundOutcome.NOT_ENROLLED, status)
        if self._paused is not None and self._paused[0] != token:
            self._paused = None  # re-enrolled: a new token deserves a try
        if not force and (revoked or self._paused is not None):
            state = SyncState.REVOKED if revoked else self._paused_state()
            shown = self.status
            status = self._publish(state, shown.detail, reason=shown.reason)
            return RoundResult(RoundOutcome.PAUSED, status)
        client = self._client_for(url, token)
        tally = _Tally()
        self._publish(SyncState.SYNCING, "")
        try:
            self._push_all(client, device_id, tally)
            self._pull_all(client, tally)
            self._prune()
        except SyncFailure as failure:
            return self._failed(failure, token, tally)
        except Exception as exc:
            # A bug or a local database problem: report it, keep the thread alive,
            # and treat it like any retryable failure.
            log.exception("sync round failed unexpectedly")
            internal = SyncFailure(FailureKind.INTERNAL, f"internal error: {exc!r}")
            return self._failed(internal, token, tally)
        return self._succeeded(tally)

    def _paused_state(self) -> SyncState:
        assert self._paused is not None
        return self._paused[1]

    def _succeeded(self, tally: _Tally) -> RoundResult:
        self._failures = 0
        self._batch_limit = self.settings.batch_size
        now = self._clock()
        with self.store.write() as session:
            if tally.clock_offset_s is not None:
                sync_state.record_contact(session, tally.clock_offset_s)
            sync_state.record_round(session, SyncState.ONLINE, now, success=True)
        status = self._publish(SyncState.ONLINE, "")
        if status.skew_warning:
            log.warning(
                "kiosk clock is %.0f s off the server's (more than %.0f s)",
                status.clock_skew_s,
                SKEW_WARNING_S,
            )
        return RoundResult(
            RoundOutcome.OK, status, None, tally.delivered, tally.rejected, tally.pulled_pages
        )

    def _failed(self, failure: SyncFailure, token: str, tally: _Tally) -> RoundResult:
        now = self._clock()
        pause_state = _PAUSE_STATES.get(failure.kind)
        if pause_state is not None:
            with self.store.write() as session:
                outbox.release_in_flight(session, str(failure), now)
                if pause_state is SyncState.REVOKED:
                    sync_state.mark_revoked(session)
                sync_state.record_round(
                    session, pause_state, now, success=False, error=str(failure)
                )
            self._paused = (token, pause_state)
            log.warning("sync paused (%s): %s", pause_state, failure)
            status = self._publish(pause_state, failure.message, reason=str(failure.kind))
            return RoundResult(
                RoundOutcome.PAUSED,
                status,
                None,
                tally.delivered,
                tally.rejected,
                tally.pulled_pages,
                failure,
            )
        self._failures += 1
        delay = self.backoff.delay(self._failures, failure.retry_after_s)
        next_at = now + dt.timedelta(seconds=delay)
        state = (
            SyncState.OFFLINE
            if self._failures >= self.settings.offline_after
            else self._resting_after_failure()
        )
        with self.store.write() as session:
            outbox.release_in_flight(session, str(failure), next_at)
            if tally.clock_offset_s is not None:
                sync_state.record_contact(session, tally.clock_offset_s)
            sync_state.record_round(session, state, now, success=False, error=str(failure))
        # A network that comes and goes is normal; a server answering nonsense is not.
        level = logging.WARNING if failure.kind is FailureKind.BAD_RESPONSE else logging.INFO
        log.log(
            level, "sync attempt %d failed (%s); next in %.1f s", self._failures, failure, delay
        )
        status = self._publish(
            state, failure.message, reason=str(failure.kind), next_attempt_at=next_at
        )
        return RoundResult(
            RoundOutcome.RETRY,
            status,
            delay,
            tally.delivered,
            tally.rejected,
            tally.pulled_pages,
            failure,
        )

    def _resting_after_failure(self) -> SyncState:
        # A first failure after a success keeps "online" (with the reason shown);
        # a kiosk never yet in contact stays "offline".
        with self.store.read() as session:
            snap = sync_state.snapshot(session)
        return SyncState.ONLINE if snap.state == SyncState.ONLINE else SyncState.OFFLINE

    # --- push ------------------------------------------------------------------------

    def _push_all(self, client: Transport, device_id: str, tally: _Tally) -> None:
        """Push batch after batch, one durable commit per batch.

        The commit that records batch k's results also chooses batch k+1 and
        marks it in flight (with the pending count its request reports), so a
        drain of n batches commits n + 1 times instead of 2n: every commit is
        an fsync (synchronous=FULL), and the fsyncs were most of the kiosk's
        time per batch (bench/drain.py). The three rules still hold inside it:
        k+1 is in flight before its request leaves, and k is sent on the
        server's word only.
        """
        answered: tuple[list[QueuedMutation], Reply[PushResponse]] | None = None
        while True:
            unanswered = False
            with self.store.write() as session:
                if answered is not None:
                    unanswered = not self._record(session, *answered, tally)
                batch, body = ([], b"") if unanswered else self._take_batch(session, device_id)
                counts = (outbox.pending_count(session), outbox.needs_attention_count(session))
            if unanswered:
                # Committed first: what was in flight is queued again, same ids.
                raise SyncFailure(
                    FailureKind.BAD_RESPONSE, "the push answer has no result for any mutation sent"
                )
            if answered is not None:
                self._publish(SyncState.SYNCING, "", counts=counts)
                answered = None
            if not batch:
                return
            try:
                reply = client.push(body, pending=counts[0])
            except SyncFailure as failure:
                if failure.kind is FailureKind.TOO_LARGE:
                    self._shrink(batch, failure)
                    continue
                raise
            tally.clock_offset_s = reply.clock_offset_s
            answered = (batch, reply)

    def _take_batch(self, session: Session, device_id: str) -> tuple[list[QueuedMutation], bytes]:
        """The next due batch that can be sent, marked in flight, and its request body."""
        while True:
            batch = outbox.due_batch(session, self._batch_limit)
            if not batch:
                return [], b""
            body, batch = self._encode(session, device_id, batch)
            if batch:
                outbox.mark_in_flight(session, [m.id for m in batch], self._clock())
                return batch, body
            # every one was unsendable and is now in "needs attention": the next ones

    def _encode(
        self, session: Session, device_id: str, batch: list[QueuedMutation]
    ) -> tuple[bytes, list[QueuedMutation]]:
        """The request body for as much of ``batch`` as fits the byte limit."""
        mutations, unsendable = [], []
        for queued in batch:
            try:
                mutations.append(
                    Mutation(
                        id=queued.id,
                        seq=queued.seq,
                        type=queued.type,
                        occurred_at=queued.occurred_at,
                        payload=json.loads(queued.payload),
                    )
                )
            except (ValidationError, ValueError) as exc:
                unsendable.append(DeliveryResult(queued.id, False, INVALID_LOCAL_CODE, str(exc)))
        if unsendable:
            # Stored wrong (a bug): keep it, with its data, for staff; do not block the rest.
            log.error("%d queued mutations cannot be encoded", len(unsendable))
            outbox.record_results(session, unsendable, self._clock())
            bad = {r.id for r in unsendable}
            batch = [m for m in batch if m.id not in bad]
        if not batch:
            return b"", []
        while True:
            request = PushRequest(
                protocol=PROTOCOL_VERSION,
                device_id=device_id,
                app_version=self.settings.app_version,
                mutations=mutations,
            )
            body = request.model_dump_json().encode("utf-8")
            if len(body) <= self.settings.max_push_bytes or len(mutations) <= 1:
                return body, batch[: len(mutations)]
            mutations = mutations[: len(mutations) // 2]

    def _shrink(self, batch: Sequence[QueuedMutation], failure: SyncFailure) -> None:
        """413: halve the batch; a single mutation the server will never take goes to staff."""
        if len(batch) > 1:
            self._batch_limit = max(1, len(batch) // 2)
            log.info("push of %d too large; now at most %d", len(batch), self._batch_limit)
            with self.store.write() as session:
                outbox.release_in_flight(session, "too large; sending less at once", self._clock())
            return
        with self.store.write() as session:
            outbox.record_results(
                session,
                [DeliveryResult(batch[0].id, False, TOO_LARGE_CODE, failure.message)],
                self._clock(),
            )

    def _record(
        self,
        session: Session,
        batch: Sequence[QueuedMutation],
        reply: Reply[PushResponse],
        tally: _Tally,
    ) -> bool:
        """The server's answer to ``batch``, in the caller's transaction; False if it had none."""
        sent = {m.id for m in batch}
        results = [
            DeliveryResult(
                str(r.id),
                r.status in (MutationStatus.APPLIED, MutationStatus.DUPLICATE),
                r.code,
                r.message,
            )
            for r in reply.body.results
            if str(r.id) in sent
        ]
        now = self._clock()
        outbox.record_results(session, results, now, reply.body.server_time)
        # Ids the answer did not cover go back to the queue, same ids.
        outbox.release_in_flight(session, "no result for this mutation in the answer", now)
        tally.delivered += sum(r.delivered for r in results)
        tally.rejected += sum(not r.delivered for r in results)
        for result in results:
            if not result.delivered:
                log.warning("mutation %s rejected: %s %s", result.id, result.code, result.message)
        return bool(results)

    # --- pull ------------------------------------------------------------------------

    def _pull_all(self, client: Transport, tally: _Tally) -> None:
        for _ in range(MAX_PULL_PAGES_PER_ROUND):
            with self.store.read() as session:
                cursor = pulled.pull_cursor(session)
            reply = client.pull(cursor, self.settings.pull_limit)
            tally.clock_offset_s = reply.clock_offset_s
            page = to_pulled_page(reply.body)
            with self.store.write() as session:
                pulled.apply_page(session, page)
            tally.pulled_pages += 1
            if not reply.body.has_more:
                return
        log.warning("pull still has more after %d pages", MAX_PULL_PAGES_PER_ROUND)

    def _prune(self) -> None:
        """Forget sent mutations past retention, at most once per ``PRUNE_EVERY``.

        Finding them walks every sent row still kept (a month of a busy door);
        that walk is a read, and the deletes are short writes by id, so a
        citizen's submit never waits behind it.
        """
        now = self._clock()
        # A clock set back (corrected from the server's) starts the hour again.
        if self._pruned_at is not None and dt.timedelta(0) <= now - self._pruned_at < PRUNE_EVERY:
            return
        cutoff = now - self.settings.retention
        with self.store.read() as session:
            ids = outbox.prunable(session, cutoff)
        pruned = 0
        for start in range(0, len(ids), PRUNE_CHUNK):
            with self.store.write() as session:
                pruned += outbox.prune_ids(session, ids[start : start + PRUNE_CHUNK], cutoff)
        self._pruned_at = now
        if pruned:
            log.info("pruned %d sent mutations older than %s", pruned, cutoff)

    # --- client ----------------------------------------------------------------------

    def _client_for(self, url: str, token: str) -> Transport:
        if self._client is None or self._client_key != (url, token):
            if self._client is not None:
                self._client.close()
            self._client = self._client_factory(url, token)
            self._client_key = (url, token)
        return self._client

    def _default_client(self, url: str, token: str) -> SyncClient:
        return SyncClient(
            url,
            token,
            timeouts=self.settings.timeouts,
            clock=self._clock,
            printer_state=self._printer_state,
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def to_pulled_page(response: PullResponse) -> pulled.PulledPage:
    """The wire page as plain values for ``kiosk.pulled`` (which knows no pydantic)."""
    changes = response.changes
    page = pulled.PulledPage(cursor=response.cursor, reset=response.reset)
    for category in changes.categories:
        if category.deleted:
            page.deleted_categories.append(category.code)
        else:
            page.categories.append(
                pulled.PulledCategory(
                    category.code,
                    category.name_ko,
                    category.name_en,
                    category.icon,
                    category.sort_order,
                    category.active,
                )
            )
    for event in changes.events:
        if event.deleted:
            page.deleted_events.append(event.id)
        elif event.starts_at is None:
            log.warning("pulled event %s has no start time; ignored", event.id)
        else:
            page.events.append(
                pulled.PulledEvent(
                    id=event.id,
                    title_ko=event.title_ko,
                    title_en=event.title_en,
                    place_ko=event.place_ko,
                    place_en=event.place_en,
                    starts_at=_aware(event.starts_at),
                    ends_at=_aware(event.ends_at) if event.ends_at else None,
                    capacity=event.capacity,
                    taken_remote=event.taken,
                    offline_block=event.offline_block,
                    cancelled=event.cancelled,
                )
            )
    for registration in changes.registrations:
        if registration.deleted:
            page.deleted_registrations.append(str(registration.id))
        else:
            page.registrations.append(
                pulled.PulledRegistration(
                    id=str(registration.id),
                    event_id=registration.event_id,
                    status=RegistrationStatus(registration.status),
                    key_id=registration.key_id,
                    number=registration.number,
                    masked_name=registration.masked_name,
                    ticket_payload=registration.ticket_payload,
                    ticket_digest=registration.ticket_digest,
                    manual_code_digest=registration.manual_code_digest,
                    received_at=_aware(registration.received_at)
                    if registration.received_at
                    else None,
                )
            )
    page.signing_keys.extend(
        pulled.PulledKey(
            k.key_id, k.public_key, k.revoked, _aware(k.revoked_at) if k.revoked_at else None
        )
        for k in changes.signing_keys
    )
    page.revoked_tickets.extend(
        pulled.PulledTicketRevocation(t.key_id, t.event_id, t.number)
        for t in changes.revoked_tickets
    )
    for checkin in changes.checkins:
        if checkin.deleted:
            page.deleted_checkins.append(str(checkin.id))
        elif checkin.scanned_at is None:
            log.warning("pulled check-in %s has no scan time; ignored", checkin.id)
        else:
            page.checkins.append(_pulled_checkin(checkin))
    return page


def _pulled_checkin(checkin: CheckinChange) -> pulled.PulledCheckin:
    assert checkin.scanned_at is not None
    name = checkin.device_name or checkin.device_id
    return pulled.PulledCheckin(
        id=str(checkin.id),
        event_id=checkin.event_id,
        key_id=checkin.key_id,
        number=checkin.number,
        device_id=checkin.device_id,
        # "kiosk X (office)": staff at one door may not know another office's kiosk names.
        device_name=(f"{name} ({checkin.device_office})" if checkin.device_office else name)[:200],
        scanned_at=_aware(checkin.scanned_at),
        server_time=_aware(checkin.server_time) if checkin.server_time else None,
        flagged=checkin.flagged,
        flag_reason=checkin.flag_reason,
        undone=checkin.undone,
    )


def _aware(value: dt.datetime) -> dt.datetime:
    # The protocol speaks UTC; a server that drops the offset still means UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
