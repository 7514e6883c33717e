"""The check-in verdict: green, amber or red with its reason, from local state alone.

The proof the issue asks for: real QR images made with ``qrcode`` and read
back with zxing-cpp, and not one wrongly accepted among valid, tampered (each
byte), truncated, random, huge, other event, other day, revoked ticket,
unknown key and revoked key.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey
from PIL import Image
from sqlalchemy import select

from core.clock import SEOUL
from core.kinds import RegistrationStatus
from core.payloads import CheckinPayload, MutationType
from core.receipts import check_character, format_code
from core.tickets import (
    PREFIX,
    ParsedTicket,
    TicketFlags,
    TicketIdentity,
    TicketPayload,
    encode_ticket,
    manual_code_of,
    parse_ticket,
    ticket_qr_image,
)
from kiosk.checkin import (
    UNDO_WINDOW_S,
    Admission,
    Ambiguous,
    EventWindow,
    KeyRecord,
    Reason,
    RegistrationInfo,
    StoreCheckinContext,
    UndoOutcome,
    Verdict,
    VerdictKind,
    checkin_payload,
    decide,
    decide_code,
    decide_manual,
    decide_scan,
    events_today,
    flagged_admissions,
    record_admission,
    ticket_log,
    undo_admission,
)
from kiosk.identity import NotEnrolled
from kiosk.models import (
    CheckIn,
    DeviceIdentity,
    Event,
    MutationState,
    OutboxMutation,
    Registration,
    RevokedTicket,
)
from kiosk.models import (
    SigningKey as KeyRow,
)
from kiosk.signups import SignupForm, sign_up
from kiosk.submissions import Consent
from tests.conftest import NOW as ENROLLED_AT
from tests.conftest import KioskDB

EVENT = 42
DAY = dt.date(2026, 11, 30)
# 10:00 in Seoul on the event day.
NOW = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
KIOSK_KEY = SigningKey(bytes(range(32)))
SERVER_KEY = SigningKey(bytes(range(100, 132)))
LOST_KIOSK_KEY = SigningKey(bytes(range(50, 82)))
STRANGER_KEY = SigningKey(bytes(range(200, 232)))
KIOSK, SERVER, LOST, STRANGER = 7, 1, 9, 13
UNUSED_CODE = "2222222" + check_character("2222222")


def ticket(
    number: int = 1,
    *,
    key_id: int = KIOSK,
    key: SigningKey = KIOSK_KEY,
    event_id: int = EVENT,
    day: dt.date = DAY,
    ticket_type: int = 0,
    flags: int = 0,
) -> str:
    return encode_ticket(TicketPayload(key_id, event_id, number, ticket_type, day, flags), key)


@dataclass
class FakeContext:
    """The check-in state as plain dicts: what the SQLite store provides in production."""

    event: EventWindow = field(default_factory=lambda: EventWindow(EVENT, frozenset({DAY})))
    keys: dict[int, KeyRecord] = field(
        default_factory=lambda: {
            KIOSK: KeyRecord(bytes(KIOSK_KEY.verify_key)),
            SERVER: KeyRecord(bytes(SERVER_KEY.verify_key)),
            LOST: KeyRecord(bytes(LOST_KIOSK_KEY.verify_key), revoked=True),
        }
    )
    revoked: set[TicketIdentity] = field(default_factory=set)
    log: dict[TicketIdentity, list[Admission]] = field(default_factory=dict)
    registrations: dict[TicketIdentity, RegistrationInfo] = field(default_factory=dict)

    def signing_key(self, key_id: int) -> KeyRecord | None:
        return self.keys.get(key_id)

    def is_ticket_revoked(self, identity: TicketIdentity) -> bool:
        return identity in self.revoked

    def admissions(self, identity: TicketIdentity) -> Sequence[Admission]:
        return self.log.get(identity, [])

    def registration(self, identity: TicketIdentity) -> RegistrationInfo | None:
        return self.registrations.get(identity)

    def registrations_by_manual_code(self, code: str) -> Sequence[RegistrationInfo]:
        return [r for r in self.registrations.values() if manual_code_of(_parsed(r.ticket)) == code]

    def register(self, text: str, masked_name: str = "", *, cancelled: bool = False) -> None:
        identity = _parsed(text).identity
        self.registrations[identity] = RegistrationInfo(identity, masked_name, text, cancelled)


def _parsed(text: str) -> ParsedTicket:
    result = parse_ticket(text)
    assert isinstance(result, ParsedTicket), result
    return result


@pytest.fixture
def ctx() -> FakeContext:
    return FakeContext()


def scan_qr(text: str) -> str:
    """Render the ticket as a QR image and read it back with zxing-cpp, as a camera would."""
    image = ticket_qr_image(text, box_size=4) if text.startswith(PREFIX) else _any_qr(text)
    [barcode] = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return barcode.text


def _any_qr(text: str) -> Image.Image:
    import qrcode

    code = qrcode.QRCode(border=4, box_size=2)
    code.add_data(text)
    code.make(fit=True)
    image: Image.Image = code.make_image().get_image().convert("L")
    return image


def tampered(text: str, position: int, mask: int) -> str:
    raw = bytearray(base64.b32decode(text[len(PREFIX) :]))
    raw[position] ^= mask
    return PREFIX + base64.b32encode(bytes(raw)).decode("ascii")


# --- green --------------------------------------------------------------------------------


def test_a_valid_ticket_is_welcomed_with_type_and_masked_name(ctx: FakeContext) -> None:
    text = ticket(5, ticket_type=1)
    ctx.register(text, "김*수")
    verdict = decide(scan_qr(text), ctx, NOW)
    assert verdict == Verdict(
        VerdictKind.ADMIT,
        identity=TicketIdentity(KIOSK, EVENT, 5),
        masked_name="김*수",
        ticket_type=1,
    )
    assert verdict.message_key == "checkin.admit"
    assert verdict.ticket_type_key == "ticket.type.accessible"


def test_a_ticket_this_kiosk_has_not_pulled_yet_is_still_welcomed(ctx: FakeContext) -> None:
    # An online sign-up made after the last pull: the server's signature is enough.
    verdict = decide(ticket(77, key_id=SERVER, key=SERVER_KEY), ctx, NOW)
    assert verdict.kind is VerdictKind.ADMIT
    assert verdict.masked_name == ""


def test_any_time_of_the_event_day_in_seoul_counts(ctx: FakeContext) -> None:
    text = ticket()
    first_minute = dt.datetime.combine(DAY, dt.time(0, 0), tzinfo=SEOUL)
    last_minute = dt.datetime.combine(DAY, dt.time(23, 59), tzinfo=SEOUL)
    assert decide(text, ctx, first_minute).kind is VerdictKind.ADMIT
    assert decide(text, ctx, last_minute).kind is VerdictKind.ADMIT
    assert decide(text, ctx, last_minute + dt.timedelta(minutes=1)).reason is Reason.WRONG_DAY
    # 14:59 UTC on the day before is already 23:59 in Seoul... of the day before.
    assert decide(text, ctx, first_minute - dt.timedelta(minutes=1)).reason is Reason.WRONG_DAY


def test_an_event_pass_is_valid_on_every_later_day_of_the_event() -> None:
    days = frozenset(DAY + dt.timedelta(days=n) for n in range(3))
    ctx = FakeContext(event=EventWindow(EVENT, days))
    text = ticket(flags=TicketFlags.EVENT_PASS)
    day_ticket = ticket(2)
    for n in range(3):
        at = NOW + dt.timedelta(days=n)
        assert decide(text, ctx, at).kind is VerdictKind.ADMIT
        assert decide(day_ticket, ctx, at).kind is (
            VerdictKind.ADMIT if n == 0 else VerdictKind.INVALID
        )
    assert decide(text, ctx, NOW + dt.timedelta(days=3)).reason is Reason.WRONG_DAY


def test_unknown_ticket_types_are_shown_as_standard(ctx: FakeContext) -> None:
    verdict = decide(ticket(ticket_type=200), ctx, NOW)
    assert verdict.kind is VerdictKind.ADMIT
    assert verdict.ticket_type_key == "ticket.type.standard"


# --- amber --------------------------------------------------------------------------------


def test_a_second_scan_is_already_checked_in_with_first_time_and_kiosk(ctx: FakeContext) -> None:
    text = ticket(3)
    ctx.register(text, "이*")
    first = Admission(dt.datetime(2026, 11, 30, 0, 41, tzinfo=dt.UTC), "kiosk-2")
    later = Admission(dt.datetime(2026, 11, 30, 0, 50, tzinfo=dt.UTC), "kiosk-1")
    ctx.log[TicketIdentity(KIOSK, EVENT, 3)] = [later, first]  # a synced one and our own
    verdict = decide(scan_qr(text), ctx, NOW)
    assert verdict.kind is VerdictKind.ALREADY
    assert verdict.previous == first
    assert verdict.masked_name == "이*"
    assert verdict.message_key == "checkin.already"
    assert verdict.previous.at.astimezone(SEOUL).strftime("%H:%M") == "09:41"


# --- red: the proof -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (ticket(event_id=43), Reason.WRONG_EVENT),
        (ticket(day=DAY - dt.timedelta(days=1)), Reason.WRONG_DAY),
        (ticket(day=DAY + dt.timedelta(days=1)), Reason.WRONG_DAY),
        (ticket(key_id=STRANGER, key=STRANGER_KEY), Reason.UNKNOWN_KEY),
        (ticket(key_id=LOST, key=LOST_KIOSK_KEY), Reason.REVOKED_KEY),
        # A forger who knows the kiosk's key id but not its key.
        (ticket(key_id=KIOSK, key=STRANGER_KEY), Reason.BAD_SIGNATURE),
        # A revoked key's id on a ticket it did not sign is a forgery, not "revoked".
        (ticket(key_id=LOST, key=STRANGER_KEY), Reason.BAD_SIGNATURE),
        (ticket()[:-10], Reason.MALFORMED),
        ("CK2" + ticket()[3:], Reason.MALFORMED),
        ("https://example.org/event/42", Reason.MALFORMED),
        (
            "".join(random.Random(1).choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", k=1800)),
            Reason.MALFORMED,
        ),
    ],
    ids=[
        "other-event",
        "yesterday",
        "tomorrow",
        "unknown-key",
        "revoked-key",
        "forged-with-known-key-id",
        "forged-with-revoked-key-id",
        "truncated",
        "other-version",
        "other-qr",
        "huge-qr",
    ],
)
def test_through_a_real_qr_each_refusal_names_its_reason(
    ctx: FakeContext, text: str, reason: Reason
) -> None:
    verdict = decide(scan_qr(text), ctx, NOW)
    assert (verdict.kind, verdict.reason) == (VerdictKind.INVALID, reason)
    assert verdict.message_key == f"checkin.invalid.{reason}"


def test_a_revoked_ticket_is_refused(ctx: FakeContext) -> None:
    text = ticket(8)
    ctx.revoked.add(TicketIdentity(KIOSK, EVENT, 8))
    verdict = decide(scan_qr(text), ctx, NOW)
    assert (verdict.kind, verdict.reason) == (VerdictKind.INVALID, Reason.REVOKED_TICKET)


def test_a_cancelled_registration_is_refused_like_a_revoked_ticket(ctx: FakeContext) -> None:
    text = ticket(9)
    ctx.register(text, "박*연", cancelled=True)
    assert decide(text, ctx, NOW).reason is Reason.REVOKED_TICKET


def test_no_tampered_byte_is_ever_admitted(ctx: FakeContext) -> None:
    """Every byte of payload and signature, one bit and all bits, through a real QR."""
    text = ticket(11)
    reasons = set()
    for position in range(80):
        for mask in (0x01, 0xFF):
            verdict = decide(scan_qr(tampered(text, position, mask)), ctx, NOW)
            assert verdict.kind is VerdictKind.INVALID, (position, mask)
            reasons.add(verdict.reason)
    # Changing the key id mostly lands on an unknown key; everything else fails the signature.
    assert reasons == {Reason.BAD_SIGNATURE, Reason.UNKNOWN_KEY}


def test_every_truncation_is_malformed(ctx: FakeContext) -> None:
    text = ticket()
    for length in range(len(text)):
        assert decide(text[:length], ctx, NOW).reason is Reason.MALFORMED


def test_a_megabyte_from_a_runaway_scanner_is_malformed(ctx: FakeContext) -> None:
    assert decide(ticket() * 8000, ctx, NOW).reason is Reason.MALFORMED


@settings(max_examples=300)
@given(st.binary(min_size=80, max_size=80))
def test_random_bytes_in_ticket_form_are_never_admitted(raw: bytes) -> None:
    text = PREFIX + base64.b32encode(raw).decode("ascii")
    verdict = decide(text, FakeContext(), NOW)
    assert verdict.kind is VerdictKind.INVALID
    assert verdict.reason in {Reason.UNKNOWN_KEY, Reason.BAD_SIGNATURE}


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_random_text_never_raises_and_is_never_admitted(text: str) -> None:
    verdict = decide(text, FakeContext(), NOW)
    assert verdict.kind is VerdictKind.INVALID


def test_an_unusable_stored_key_counts_as_unknown(ctx: FakeContext) -> None:
    ctx.keys[KIOSK] = KeyRecord(b"short")
    assert decide(ticket(), ctx, NOW).reason is Reason.UNKNOWN_KEY


def test_invalid_verdicts_of_genuine_tickets_say_which_ticket(ctx: FakeContext) -> None:
    verdict = decide(ticket(4, event_id=43), ctx, NOW)
    assert verdict.identity == TicketIdentity(KIOSK, 43, 4)
    # A forgery names nothing: its contents are not to be believed.
    assert decide(ticket(key_id=KIOSK, key=STRANGER_KEY), ctx, NOW).masked_name == ""


def test_a_naive_time_is_a_programming_error(ctx: FakeContext) -> None:
    with pytest.raises(ValueError):
        decide(ticket(), ctx, NOW.replace(tzinfo=None))


# --- the manual code ----------------------------------------------------------------------


def test_a_typed_manual_code_is_judged_as_its_ticket(ctx: FakeContext) -> None:
    text = ticket(21)
    ctx.register(text, "최*호")
    code = manual_code_of(_parsed(text))
    verdict = decide_manual(f" {format_code(code).lower()} ", ctx, NOW)
    assert isinstance(verdict, Verdict)
    assert (verdict.kind, verdict.masked_name) == (VerdictKind.ADMIT, "최*호")
    ctx.log[verdict.identity] = [Admission(NOW, "kiosk-1")]  # type: ignore[index]
    assert decide_manual(code, ctx, NOW).kind is VerdictKind.ALREADY  # type: ignore[union-attr]


def test_a_mistyped_manual_code_is_malformed_and_an_unknown_one_is_unknown(
    ctx: FakeContext,
) -> None:
    text = ticket(22)
    ctx.register(text)
    code = manual_code_of(_parsed(text))
    typo = code[:3] + ("2" if code[3] != "2" else "3") + code[4:]
    assert decide_manual(typo, ctx, NOW) == Verdict(VerdictKind.INVALID, Reason.MALFORMED)
    assert decide_manual("X" * 10_000, ctx, NOW) == Verdict(VerdictKind.INVALID, Reason.MALFORMED)
    assert decide_manual(UNUSED_CODE, ctx, NOW) == Verdict(VerdictKind.INVALID, Reason.UNKNOWN_CODE)


def test_manual_codes_share_the_rules_of_the_ticket(ctx: FakeContext) -> None:
    for text, reason in [
        (ticket(23, event_id=43), Reason.WRONG_EVENT),
        (ticket(24, key_id=LOST, key=LOST_KIOSK_KEY), Reason.REVOKED_KEY),
    ]:
        ctx.register(text)
        verdict = decide_manual(manual_code_of(_parsed(text)), ctx, NOW)
        assert isinstance(verdict, Verdict)
        assert verdict.reason is reason


class TwinContext(FakeContext):
    """Every registration answers to one code, as if all their codes collided."""

    def registrations_by_manual_code(self, code: str) -> Sequence[RegistrationInfo]:
        return list(self.registrations.values())


def test_a_shared_manual_code_lists_the_candidates_of_this_event() -> None:
    ctx = TwinContext()
    ctx.register(ticket(31), "김*수")
    ctx.register(ticket(32), "정*")
    ctx.register(ticket(33, event_id=43), "한*희")  # another event's twin is left out
    result = decide_manual(UNUSED_CODE, ctx, NOW)
    assert isinstance(result, Ambiguous)
    assert sorted(v.masked_name for v in result.candidates) == ["김*수", "정*"]
    assert all(v.kind is VerdictKind.ADMIT for v in result.candidates)


def test_a_registration_without_a_readable_ticket_is_named_but_refused() -> None:
    ctx = TwinContext()
    identity = TicketIdentity(KIOSK, EVENT, 40)
    ctx.registrations[identity] = RegistrationInfo(identity, "오*", ticket="")
    verdict = decide_manual(UNUSED_CODE, ctx, NOW)
    assert verdict == Verdict(VerdictKind.INVALID, Reason.MALFORMED, identity, "오*")


# --- what gets recorded -------------------------------------------------------------------


def test_an_admission_becomes_a_checkin_payload(ctx: FakeContext) -> None:
    verdict = decide(ticket(5), ctx, NOW)
    assert checkin_payload(verdict, NOW, "manual") == CheckinPayload(
        event_id=EVENT, key_id=KIOSK, number=5, scanned_at=NOW, source="manual"
    )


@pytest.mark.parametrize("kind", [VerdictKind.ALREADY, VerdictKind.INVALID])
def test_only_admissions_are_recorded(ctx: FakeContext, kind: VerdictKind) -> None:
    verdict = Verdict(kind, identity=TicketIdentity(KIOSK, EVENT, 5))
    with pytest.raises(ValueError):
        checkin_payload(verdict, NOW)


def test_event_window_covers_each_seoul_day_the_event_touches() -> None:
    starts = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)  # 23:00 in Seoul
    window = EventWindow.spanning(EVENT, starts, starts + dt.timedelta(hours=2))
    assert window.days == frozenset({DAY, DAY + dt.timedelta(days=1)})
    assert EventWindow.spanning(EVENT, starts, None).days == frozenset({DAY})


# --- backed by the kiosk store ------------------------------------------------------------


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


# --- recording admissions, and taking one back --------------------------------------------

DOOR_EVENT = 3  # a demo event; its sign-ups are made before it starts
CONSENT = Consent(version="2026-11", required=True)


@dataclass(frozen=True)
class Door:
    """A kiosk store with a citizen signed up here, and the time the event starts."""

    db: KioskDB
    ticket: str
    manual_code: str
    at: dt.datetime

    def outbox(self) -> list[OutboxMutation]:
        with self.db.store.read() as session:
            return list(
                session.scalars(
                    select(OutboxMutation)
                    .where(OutboxMutation.type == MutationType.CHECKIN)
                    .order_by(OutboxMutation.seq)
                )
            )

    def checkins(self) -> list[CheckIn]:
        with self.db.store.read() as session:
            return list(session.scalars(select(CheckIn).order_by(CheckIn.scanned_at)))


@pytest.fixture
def door(kiosk_db: KioskDB) -> Door:
    receipt = sign_up(
        kiosk_db.store, DOOR_EVENT, SignupForm("김민수", "010-1234-5678"), CONSENT, now=ENROLLED_AT
    )
    with kiosk_db.store.read() as session:
        event = session.get(Event, DOOR_EVENT)
        assert event is not None
    return Door(kiosk_db, receipt.ticket, receipt.manual_code, event.starts_at)


def test_an_admission_is_logged_and_queued_in_one_go(door: Door) -> None:
    verdict = record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)

    assert isinstance(verdict, Verdict)
    assert (verdict.kind, verdict.masked_name) == (VerdictKind.ADMIT, "김*수")
    [row] = door.checkins()
    [mutation] = door.outbox()
    # One id end to end: the log row is the mutation, and the server's echo finds it.
    assert row.id == mutation.id == verdict.checkin_id
    assert (row.local, row.device_id, row.scanned_at, row.undone) == (
        True,
        "kiosk-test-1",
        door.at,
        False,
    )
    payload = CheckinPayload.model_validate_json(mutation.payload or "")
    assert payload == CheckinPayload(
        event_id=DOOR_EVENT, key_id=row.key_id, number=row.number, scanned_at=door.at
    )
    # Admissions carry no undo_of at all: they read exactly as before undo existed.
    assert "undo_of" not in (mutation.payload or "")


def test_a_second_scan_is_already_and_records_nothing(door: Door) -> None:
    record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    later = door.at + dt.timedelta(minutes=3)

    verdict = record_admission(door.db.store, DOOR_EVENT, door.ticket, later)

    assert isinstance(verdict, Verdict)
    assert verdict.kind is VerdictKind.ALREADY
    assert verdict.previous == Admission(door.at, "kiosk-test-1", this_kiosk=True)
    assert verdict.checkin_id is None
    assert (len(door.checkins()), len(door.outbox())) == (1, 1)


@pytest.mark.parametrize("scanned", ["CK1GARBAGE", "hello", ""])
def test_a_refused_scan_records_nothing(door: Door, scanned: str) -> None:
    verdict = record_admission(door.db.store, DOOR_EVENT, scanned, door.at)

    assert isinstance(verdict, Verdict) and verdict.kind is VerdictKind.INVALID
    assert (door.checkins(), door.outbox()) == ([], [])


def test_a_typed_manual_code_is_recorded_as_manual(door: Door) -> None:
    verdict = record_admission(door.db.store, DOOR_EVENT, door.manual_code.lower(), door.at)

    assert isinstance(verdict, Verdict) and verdict.kind is VerdictKind.ADMIT
    [mutation] = door.outbox()
    assert CheckinPayload.model_validate_json(mutation.payload or "").source == "manual"


def test_a_candidate_staff_picked_is_recorded_by_its_identity(door: Door) -> None:
    identity = _parsed(door.ticket).identity

    verdict = record_admission(door.db.store, DOOR_EVENT, identity, door.at)

    assert isinstance(verdict, Verdict) and verdict.kind is VerdictKind.ADMIT
    assert verdict.identity == identity
    unknown = record_admission(door.db.store, DOOR_EVENT, identity._replace(number=99), door.at)
    assert isinstance(unknown, Verdict) and unknown.reason is Reason.UNKNOWN_CODE


def test_a_kiosk_that_is_not_enrolled_cannot_check_in(door: Door) -> None:
    with door.db.store.write() as session:
        identity = session.get(DeviceIdentity, 1)
        assert identity is not None
        session.delete(identity)
    with pytest.raises(NotEnrolled):
        record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)


def test_an_unknown_event_is_a_lookup_error(door: Door) -> None:
    with pytest.raises(LookupError):
        record_admission(door.db.store, 999, door.ticket, door.at)


def test_undo_within_the_window_reopens_the_ticket_and_tells_the_server(door: Door) -> None:
    admitted = record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    assert isinstance(admitted, Verdict) and admitted.checkin_id is not None
    undone_at = door.at + dt.timedelta(seconds=20)

    assert undo_admission(door.db.store, admitted.checkin_id, undone_at) is UndoOutcome.UNDONE

    [row] = door.checkins()
    assert row.undone
    admission, undo = door.outbox()
    sent = CheckinPayload.model_validate_json(undo.payload or "")
    assert sent.undo_of == uuid.UUID(admitted.checkin_id)
    assert (sent.key_id, sent.event_id, sent.number) == (row.key_id, row.event_id, row.number)
    assert sent.scanned_at == undone_at
    assert undo.seq > admission.seq and undo.state is MutationState.PENDING
    # The ticket may be admitted again at once.
    again = record_admission(door.db.store, DOOR_EVENT, door.ticket, undone_at)
    assert isinstance(again, Verdict) and again.kind is VerdictKind.ADMIT


def test_undo_is_refused_after_the_window_and_twice(door: Door) -> None:
    admitted = record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    assert isinstance(admitted, Verdict) and admitted.checkin_id is not None
    late = door.at + dt.timedelta(seconds=UNDO_WINDOW_S + 1)

    assert undo_admission(door.db.store, admitted.checkin_id, late) is UndoOutcome.TOO_LATE
    assert not door.checkins()[0].undone
    assert undo_admission(door.db.store, admitted.checkin_id, door.at) is UndoOutcome.UNDONE
    assert undo_admission(door.db.store, admitted.checkin_id, door.at) is (
        UndoOutcome.ALREADY_UNDONE
    )
    assert undo_admission(door.db.store, str(uuid.uuid4()), door.at) is UndoOutcome.UNKNOWN
    assert len(door.outbox()) == 2  # the admission and one undo


def test_only_this_kiosks_own_admissions_can_be_undone(door: Door) -> None:
    identity = _parsed(door.ticket).identity
    with door.db.store.write() as session:
        session.add(
            CheckIn(
                id="0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21",
                event_id=identity.event_id,
                key_id=identity.key_id,
                number=identity.number,
                device_id="other",
                scanned_at=door.at,
                local=False,
            )
        )
    outcome = undo_admission(door.db.store, "0b7f3c1e-2f5b-4c55-9a0e-3f4a8f7d6c21", door.at)
    assert outcome is UndoOutcome.NOT_HERE


def test_the_staff_screen_lists_flagged_admissions_with_names(door: Door) -> None:
    identity = _parsed(door.ticket).identity
    admitted = record_admission(door.db.store, DOOR_EVENT, door.ticket, door.at)
    assert isinstance(admitted, Verdict)
    with door.db.store.write() as session:
        session.add(
            CheckIn(
                id=str(uuid.uuid4()),
                event_id=identity.event_id,
                key_id=identity.key_id,
                number=identity.number,
                device_id="d2",
                device_name="정문 키오스크 (성북구청)",
                scanned_at=door.at + dt.timedelta(minutes=1),
                flagged=True,
                flag_reason="duplicate_admission",
                local=False,
            )
        )

    [flagged] = flagged_admissions(door.db.store, DOOR_EVENT)
    log = ticket_log(door.db.store, identity)

    assert (flagged.device, flagged.flag_reason, flagged.masked_name) == (
        "정문 키오스크 (성북구청)",
        "duplicate_admission",
        "김*수",
    )
    assert [(a.this_kiosk, a.flagged) for a in log] == [(True, False), (False, True)]
    assert log[0].id == admitted.checkin_id


def test_events_today_are_those_with_today_among_their_seoul_days(door: Door) -> None:
    assert [e.id for e in events_today(door.db.store, door.at)] == [DOOR_EVENT]
    assert events_today(door.db.store, door.at + dt.timedelta(days=1)) == []
