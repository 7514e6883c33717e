"""Event tickets: a signed, compact, personal-data-free string in a QR code.

Format v1 (the ``CK1`` prefix is the version)::

    "CK1" + Base32(payload ‖ signature)      RFC 4648 alphabet, upper case, no padding

    payload, 16 bytes, big-endian (struct ">IIIBHB"):
      offset size field
           0    4 key_id       signing key (a kiosk's, or the server's = 1)
           4    4 event_id
           8    4 number       registration number, unique per (key_id, event_id)
          12    1 ticket_type  TicketType; unknown values are shown as standard
          13    2 valid_day    days since 2020-01-01 (the day in Asia/Seoul)
          15    1 flags        TicketFlags; unknown bits are ignored
    signature, 64 bytes: Ed25519 over b"CK1" ‖ payload

80 bytes is a multiple of 5, so the Base32 text is exactly 128 characters with
no padding, and a ticket is always 131 characters of ``A-Z2-7`` plus the ``1``
of the prefix: QR alphanumeric mode, and the only keys a keyboard-wedge scanner
types the same on every layout. The signature covers the prefix too, so a
future ``CK2`` layout can never be replayed as a ``CK1`` ticket.

(key_id, event_id, number) is the ticket's identity: revocation, the check-in
log and the registrations table all use it.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from core.clock import SEOUL
from core.receipts import ALPHABET, BODY_LENGTH, check_character

if TYPE_CHECKING:
    # qrcode and Pillow (~8 MB) load with the first QR drawn, not with every
    # process that checks a ticket (a kiosk at start, the server).
    import qrcode
    from PIL import Image

PREFIX = "CK1"
# Ticket days are days in Seoul, wherever the kiosk's or the server's clock is set.
EPOCH = dt.date(2020, 1, 1)
PAYLOAD = struct.Struct(">IIIBHB")
SIGNATURE_LENGTH = 64
PUBLIC_KEY_LENGTH = 32
_BINARY_LENGTH = PAYLOAD.size + SIGNATURE_LENGTH
TICKET_LENGTH = len(PREFIX) + _BINARY_LENGTH * 8 // 5
# Anything longer than this is refused before it is even stripped or upper-cased,
# so a scanner stuck on repeat or a pasted megabyte costs nothing.
MAX_INPUT_LENGTH = 1024
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_U32 = 0xFFFF_FFFF

assert PAYLOAD.size == 16
assert TICKET_LENGTH == 131

# Q (25% of codewords recoverable) puts a ticket in a version 8 symbol, 49x49
# modules. Tickets are read from phone screens (glare, moiré, cracked glass, a
# photo of the kiosk screen) and from thermal paper (fading, creases, a thumb
# over a corner): M (15%, version 6) leaves too little margin for that, and H
# (30%, version 9) makes every module ~8% smaller at the same printed size,
# which costs more with blurry kiosk cameras than the extra redundancy buys.
QR_ERROR_CORRECTION = 3  # qrcode.constants.ERROR_CORRECT_Q (a test holds them equal)
QR_BORDER = 4  # the quiet zone ISO/IEC 18004 asks for


class TicketType(enum.IntEnum):
    """What staff see beside "Welcome"; the UI translates ``ticket.type.<name>``."""

    STANDARD = 0
    ACCESSIBLE = 1  # needs step-free access or assistance
    COMPANION = 2


def ticket_type_key(value: int) -> str:
    """``ticket.type.standard`` etc.; a type this side does not know is shown as standard.

    A newer server may sign a type an older kiosk has no words for: the door
    still works, and staff see the ordinary ticket it most likely is.
    """
    try:
        known = TicketType(value)
    except ValueError:
        known = TicketType.STANDARD
    return f"ticket.type.{known.name.lower()}"


class TicketFlags(enum.IntFlag):
    NONE = 0
    # Valid on every day of the event from ``valid_day`` on, not on that day only.
    EVENT_PASS = 1


class TicketIdentity(NamedTuple):
    key_id: int
    event_id: int
    number: int


@dataclass(frozen=True)
class TicketPayload:
    key_id: int
    event_id: int
    number: int
    ticket_type: int
    valid_day: dt.date
    flags: int = 0

    def __post_init__(self) -> None:
        for name in ("key_id", "event_id", "number"):
            if not 0 <= getattr(self, name) <= _U32:
                raise ValueError(f"{name} does not fit in 32 bits")
        if not 0 <= self.ticket_type <= 0xFF or not 0 <= self.flags <= 0xFF:
            raise ValueError("ticket_type and flags are single bytes")
        if not 0 <= (self.valid_day - EPOCH).days <= 0xFFFF:
            raise ValueError("valid_day is outside 2020-01-01 + 65535 days")

    @property
    def identity(self) -> TicketIdentity:
        return TicketIdentity(self.key_id, self.event_id, self.number)

    def pack(self) -> bytes:
        days = (self.valid_day - EPOCH).days
        return PAYLOAD.pack(
            self.key_id, self.event_id, self.number, self.ticket_type, days, self.flags
        )

    @classmethod
    def unpack(cls, data: bytes) -> TicketPayload:
        key_id, event_id, number, ticket_type, days, flags = PAYLOAD.unpack(data)
        return cls(key_id, event_id, number, ticket_type, EPOCH + dt.timedelta(days=days), flags)


@dataclass(frozen=True)
class ParsedTicket:
    """A ticket that is well formed; nothing about it is trusted before ``verify_signature``."""

    payload: TicketPayload
    signature: bytes

    @property
    def identity(self) -> TicketIdentity:
        return self.payload.identity

    @property
    def signed_message(self) -> bytes:
        return _signed_message(self.payload)


ProblemDetail = Literal["too_long", "prefix", "length", "alphabet"]


@dataclass(frozen=True)
class TicketProblem:
    """Why a scanned string is not a ticket at all; ``detail`` is for logs, not for people."""

    detail: ProblemDetail
    reason: Literal["malformed"] = "malformed"


def _signed_message(payload: TicketPayload) -> bytes:
    return PREFIX.encode("ascii") + payload.pack()


def _sign(payload: TicketPayload, signing_key: SigningKey) -> bytes:
    signature: bytes = signing_key.sign(_signed_message(payload)).signature
    return signature


def _text(payload: TicketPayload, signature: bytes) -> str:
    text = base64.b32encode(payload.pack() + signature).decode("ascii")
    assert "=" not in text  # 80 bytes: no padding, by construction
    return PREFIX + text


def encode_ticket(payload: TicketPayload, signing_key: SigningKey) -> str:
    return _text(payload, _sign(payload, signing_key))


@dataclass(frozen=True)
class IssuedTicket:
    """What a confirmed sign-up stores and prints: the QR's text and the code beside it."""

    text: str
    manual_code: str


