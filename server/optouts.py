"""Citizens stopping messages: from the status page (by receipt code) or by replying to an SMS.

An opt-out is kept as the address's HMAC (server/contacts.py), so the list of
people who said "no more" is not a list of phone numbers. The notifier checks
it before every send; the case stops planning new messages too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from server.contacts import contact_hash
from server.db import Database
from server.models import Notification, OptOut, Registration, Submission, utcnow

# What a reply must contain to stop messages (Korean law's 수신거부, and STOP).
STOP_WORDS = ("수신거부", "수신 거부", "STOP", "stop", "Stop")


def _add(session: object, recipient_hash: str, source: str, now: dt.datetime) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    if session.get(OptOut, recipient_hash) is None:
        session.add(OptOut(recipient_hash=recipient_hash, source=source, created_at=now))


def stop_by_receipt(db: Database, receipt_code: str, now: dt.datetime | None = None) -> bool:
    """Every address messages under this receipt code went (or were to go) to opts out."""
    now = now or utcnow()
    with db.write() as session:
        hashes = set(
            session.scalars(
                select(Notification.recipient_hash).where(Notification.receipt_code == receipt_code)
            )
        )
        for recipient_hash in hashes:
            _add(session, recipient_hash, "link", now)
        stopped = session.execute(
            update(Submission)
            .where(Submission.receipt_code == receipt_code, Submission.notify.is_(True))
            .values(notify=False)
        )
        stopped_signups = session.execute(
            update(Registration)
            .where(Registration.receipt_code == receipt_code, Registration.notify.is_(True))
            .values(notify=False)
        )
        changed = getattr(stopped, "rowcount", 0) + getattr(stopped_signups, "rowcount", 0)
        return bool(hashes) or changed > 0


def stop_by_reply(
    db: Database, contact_key: bytes, phone: str, text: str, now: dt.datetime | None = None
) -> bool:
    """An SMS answered with a stop word: that phone gets no more messages. False if not one."""
    if not any(word in text for word in STOP_WORDS):
        return False
    with db.write() as session:
        _add(session, contact_hash(contact_key, "phone", phone), "reply", now or utcnow())
    return True
