"""Delivering formal complaints to the city's existing Open311 (GeoReport v2) endpoints.

One ``deliveries`` row per complaint and destination records where it stands.
A round of the forwarder:

1. *plans*: every formal complaint whose category has a route (and that came
   in after the route was made) gets a ``pending`` row; a unique key makes a
   second forwarder's plan a no-op;
2. *claims* due rows with a lease (an UPDATE that only one forwarder wins), so
   several forwarders (or server machines) never send one complaint at once;
3. *sends* ``POST <endpoint>/requests.json`` (form-encoded) and records the
   answer: a ``service_request_id`` makes the row ``sent``; a ``token`` makes
   it ``accepted`` and later rounds ask ``GET <endpoint>/tokens/<token>.json``
   until the id is there. Network errors, timeouts, 429 and 5xx are retried
   with exponential backoff and jitter (honouring Retry-After); any other 4xx
   is ``failed`` for staff to look at. Nothing but a returned id ever makes a
   row ``sent``.

Open311 has no idempotency key: if the endpoint took a request but its answer
was lost (a read timeout), the retry may file the complaint twice there. The
receipt code can be mapped to an attribute so the city can spot such pairs;
losing a complaint would be worse than a duplicate.

Contact details (name, phone, e-mail) go out only when the citizen gave the
separate consent to share them (``share_contact``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from sqlalchemy import and_, select
from sqlalchemy.dialects import postgresql, sqlite

from core.dongs import dong_of
from core.reference import SEOUL_DISTRICTS
from server import leases
from server.db import Database
from server.models import (
    Delivery,
    DeliveryState,
    Device,
    ForwardDestination,
    ForwardRoute,
    Submission,
    SubmissionKind,
    table_of,
    utcnow,
)

log = logging.getLogger("server.forwarder")

MAX_DESCRIPTION = 4000
LEASE = dt.timedelta(minutes=2)
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=6)
TIMEOUTS = (5.0, 30.0)  # connect, read
CLAIM_BATCH = 50
PLAN_BATCH = 1000
_RETRYABLE_STATUS = frozenset({408, 425, 429})
_DISTRICTS = {d.code: d.ko for d in SEOUL_DISTRICTS}
_deliveries = table_of(Delivery)


@dataclass
class RoundResult:
    planned: int = 0
    sent: int = 0
    accepted: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (
            f"planned {self.planned}, sent {self.sent}, awaiting id {self.accepted}, "
            f"retrying {self.retrying}, failed {self.failed}"
        )


@dataclass(frozen=True)
class _Outcome:
    state: DeliveryState
    status: int | None = None
    error: str = ""
    service_request_id: str = ""
    token: str = ""
    retry_after: dt.timedelta | None = None


# --- what is sent ----------------------------------------------------------------------


def split_name(name: str) -> tuple[str, str]:
    """(first_name, last_name) for Open311: Korean names put the family name first."""
    name = " ".join(name.split())
    if not name:
        return "", ""
    parts = name.split(" ")
    hangul = any(unicodedata.name(ch, "").startswith("HANGUL") for ch in name)
    if hangul:
        if len(parts) > 1:
            return " ".join(parts[1:]), parts[0]
        # 김민수: family name 김; four syllables most often mean a two-syllable family name.
        cut = 2 if len(name) >= 4 else 1
        return name[cut:], name[:cut]
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


def clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def request_fields(
    submission: Submission,
    office: str,
    destination: ForwardDestination,
    service_code: str,
    attributes: Mapping[str, str],
) -> list[tuple[str, str]]:
    """The form fields of ``POST requests.json`` for one complaint."""
    details: Mapping[str, Any] = submission.details
    fields: list[tuple[str, str]] = []
    if destination.api_key:
        fields.append(("api_key", destination.api_key))
    if destination.jurisdiction_id:
        fields.append(("jurisdiction_id", destination.jurisdiction_id))
    fields.append(("service_code", service_code))
    address = str(details.get("address", "")).strip()
    if not address:
        # GeoReport needs a location; a kiosk complaint always has its district or office.
        district = _DISTRICTS.get(submission.district, "")
        known = dong_of(submission.district, submission.dong) if district else None
        place = f"{district} {known.ko}" if known else district
        address = f"서울특별시 {place}".strip() if district else office
    fields.append(("address_string", clip(address, 500)))
    fields.append(("description", clip(str(details.get("description", "")))))
    values = {
        "receipt_code": submission.receipt_code,
        "category": submission.category,
        "district": submission.district,
        "dong": submission.dong,
        "office": office,
        "kind": submission.kind,
        "created_at": submission.created_at.isoformat(),
    }
    for code, source in sorted(attributes.items()):
        value = source[1:] if source.startswith("=") else values.get(source, "")
        fields.append((f"attribute[{code}]", str(value)))
    if details.get("share_contact"):
        first, last = split_name(str(details.get("name", "")))
        for key, value in (
            ("first_name", first),
            ("last_name", last),
            ("phone", details.get("phone", "")),
            ("email", details.get("email", "")),
        ):
            if value:
                fields.append((key, str(value)))
    return fields


# --- reading answers -------------------------------------------------------------------


def _retry_after(response: requests.Response) -> dt.timedelta | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return dt.timedelta(seconds=min(int(value), int(BACKOFF_CAP.total_seconds())))
    return None


def _describe(response: requests.Response) -> str:
    """The endpoint's own error description ([{code, description}]) or the status line."""
    try:
        body = response.json()
        if isinstance(body, list) and body and isinstance(body[0], dict):
            return str(body[0].get("description", ""))[:500] or response.reason
    except ValueError:
        pass
    return f"{response.status_code} {response.reason}"[:500]