def issue_ticket(payload: TicketPayload, signing_key: SigningKey) -> IssuedTicket:
    """Sign a ticket (on a kiosk with its own key, on the server with key 1)."""
    signature = _sign(payload, signing_key)
    key_id, event_id, number = payload.identity
    return IssuedTicket(_text(payload, signature), manual_code(key_id, event_id, number, signature))


def event_ticket(
    key_id: int,
    event_id: int,
    number: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    ticket_type: int = TicketType.STANDARD,
) -> TicketPayload:
    """The payload of a place at an event: valid on its first day, or every day if it spans several.

    Kiosks and the server build tickets the same way, so a ticket never depends
    on who issued it.
    """
    first = starts_at.astimezone(SEOUL).date()
    last = (ends_at or starts_at).astimezone(SEOUL).date()
    flags = TicketFlags.EVENT_PASS if last > first else TicketFlags.NONE
    return TicketPayload(key_id, event_id, number, ticket_type, first, int(flags))


def parse_ticket(text: str) -> ParsedTicket | TicketProblem:
    """Read a scanned or typed string; never raises, whatever it is given.

    Case and surrounding whitespace are forgiven (a scanner with Caps Lock on,
    a trailing newline); nothing else is.
    """
    if len(text) > MAX_INPUT_LENGTH:
        return TicketProblem("too_long")
    cleaned = text.strip().upper()
    if not cleaned.startswith(PREFIX):
        return TicketProblem("prefix")
    body = cleaned[len(PREFIX) :]
    if len(cleaned) != TICKET_LENGTH:
        return TicketProblem("length")
    if not _BASE32.issuperset(body):
        return TicketProblem("alphabet")
    raw = b32decode_ticket(body)
    payload = TicketPayload.unpack(raw[: PAYLOAD.size])
    return ParsedTicket(payload=payload, signature=raw[PAYLOAD.size :])


# Base32 (RFC 4648) digits to Python's base-32 digits, so int() decodes in C:
# base64.b32decode is a Python loop, ~60 µs a ticket, paid by every scan at the
# door and every sign-up the server checks.
_TO_INT_DIGITS = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv"
)


def b32decode_ticket(body: str) -> bytes:
    """The 80 bytes of a ticket's 128 Base32 characters (checked by the caller)."""
    return int(body.translate(_TO_INT_DIGITS), 32).to_bytes(_BINARY_LENGTH, "big")


def verify_signature(ticket: ParsedTicket, public_key: bytes) -> bool:
    """True only if the key holder signed exactly this payload (and this version)."""
    if len(public_key) != PUBLIC_KEY_LENGTH:
        return False
    try:
        VerifyKey(public_key).verify(ticket.signed_message, ticket.signature)
    except (BadSignatureError, ValueError, TypeError):
        # libsodium also refuses small-order keys and non-canonical signatures
        # here, which PyNaCl reports as BadSignatureError or ValueError.
        return False
    return True


