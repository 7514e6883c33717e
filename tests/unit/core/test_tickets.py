"""Ticket format: compact, signed, readable by any scanner, and never trusted when touched."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
import qrcode.util
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey
from PIL import Image

from core.receipts import ALPHABET, is_valid_code
from core.tickets import (
    PREFIX,
    TICKET_LENGTH,
    ParsedTicket,
    TicketPayload,
    TicketProblem,
    b32decode_ticket,
    encode_ticket,
    issue_ticket,
    manual_code,
    manual_code_of,
    parse_ticket,
    ticket_qr,
    ticket_qr_image,
    verify_signature,
)

KEY = SigningKey(bytes(range(32)))
OTHER_KEY = SigningKey(bytes(range(1, 33)))
PUBLIC = bytes(KEY.verify_key)
PAYLOAD = TicketPayload(
    key_id=7, event_id=42, number=1234, ticket_type=1, valid_day=dt.date(2026, 11, 30), flags=0
)


def encode(payload: TicketPayload = PAYLOAD, key: SigningKey = KEY) -> str:
    return encode_ticket(payload, key)


def parsed(text: str) -> ParsedTicket:
    result = parse_ticket(text)
    assert isinstance(result, ParsedTicket), result
    return result


def binary(text: str) -> bytes:
    return base64.b32decode(text[len(PREFIX) :])


def from_binary(raw: bytes) -> str:
    return PREFIX + base64.b32encode(raw).decode("ascii").rstrip("=")


def scan_qr(image: Image.Image) -> list[str]:
    """Through a PNG file and zxing-cpp, as a camera or a scanner would read it."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    with Image.open(buffer) as png:
        return [
            b.text
            for b in zxingcpp.read_barcodes(
                png, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
        ]


# --- format -------------------------------------------------------------------------------


def test_ticket_is_ck1_and_128_base32_characters() -> None:
    text = encode()
    assert len(text) == TICKET_LENGTH == 131
    assert text.startswith("CK1")
    assert set(text[3:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_payload_is_sixteen_big_endian_bytes_then_the_signature() -> None:
    raw = binary(encode())
    assert raw[:16] == bytes.fromhex(
        "00000007"  # key id
        "0000002a"  # event id 42
        "000004d2"  # number 1234
        "01"  # ticket type
        "09dd"  # 2026-11-30 is day 2525 after 2020-01-01
        "00"  # flags
    )
    assert len(raw) == 16 + 64
    KEY.verify_key.verify(b"CK1" + raw[:16], raw[16:])


def test_no_personal_data_fits_in_a_ticket() -> None:
    # Everything in the payload is a number; there is no room for a name.
    assert set(vars(PAYLOAD)) == {
        "key_id",
        "event_id",
        "number",
        "ticket_type",
        "valid_day",
        "flags",
    }


def test_round_trip_keeps_every_field() -> None:
    ticket = parsed(encode())
    assert ticket.payload == PAYLOAD
    assert ticket.identity == (7, 42, 1234)
    assert verify_signature(ticket, PUBLIC)


def test_signing_is_deterministic() -> None:
    assert encode() == encode()


@pytest.mark.parametrize(
    "change",
    [
        {"key_id": -1},
        {"event_id": 2**32},
        {"number": 2**32},
        {"ticket_type": 256},
        {"flags": -1},
        {"valid_day": dt.date(2019, 12, 31)},
        {"valid_day": dt.date(2020, 1, 1) + dt.timedelta(days=65536)},
    ],
)
def test_fields_out_of_range_are_refused_when_issuing(change: dict[str, object]) -> None:
    fields = vars(PAYLOAD) | change
    with pytest.raises(ValueError):
        TicketPayload(**fields)


# --- reading forgives case and whitespace, nothing else -----------------------------------


def test_lowercase_and_surrounding_whitespace_are_tolerated() -> None:
    ticket = parsed(f"  {encode().lower()}\r\n")
    assert ticket.payload == PAYLOAD
    assert verify_signature(ticket, PUBLIC)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("", "prefix"),
        ("CK2" + encode()[3:], "prefix"),
        ("https://example.org/?t=" + encode(), "prefix"),
        (encode()[:-1], "length"),
        (encode() + "A", "length"),
        (encode()[:-1] + "1", "alphabet"),
        (encode()[:-1] + "=", "alphabet"),
        (encode()[:-2] + "ㄱ" + encode()[-1], "alphabet"),
        (encode() + " " * 2000, "too_long"),
    ],
)
def test_what_is_not_a_ticket_is_a_problem_not_an_exception(text: str, detail: str) -> None:
    assert parse_ticket(text) == TicketProblem(detail)  # type: ignore[arg-type]


def test_every_truncation_is_malformed() -> None:
    text = encode()
    for length in range(len(text)):
        assert isinstance(parse_ticket(text[:length]), TicketProblem), length


def test_a_megabyte_is_refused_by_its_length_before_any_character_is_read() -> None:
    assert parse_ticket("CK1" + "A" * 1_000_000) == TicketProblem("too_long")
    # Blanks around a real ticket are forgiven once stripped: a megabyte of them
    # is refused, so the length is judged before the text is even stripped.
    assert parse_ticket(" " * 1_000_000 + encode()) == TicketProblem("too_long")


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    result = parse_ticket(text)
    if isinstance(result, ParsedTicket):
        assert not verify_signature(result, PUBLIC)


# --- the signature ------------------------------------------------------------------------


def test_changing_any_byte_breaks_the_signature() -> None:
    raw = binary(encode())
    for position in range(len(raw)):
        for mask in (0x01, 0x80, 0xFF):
            tampered = bytearray(raw)
            tampered[position] ^= mask
            result = parse_ticket(from_binary(bytes(tampered)))
            assert isinstance(result, ParsedTicket)  # still well formed: only the key can tell
            assert not verify_signature(result, PUBLIC), (position, mask)


def test_another_key_does_not_verify() -> None:
    ticket = parsed(encode())
    assert not verify_signature(ticket, bytes(OTHER_KEY.verify_key))
    assert not verify_signature(parsed(encode(key=OTHER_KEY)), PUBLIC)


@pytest.mark.parametrize("public_key", [b"", b"\x00" * 31, b"\x00" * 32, b"\x01" + b"\x00" * 31])
def test_unusable_or_small_order_keys_verify_nothing(public_key: bytes) -> None:
    assert not verify_signature(parsed(encode()), public_key)


@settings(max_examples=200)
@given(st.binary(min_size=80, max_size=80))
def test_random_bytes_never_verify(raw: bytes) -> None:
    assert not verify_signature(parsed(from_binary(raw)), PUBLIC)


# --- the manual code ----------------------------------------------------------------------


def test_manual_code_is_eight_characters_with_a_check_character() -> None:
    code = manual_code_of(parsed(encode()))
    assert len(code) == 8
    assert set(code) <= set(ALPHABET)
    assert is_valid_code(code)


def test_manual_code_is_the_same_wherever_it_is_derived() -> None:
    signature = parsed(encode()).signature
    assert manual_code(7, 42, 1234, signature) == manual_code_of(parsed(encode()))
    assert manual_code_of(parsed(encode().lower())) == manual_code_of(parsed(encode()))


def test_manual_code_cannot_be_derived_from_the_identity_alone() -> None:
    # Keyed with the signature: knowing (key, event, number) is not enough.
    codes = {manual_code(7, 42, 1234, bytes([n]) * 64) for n in range(50)}
    assert len(codes) == 50


def test_neighbouring_tickets_get_unrelated_codes() -> None:
    codes = {
        manual_code_of(parsed(encode(TicketPayload(7, 42, n, 0, PAYLOAD.valid_day))))
        for n in range(1, 201)
    }
    assert len(codes) == 200


def test_issuing_gives_the_ticket_and_its_manual_code_together() -> None:
    issued = issue_ticket(PAYLOAD, KEY)
    assert issued.text == encode()
    assert issued.manual_code == manual_code_of(parsed(encode()))


def test_manual_code_needs_a_real_signature() -> None:
    with pytest.raises(ValueError):
        manual_code(7, 42, 1, b"")


# --- the QR symbol ------------------------------------------------------------------------


def test_qr_uses_alphanumeric_mode_error_correction_q_version_8() -> None:
    code = ticket_qr(encode())
    assert [segment.mode for segment in code.data_list] == [qrcode.util.MODE_ALPHA_NUM]
    assert code.error_correction == qrcode.constants.ERROR_CORRECT_Q
    assert code.version == 8
    assert len(code.get_matrix()) == 49 + 2 * 4


def test_qr_image_scans_back_to_the_same_ticket() -> None:
    text = encode()
    [decoded] = scan_qr(ticket_qr_image(text))
    assert decoded == text
    ticket = parsed(decoded)
    assert ticket.payload == PAYLOAD
    assert verify_signature(ticket, PUBLIC)


def test_qr_still_scans_with_a_corner_covered() -> None:
    image = ticket_qr_image(encode(), box_size=4)
    # A thumb over ~12% of the symbol, away from the three finder patterns.
    side = image.width
    covered = image.copy()
    covered.paste(0, (side * 6 // 10, side * 6 // 10, side * 85 // 100, side * 85 // 100))
    assert scan_qr(covered) == [encode()]


@given(st.binary(min_size=80, max_size=80))
def test_reading_a_tickets_base32_agrees_with_the_standard_library(data: bytes) -> None:
    text = base64.b32encode(data).decode("ascii")
    assert b32decode_ticket(text) == data == base64.b32decode(text)


def test_the_qr_error_correction_is_qrcodes_level_q() -> None:
    # Written as a number so that checking a ticket does not load qrcode.
    import qrcode.constants

    from core.tickets import QR_ERROR_CORRECTION

    assert QR_ERROR_CORRECTION == qrcode.constants.ERROR_CORRECT_Q
