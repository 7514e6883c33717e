"""The store-backed check-in context: the same verdicts as the pure decision, from SQLite."""

from __future__ import annotations

import base64
import uuid

import pytest

from core.kinds import RegistrationStatus
from core.tickets import manual_code_of
from kiosk.checkin import (
    Admission,
    EventWindow,
    Reason,
    Verdict,
    VerdictKind,
    decide,
    decide_manual,
)
from kiosk.checkin_context import StoreCheckinContext, decide_code, decide_scan
from kiosk.models import CheckIn, Event, Registration, RevokedTicket
from kiosk.models import SigningKey as KeyRow
from tests.conftest import KioskDB
from tests.unit.kiosk.checkin_tickets import (
    KIOSK,
    KIOSK_KEY,
    LOST,
    LOST_KIOSK_KEY,
    SERVER,
    SERVER_KEY,
    STRANGER,
    STRANGER_KEY,
    ticket,
)
from tests.unit.kiosk.checkin_tickets import parsed as _parsed


def test_the_store_backed_context_gives_the_same_verdicts(kiosk_db: KioskDB) -> None:
    with kiosk_db.store.write() as session:
        event = session.get(Event, 1)
        assert event is not None
        window = EventWindow.of(event)
        day = min(window.days)
        session.add(
            KeyRow(key_id=KIOSK, public_key=base64.b64encode(bytes(KIOSK_KEY.verify_key)).decode())
        )
        session.add(
            KeyRow(
                key_id=LOST,
                public_key=base64.b64encode(bytes(LOST_KIOSK_KEY.verify_key)).decode(),
                revoked=True,
            )
        )
        session.add(KeyRow(key_id=STRANGER, public_key="not base64!"))
        texts = {n: ticket(n, event_id=1, day=day) for n in (1, 2, 3)}
        for n, text in texts.items():
            session.add(
                Registration(
                    id=str(uuid.uuid4()),
                    event_id=1,
                    status=RegistrationStatus.CONFIRMED,
                    receipt_code=f"2222222{n + 1}",
                    key_id=KIOSK,
                    number=n,
                    ticket=text,
                    manual_code=manual_code_of(_parsed(text)),
                    masked_name=f"김*{n}",
                    local=False,
                )
            )
        at = event.starts_at
        session.add(
            CheckIn(
                event_id=1, key_id=KIOSK, number=2, device_id="kiosk-2", scanned_at=at, local=False
            )
        )
        session.add(
            CheckIn(
                event_id=1, key_id=KIOSK, number=1, device_id="kiosk-1", scanned_at=at, undone=True
            )
        )
        session.add(RevokedTicket(key_id=KIOSK, event_id=1, number=3))

    def verdict(text: str) -> Verdict:
        with kiosk_db.store.read() as session:
            return decide(text, StoreCheckinContext(session, window), at)

    admitted = verdict(texts[1])  # its only admission was undone
    assert (admitted.kind, admitted.masked_name) == (VerdictKind.ADMIT, "김*1")
    already = verdict(texts[2])
    assert already.kind is VerdictKind.ALREADY
    assert already.previous == Admission(at, "kiosk-2")
    assert verdict(texts[3]).reason is Reason.REVOKED_TICKET
    assert (
        verdict(ticket(1, key_id=LOST, key=LOST_KIOSK_KEY, event_id=1, day=day)).reason
        is Reason.REVOKED_KEY
    )
    assert (
        verdict(ticket(1, key_id=STRANGER, key=STRANGER_KEY, event_id=1, day=day)).reason
        is Reason.UNKNOWN_KEY
    )
    assert (
        verdict(ticket(1, key_id=SERVER, key=SERVER_KEY, event_id=1, day=day)).reason
        is Reason.UNKNOWN_KEY
    )
    # What the check-in screen calls: one read transaction each.
    assert decide_scan(kiosk_db.store, 1, texts[2], at).kind is VerdictKind.ALREADY
    code = decide_code(kiosk_db.store, 1, manual_code_of(_parsed(texts[3])), at)
    assert isinstance(code, Verdict)
    assert code.reason is Reason.REVOKED_TICKET
    with pytest.raises(LookupError):
        decide_scan(kiosk_db.store, 999, texts[1], at)
    with kiosk_db.store.read() as session:
        manual = decide_manual(
            manual_code_of(_parsed(texts[1])), StoreCheckinContext(session, window), at
        )
    assert isinstance(manual, Verdict)
    assert (manual.kind, manual.masked_name) == (VerdictKind.ADMIT, "김*1")
