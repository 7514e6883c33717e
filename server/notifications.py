"""Planning messages to citizens: one ``notifications`` row per message, channel and address.

Rows are written in the same transaction as what they tell about (a record
arriving, staff changing a case, a place freed), keyed so that planning the
same message again is a no-op, and only for citizens who ticked the consent
box for messages. ``server.notifier`` sends them.

Kinds: ``received`` (the record reached the server; for a sign-up: confirmed
or on the waiting list), ``status`` (staff moved a case on, with the note the
citizen sees), ``reminder`` (the day before an event; planned for then, and
only when the sign-up came before that time), ``promoted`` (a place freed
from the waiting list), ``cancelled`` (a sign-up cancelled).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nacl.public import PrivateKey
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.reminders import gets_reminder, reminder_time
from server.contacts import Medium, contact_hash, mask, seal_recipient
from server.models import Notification, NotificationState, ServerIdentity, table_of

_notifications = table_of(Notification)
_PLAN = {
    "postgresql": postgresql.insert(_notifications).on_conflict_do_nothing(index_elements=["key"]),
    "sqlite": sqlite.insert(_notifications).on_conflict_do_nothing(index_elements=["key"]),
}


@dataclass(frozen=True)
class Subject:
    """What a message is about."""

    kind: str  # "submission" | "registration"
    id: str
    receipt_code: str
    language: str


def contacts_of(details: Mapping[str, Any]) -> list[tuple[Medium, str]]:
    """The addresses a citizen gave: a phone (SMS/KakaoTalk) and an e-mail, each if given."""
    found: list[tuple[Medium, str]] = []
    if str(details.get("phone", "")).strip():
        found.append(("phone", str(details["phone"]).strip()))
    if str(details.get("email", "")).strip():
        found.append(("email", str(details["email"]).strip()))
    return found


@dataclass(frozen=True)
class Planner:
    sealing_key: PrivateKey
    contact_key: bytes

    @staticmethod
    def load(session: Session) -> Planner:
        identity = session.get(ServerIdentity, 1)
        assert identity is not None and identity.contact_key is not None
        return Planner(PrivateKey(identity.sealing_private_key), identity.contact_key)

    def rows(
        self,
        subject: Subject,
        kind: str,
        step: str,
        facts: Mapping[str, Any],
        contacts: Iterable[tuple[Medium, str]],
        due: dt.datetime,
        now: dt.datetime,
    ) -> list[dict[str, Any]]:
        """The rows of one message to each address; ``step`` tells repeats of a kind apart."""
        rows = []
        for medium, address in contacts:
            channel = "email" if medium == "email" else "sms"
            rows.append(
                {
                    "key": f"{subject.kind}:{subject.id}:{kind}:{step}:{channel}",
                    "kind": kind,
                    "channel": channel,
                    "subject": subject.kind,
                    "subject_id": subject.id,
                    "receipt_code": subject.receipt_code,
                    "language": "en" if subject.language == "en" else "ko",
                    "facts": {"code": subject.receipt_code, **facts},
                    "recipient_sealed": seal_recipient(self.sealing_key, medium, address),
                    "recipient_hash": contact_hash(self.contact_key, medium, address),
                    "recipient_masked": mask(medium, address),
                    "state": NotificationState.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": due,
                    "provider_id": "",
                    "last_error": "",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        return rows


def write(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert planned rows; one already planned under the same key stays as it is."""
    if rows:
        conn.execute(_PLAN[conn.dialect.name], rows)


def event_facts(
    title_ko: str,
    title_en: str,
    place_ko: str,
    place_en: str,
    starts_at: dt.datetime,
    admission: str = "",
    *,
    waitlisted: bool = False,
) -> dict[str, Any]:
    return {
        "event_ko": title_ko,
        "event_en": title_en,
        "place_ko": place_ko,
        "place_en": place_en,
        "starts_at": starts_at.astimezone(dt.UTC).isoformat(),
        "admission": admission,
        "waitlisted": waitlisted,
    }


def signup_rows(
    planner: Planner,
    subject: Subject,
    phone: str,
    facts: Mapping[str, Any],
    starts_at: dt.datetime,
    signed_up_at: dt.datetime,
    now: dt.datetime,
    *,
    confirmed: bool,
    kind: str = "received",
    step: str = "0",
) -> list[dict[str, Any]]:
    """A sign-up's message of ``kind`` now, and for a confirmed place its reminder if due."""
    contacts: list[tuple[Medium, str]] = [("phone", phone)] if phone else []
    rows = planner.rows(subject, kind, step, facts, contacts, now, now)
    if confirmed and gets_reminder(signed_up_at, starts_at):
        when = reminder_time(starts_at)
        rows += planner.rows(subject, "reminder", "0", facts, contacts, max(when, now), now)
    return rows
