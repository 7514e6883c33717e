"""The check-in verdict: green, amber or red with its reason, from local state alone.

The proof the issue asks for: real QR images made with ``qrcode`` and read
back with zxing-cpp, and not one wrongly accepted among valid, tampered (each
byte), truncated, random, huge, other event, other day, revoked ticket,
unknown key and revoked key. The decision is pure: every test here runs on
plain dictionaries (``FakeContext``), with no store.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from core.clock import SEOUL
from core.payloads import CheckinPayload
from core.receipts import format_code
from core.tickets import (
    PREFIX,
    TicketFlags,
    TicketIdentity,
    manual_code_of,
    ticket_qr_image,
)
from kiosk.checkin import (
    Admission,
    Ambiguous,
    EventWindow,
    KeyRecord,
    Reason,
    RegistrationInfo,
    Verdict,
    VerdictKind,
    checkin_payload,
    decide,
    decide_manual,
)
from tests.unit.kiosk.checkin_tickets import (
    DAY,
    EVENT,
    KIOSK,
    KIOSK_KEY,
    LOST,
    LOST_KIOSK_KEY,
    NOW,
    SERVER,
    SERVER_KEY,
    STRANGER,
    STRANGER_KEY,
    UNUSED_CODE,
    ticket,
)
from tests.unit.kiosk.checkin_tickets import parsed as _parsed


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