def read_answer(response: requests.Response) -> _Outcome:
    status = response.status_code
    if status >= 500 or status in _RETRYABLE_STATUS:
        return _Outcome(
            DeliveryState.PENDING, status, _describe(response), retry_after=_retry_after(response)
        )
    if status >= 400:
        return _Outcome(DeliveryState.FAILED, status, _describe(response))
    try:
        body = response.json()
    except ValueError:
        return _Outcome(DeliveryState.PENDING, status, "the answer is not JSON")
    first = body[0] if isinstance(body, list) and body else body
    if not isinstance(first, dict):
        return _Outcome(DeliveryState.PENDING, status, "the answer holds no request")
    request_id = str(first.get("service_request_id") or "").strip()[:200]
    token = str(first.get("token") or "").strip()[:200]
    if request_id:
        return _Outcome(DeliveryState.SENT, status, service_request_id=request_id, token=token)
    if token:
        return _Outcome(DeliveryState.ACCEPTED, status, token=token)
    return _Outcome(DeliveryState.PENDING, status, "the answer has neither id nor token")


# --- the forwarder ---------------------------------------------------------------------


def backoff(attempts: int, rng: Callable[[], float] = random.random) -> dt.timedelta:
    """Delay before the next try: doubling from BACKOFF_BASE up to BACKOFF_CAP, jittered."""
    return leases.backoff(attempts, BACKOFF_BASE, BACKOFF_CAP, rng)


