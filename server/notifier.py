"""Sending planned messages (server/notifications.py) exactly once, with retries staff can see.

A round: outside quiet hours, *claim* due rows with a lease (server.leases),
and for each:

1. a row left ``sending`` by a sender that died is first looked up at the
   provider (``Channel.find``): if the provider has it, it is ``sent`` and
   nothing goes out again;
2. a message no longer wanted is ``skipped``: the address opted out, or a
   reminder's sign-up was cancelled;
3. the row is marked ``sending`` (committed) before the channel is called,
   the address unsealed only now, the outcome settled under the lease:
   ``sent``, ``pending`` again after a backoff, or ``failed`` (refused for
   good, out of tries, or no channel configured), which staff see on the
   messages page.

Nothing about a citizen is logged: a row is named by its id and kind, and a
provider's error text is scrubbed of the address before it is kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nacl.public import PrivateKey
from sqlalchemy import and_, select, update

from core.clock import SEOUL
from core.kinds import RegistrationStatus
from core.links import status_page_url as status_url
from core.sealing import SealError
from server import leases
from server.channels import Channel, LookupFailed, Outcome, Outgoing, Verdict, configured_channels
from server.config import ServerSettings, parse_quiet_hours
from server.contacts import Medium, normalize, open_recipient
from server.db import Database
from server.message_texts import render
from server.models import (
    Event,
    Notification,
    NotificationState,
    OptOut,
    Registration,
    ServerIdentity,
    utcnow,
)

log = logging.getLogger("server.notifier")

BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=3)
CLAIM_BATCH = 50
# A provider asked about a message cut short looks this far back before the send.
FIND_MARGIN = dt.timedelta(minutes=10)
_REGISTRATION_KINDS = ("reminder", "promoted")


@dataclass
class RoundResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    held: bool = False

    def __str__(self) -> str:
        if self.held:
            return "quiet hours: nothing sent"
        return (
            f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}, "
            f"skipped {self.skipped}"
        )


def in_quiet_hours(quiet: str, now: dt.datetime) -> bool:
    window = parse_quiet_hours(quiet) if quiet else None
    if window is None:
        return False
    start, end = window
    local = now.astimezone(SEOUL).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # across midnight, as "21:00-08:00"


def scrub(text: str, address: str) -> str:
    """An error text with the address (as given and normalised) taken out."""
    for form in {address, normalize("phone", address), address.lower()}:
        if len(form) >= 4:
            text = text.replace(form, "***")
    return text


@dataclass
class Notifier:
    db: Database
    settings: ServerSettings
    channels: Mapping[Medium, Channel] = field(default_factory=dict)
    clock: Callable[[], dt.datetime] = utcnow
    rng: Callable[[], float] = random.random

    def __post_init__(self) -> None:
        with self.db.read() as session:
            identity = session.get(ServerIdentity, 1)
            assert identity is not None, "the server's keys are made before anything is sent"
            self._sealing_key = PrivateKey(identity.sealing_private_key)
        self.lease = dt.timedelta(seconds=max(1, self.settings.notify_lease))

    @classmethod
    def configured(cls, db: Database, settings: ServerSettings) -> Notifier:
        from server.keys import load_or_create_keys

        load_or_create_keys(db)  # a fresh database gets its keys before the first round
        return cls(db, settings, configured_channels(settings))

    def run_once(self) -> RoundResult:
        result = RoundResult()
        if in_quiet_hours(self.settings.notify_quiet_hours, self.clock()):
            result.held = True
            return result
        while True:
            now = self.clock()
            due = and_(
                Notification.state.in_(
                    [NotificationState.PENDING.value, NotificationState.SENDING.value]
                ),
                Notification.next_attempt_at <= now,
            )
            claimed = leases.claim(
                self.db, Notification, due, now, self.lease, limit=CLAIM_BATCH, rng=self.rng
            )
            if not claimed:
                return result
            for row_id, until in claimed:
                state = self.process(row_id, until)
                if state is NotificationState.SENT:
                    result.sent += 1
                elif state is NotificationState.PENDING:
                    result.retrying += 1
                elif state is NotificationState.FAILED:
                    result.failed += 1
                elif state is NotificationState.SKIPPED:
                    result.skipped += 1

    def process(self, row_id: int, until: dt.datetime) -> NotificationState | None:
        with self.db.read() as session:
            row = session.get(Notification, row_id)
            if row is None:
                return None
            skip = self._unwanted(session, row)
        if skip:
            return self._settle(row, until, NotificationState.SKIPPED, error=skip)
        try:
            medium, address = open_recipient(self._sealing_key, row.recipient_sealed)
        except SealError:
            return self._settle(row, until, NotificationState.FAILED, error="address unreadable")
        channel = self.channels.get(medium)
        if channel is None:
            error = f"no {'e-mail' if medium == 'email' else 'SMS'} channel is configured"
            return self._settle(row, until, NotificationState.FAILED, error=error)
        outgoing = Outgoing(row.key, row.kind, address, self._render(row))
        if row.state == NotificationState.SENDING:
            # A send was cut short (the sender died): ask before sending again.
            try:
                found = channel.find(outgoing, row.updated_at - FIND_MARGIN)
            except LookupFailed as exc:
                return self._retry(row, until, str(exc), attempts=row.attempts)
            if found is not None:
                return self._settle(row, until, NotificationState.SENT, provider_id=found)
        if not self._mark_sending(row, until):
            return None  # our lease ran out meanwhile: another sender has it
        outcome = channel.send(outgoing)
        return self._record(row, until, outcome, address)

    def _render(self, row: Notification) -> Any:
        url = status_url(self.settings.public_url, row.receipt_code)
        return render(row.kind, row.language, dict(row.facts), url)

    def _unwanted(self, session: Any, row: Notification) -> str:
        if session.get(OptOut, row.recipient_hash) is not None:
            return "the citizen asked for no more messages"
        if row.subject == "registration" and row.kind in _REGISTRATION_KINDS:
            registration = session.get(Registration, row.subject_id)
            if registration is None or registration.status != RegistrationStatus.CONFIRMED:
                return "the sign-up is no longer confirmed"
            event = session.get(Event, registration.event_id)
            if event is None or event.cancelled:
                return "the event was cancelled"
        return ""

    def _mark_sending(self, row: Notification, until: dt.datetime) -> bool:
        now = self.clock()
        with self.db.write() as session:
            done = session.execute(
                update(Notification)
                .where(Notification.id == row.id, Notification.leased_until == until)
                .values(
                    state=NotificationState.SENDING.value,
                    attempts=row.attempts + 1,
                    updated_at=now,
                )
            )
            return getattr(done, "rowcount", 0) == 1

    def _record(
        self, row: Notification, until: dt.datetime, outcome: Outcome, address: str
    ) -> NotificationState:
        error = scrub(outcome.error, address)
        attempts = row.attempts + 1
        if outcome.verdict is Verdict.SENT:
            return self._settle(
                row, until, NotificationState.SENT, provider_id=scrub(outcome.provider_id, address)
            )
        if outcome.verdict is Verdict.FAILED or attempts >= self.settings.notify_max_attempts:
            return self._settle(row, until, NotificationState.FAILED, error=error)
        return self._retry(row, until, error, attempts=attempts)

    def _retry(
        self, row: Notification, until: dt.datetime, error: str, *, attempts: int
    ) -> NotificationState:
        delay = leases.backoff(max(attempts, 1), BACKOFF_BASE, BACKOFF_CAP, self.rng)
        return self._settle(
            row,
            until,
            NotificationState.PENDING,
            error=error,
            next_attempt_at=self.clock() + delay,
        )

    def _settle(
        self,
        row: Notification,
        until: dt.datetime,
        state: NotificationState,
        *,
        error: str = "",
        provider_id: str = "",
        **more: Any,
    ) -> NotificationState:
        now = self.clock()
        values: dict[str, Any] = {
            "state": state.value,
            "last_error": error[:500],
            "updated_at": now,
            **more,
        }
        if provider_id:
            values["provider_id"] = provider_id[:200]
        if state is NotificationState.SENT:
            values["sent_at"] = now
        with self.db.write() as session:
            leases.settle(session, Notification, row.id, until, **values)
        level = logging.WARNING if state is NotificationState.FAILED else logging.INFO
        log.log(
            level,
            "notification %s (%s, %s): %s",
            row.id,
            row.kind,
            row.channel,
            state.value,
            extra={"fields": {"error": error[:200]} if error else {}},
        )
        return state


def run_forever(db: Database, settings: ServerSettings, stop: threading.Event) -> None:
    """Notifier rounds every ``notify_interval`` seconds until ``stop`` is set."""
    notifier = Notifier.configured(db, settings)
    while not stop.is_set():
        try:
            result = notifier.run_once()
            if result.sent or result.failed or result.retrying:
                log.info("notifier round: %s", result)
        except Exception:  # a bad round must not end messaging; the next one retries
            log.exception("notifier round failed")
        stop.wait(max(1, settings.notify_interval))


def due_counts(db: Database) -> dict[str, int]:
    """How many messages are in each state (the staff dashboard)."""
    from sqlalchemy import func

    with db.read() as session:
        return {
            state: int(count)
            for state, count in session.execute(
                select(Notification.state, func.count()).group_by(Notification.state)
            )
        }