def manual_code(key_id: int, event_id: int, number: int, signature: bytes) -> str:
    """The 8-character code printed beside the QR, for typing in when it will not scan.

    Seven characters of a BLAKE2b hash of the ticket identity keyed with the
    ticket's signature, then the receipt check character. Keyed with the
    signature because numbers are sequential and the code is open source: an
    unkeyed hash of (key, event, number) would let anyone print a working code
    for somebody else's place. The signature is exactly as secret as the QR
    itself, and every kiosk that holds the ticket (a registration row carries
    it) can derive the same code; Ed25519 signatures are deterministic, so the
    code never changes.

    31^7 ≈ 2.75e10 codes. Two tickets among n share a code with probability
    ≈ n²/5.5e10: 1.8e-5 for 1,000 sign-ups to one event, 0.18 across 100,000
    on one kiosk. Lookup is by code within the event being checked in and lists
    every candidate (with its masked name) for staff to choose, so a collision
    costs a tap, never a wrong admission. A random guess matches one of 1,000
    tickets with probability 3.6e-8.
    """
    if len(signature) != SIGNATURE_LENGTH:
        raise ValueError("manual codes are keyed with a 64-byte Ed25519 signature")
    digest = hashlib.blake2b(
        struct.pack(">III", key_id, event_id, number),
        digest_size=8,
        key=signature,
        person=b"CK1-manual-code",
    ).digest()
    value = int.from_bytes(digest, "big")
    body = []
    for _ in range(BODY_LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        body.append(ALPHABET[digit])
    text = "".join(body)
    return text + check_character(text)


def manual_code_of(ticket: ParsedTicket) -> str:
    key_id, event_id, number = ticket.identity
    return manual_code(key_id, event_id, number, ticket.signature)


def manual_code_of_text(text: str) -> str:
    """The manual code of a stored ticket string; empty if it is not a ticket at all."""
    parsed = parse_ticket(text)
    return manual_code_of(parsed) if isinstance(parsed, ParsedTicket) else ""


def ticket_qr(text: str) -> qrcode.QRCode:
    """The QR symbol of a ticket: error correction Q, alphanumeric mode, smallest version."""
    import qrcode

    code = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, border=QR_BORDER)
    code.add_data(text)
    code.make(fit=True)
    return code


def ticket_qr_matrix(text: str) -> list[list[bool]]:
    """Modules of the ticket's QR, quiet zone included (for drawing it in the UI)."""
    matrix: list[list[bool]] = ticket_qr(text).get_matrix()
    return matrix


def ticket_qr_image(text: str, box_size: int = 8) -> Image.Image:
    """A black-on-white greyscale image of the ticket's QR, ``box_size`` pixels per module."""
    code = ticket_qr(text)
    code.box_size = box_size
    image: Image.Image = code.make_image().get_image()
    return image.convert("L")


# --- what a kiosk may hold of a ticket it did not issue --------------------------------
#
# Pull gives kiosks what checking a ticket needs and nothing that could be shown
# at a door in its place (issue 16 #3): the payload (public: it is in the QR in
# clear, and says which days are valid), a digest of the whole ticket (a scanned
# ticket must match it: a ticket forged for a real number with a stolen key does
# not), and a digest of the manual code for look-up by typed code.


def ticket_digest(text: str) -> str:
    """SHA-256 of a ticket as scanned (case and surrounding space forgiven), hex."""
    cleaned = text.strip().upper().encode("ascii", errors="replace")
    return hashlib.sha256(b"CK1-ticket-digest\x00" + cleaned).hexdigest()


def payload_hex(text: str) -> str:
    """The 16-byte payload of a ticket as hex ("" if it is not a ticket): no signature."""
    parsed = parse_ticket(text)
    return parsed.payload.pack().hex() if isinstance(parsed, ParsedTicket) else ""


def payload_of_hex(text: str) -> TicketPayload | None:
    try:
        raw = bytes.fromhex(text)
        return TicketPayload.unpack(raw) if len(raw) == PAYLOAD.size else None
    except (ValueError, struct.error):
        return None


def manual_code_digest(event_id: int, code: str) -> str:
    """What a kiosk stores instead of another kiosk's manual code: 16 hex characters.

    Salted with the event, so a typed code is looked up with one hash per event.
    A manual code has 35 bits: someone holding these digests (an enrolled
    device) can still find a code by trying them all, some hours of GPU time
    per event. The digest keeps codes out of sight in a copied database; it is
    not a barrier against a determined holder of a device token
    (docs/threat-model.md).
    """
    digest = hashlib.blake2b(
        code.encode("ascii", errors="replace"),
        digest_size=8,
        salt=struct.pack(">I", event_id & _U32).ljust(16, b"\0"),
        person=b"CK1-manual-look",
    )
    return digest.hexdigest()