class Forwarder:
    def __init__(
        self,
        db: Database,
        http: requests.Session | None = None,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        rng: Callable[[], float] = random.random,
        timeouts: tuple[float, float] = TIMEOUTS,
    ) -> None:
        self.db = db
        self.http = http or requests.Session()
        self.http.headers.setdefault("User-Agent", "civic-kiosk-forwarder/1")
        self.clock = clock
        self.rng = rng
        self.timeouts = timeouts

    def close(self) -> None:
        self.http.close()

    def run_once(self) -> RoundResult:
        result = RoundResult(planned=self.plan())
        while True:
            claimed = self.claim()
            if not claimed:
                return result
            for delivery_id, lease in claimed:
                state = self.process(delivery_id, lease)
                if state is DeliveryState.SENT:
                    result.sent += 1
                elif state is DeliveryState.ACCEPTED:
                    result.accepted += 1
                elif state is DeliveryState.FAILED:
                    result.failed += 1
                elif state is DeliveryState.PENDING:
                    result.retrying += 1

    def plan(self) -> int:
        """Make a pending delivery for each routed complaint that has none yet."""
        now = self.clock()
        query = (
            select(Submission.id, ForwardRoute.destination, ForwardRoute.service_code)
            .join(ForwardRoute, ForwardRoute.category == Submission.category)
            .join(ForwardDestination, ForwardDestination.name == ForwardRoute.destination)
            .outerjoin(
                Delivery,
                and_(
                    Delivery.submission_id == Submission.id,
                    Delivery.destination == ForwardRoute.destination,
                ),
            )
            .where(
                Submission.kind == SubmissionKind.COMPLAINT.value,
                ForwardDestination.active.is_(True),
                Submission.received_at >= ForwardRoute.created_at,
                Delivery.id.is_(None),
            )
            .limit(PLAN_BATCH)
        )
        with self.db.write() as session:
            rows = session.execute(query).all()
            if not rows:
                return 0
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            insert = dialect.insert(_deliveries).on_conflict_do_nothing(
                index_elements=["submission_id", "destination"]
            )
            session.execute(
                insert,
                [
                    {
                        "submission_id": sid,
                        "destination": dest,
                        "service_code": code,
                        "state": DeliveryState.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "service_request_id": "",
                        "token": "",
                        "last_error": "",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for sid, dest, code in rows
                ],
            )
        return len(rows)

    def claim(self, limit: int = CLAIM_BATCH) -> list[tuple[int, dt.datetime]]:
        """Due deliveries this forwarder now holds, each with its lease's end."""
        now = self.clock()
        due = and_(
            Delivery.state.in_([DeliveryState.PENDING.value, DeliveryState.ACCEPTED.value]),
            Delivery.next_attempt_at <= now,
        )
        return leases.claim(self.db, Delivery, due, now, LEASE, limit=limit, rng=self.rng)

    def process(self, delivery_id: int, lease: dt.datetime) -> DeliveryState | None:
        with self.db.read() as session:
            row = session.execute(
                select(Delivery, Submission, ForwardDestination, ForwardRoute, Device.office)
                .join(Submission, Submission.id == Delivery.submission_id)
                .join(ForwardDestination, ForwardDestination.name == Delivery.destination)
                .outerjoin(
                    ForwardRoute,
                    and_(
                        ForwardRoute.destination == Delivery.destination,
                        ForwardRoute.category == Submission.category,
                    ),
                )
                .outerjoin(Device, Device.id == Submission.device_id)
                .where(Delivery.id == delivery_id)
            ).first()
        if row is None:
            return None
        delivery, submission, destination, routed, office = row
        route: ForwardRoute | None = routed  # an outer join: None once the route is removed
        if delivery.state == DeliveryState.ACCEPTED:
            outcome = self._resolve_token(destination, delivery.token)
        elif route is None:
            outcome = _Outcome(DeliveryState.FAILED, None, "the route was removed before sending")
        else:
            outcome = self._send(
                destination,
                request_fields(
                    submission, office or "", destination, delivery.service_code, route.attributes
                ),
            )
        self._record(delivery, outcome, lease)
        return outcome.state

    def _send(self, destination: ForwardDestination, fields: list[tuple[str, str]]) -> _Outcome:
        try:
            response = self.http.post(
                destination.endpoint + "/requests.json",
                data=fields,
                timeout=self.timeouts,
                headers={"Accept": "application/json"},
            )
        except requests.RequestException as exc:
            # A read timeout may mean the endpoint filed it; see the module docstring.
            return _Outcome(DeliveryState.PENDING, None, f"{type(exc).__name__}: {exc}"[:500])
        return read_answer(response)

    def _resolve_token(self, destination: ForwardDestination, token: str) -> _Outcome:
        params = {
            k: v
            for k, v in (
                ("api_key", destination.api_key),
                ("jurisdiction_id", destination.jurisdiction_id),
            )
            if v
        }
        try:
            response = self.http.get(
                f"{destination.endpoint}/tokens/{quote(token, safe='')}.json",
                params=params,
                timeout=self.timeouts,
                headers={"Accept": "application/json"},
            )
        except requests.RequestException as exc:
            return _Outcome(
                DeliveryState.ACCEPTED, None, f"{type(exc).__name__}: {exc}"[:500], token=token
            )
        outcome = read_answer(response)
        if outcome.state is DeliveryState.SENT:
            return outcome
        # Not known yet (or the look-up failed): keep the token and ask again later.
        return _Outcome(
            DeliveryState.ACCEPTED,
            outcome.status,
            outcome.error or "no id yet",
            token=token,
            retry_after=outcome.retry_after,
        )

    def _record(self, delivery: Delivery, outcome: _Outcome, lease: dt.datetime) -> None:
        now = self.clock()
        attempts = delivery.attempts + 1
        values: dict[str, Any] = {
            "state": outcome.state.value,
            "attempts": attempts,
            "last_status": outcome.status,
            "last_error": outcome.error,
            "updated_at": now,
        }
        if outcome.service_request_id:
            values["service_request_id"] = outcome.service_request_id
        if outcome.token:
            values["token"] = outcome.token
        if outcome.state is DeliveryState.SENT:
            values["sent_at"] = now
        else:
            delay = backoff(attempts, self.rng)
            if outcome.retry_after is not None:
                delay = max(delay, outcome.retry_after)
            values["next_attempt_at"] = now + delay
        level = (
            logging.WARNING
            if outcome.state in (DeliveryState.PENDING, DeliveryState.FAILED)
            else logging.INFO
        )
        log.log(
            level,
            "delivery %s to %s: %s",
            delivery.id,
            delivery.destination,
            outcome.state,
            extra={
                "fields": {"status": outcome.status, "error": outcome.error, "attempts": attempts}
            },
        )
        with self.db.write() as session:
            # Only while our lease holds: had it run out and another forwarder
            # taken over, its answer is the one to keep.
            leases.settle(session, Delivery, delivery.id, lease, **values)


def run_forever(db: Database, interval_s: float, stop: threading.Event) -> None:
    """Forwarder rounds every ``interval_s`` seconds until ``stop`` is set."""
    forwarder = Forwarder(db)
    try:
        while not stop.is_set():
            try:
                result = forwarder.run_once()
                if result.planned or result.sent or result.failed or result.retrying:
                    log.info("forwarder round: %s", result)
            except Exception:  # a bad round must not end forwarding; the next one retries
                log.exception("forwarder round failed")
            stop.wait(interval_s)
    finally:
        forwarder.close()
