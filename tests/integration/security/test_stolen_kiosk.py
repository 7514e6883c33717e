"""Finding 3: what a stolen kiosk (or a copy of its store) yields.

Before: the device token and the Ed25519 signing seed sat in kiosk.db in
plaintext (directory 0755); pull handed every registration's full ticket and
receipt code to any enrolled device; tickets forged under a stolen key were
admitted elsewhere and stored unflagged though no sign-up existed; revoking
the kiosk refused all its tickets, genuine ones too, and showed nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import stat
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from core.tickets import (
    TicketIdentity,
    TicketPayload,
    encode_ticket,
    ticket_digest,
)
from kiosk.checkin import (
    Admission,
    EventWindow,
    KeyRecord,
    Reason,
    RegistrationInfo,
    VerdictKind,
    decide,
)
from kiosk.device_secrets import KeyFile
from kiosk.identity import current_identity, save_identity
from kiosk.store import open_store, upgrade
from server.devices import admissions_on_key, revoke_device
from server.models import CheckIn
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import NOW, SimKiosk
from tests.integration.web.staffsite import Site
from tests.unit.kiosk.checkin_tickets import DAY, EVENT, KIOSK, KIOSK_KEY, ticket

TOKEN = "device-token-that-must-not-be-on-disk"
SEED = bytes(range(1, 33))


def _on_disk(path: Path) -> bytes:
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


# --- secrets at rest ---------------------------------------------------------------------


def test_token_and_signing_key_are_sealed_in_the_store_with_a_key_kept_elsewhere(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    key_file = tmp_path / "config" / "keys" / "store.key"
    store = open_store(f"sqlite:///{data / 'kiosk.db'}", key_source=KeyFile(key_file))
    with store.write() as session:
        save_identity(
            session,
            device_id="k1",
            token=TOKEN,
            server_url="http://127.0.0.1:9",
            server_public_key="x",
            signing_key=SEED,
            signing_key_id=3,
        )
    store.close()

    raw = _on_disk(data / "kiosk.db")
    assert TOKEN.encode() not in raw and SEED not in raw
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert data not in key_file.parents
    again = open_store(f"sqlite:///{data / 'kiosk.db'}", key_source=KeyFile(key_file))
    with again.read() as session:
        identity = current_identity(session)
        assert identity is not None
        assert (identity.token, identity.signing_key) == (TOKEN, SEED)
    again.close()
    # The store file without its key opens nothing: the kiosk reads as needing enrolment.
    elsewhere = open_store(
        f"sqlite:///{data / 'kiosk.db'}", key_source=KeyFile(tmp_path / "other.key")
    )
    with elsewhere.read() as session:
        identity = current_identity(session)
        assert identity is not None and (identity.token, identity.signing_key) == ("", b"")
    elsewhere.close()


def test_an_existing_store_has_its_plaintext_secrets_moved_out_on_start(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    old = open_store(f"sqlite:///{path}", migrate=False, key_source=KeyFile(tmp_path / "k"))
    upgrade(old.engine, "0006")
    old.close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO device_identity (id, device_id, token, server_url, office,"
            " server_public_key, signing_key, signing_key_id, revoked, enrolled_at)"
            " VALUES (1, 'k1', ?, 'http://x', '', 'x', ?, 3, 0, '2026-11-27 09:00:00')",
            (TOKEN, SEED),
        )
    assert TOKEN.encode() in _on_disk(path)

    store = open_store(f"sqlite:///{path}", key_source=KeyFile(tmp_path / "k"))

    assert TOKEN.encode() not in _on_disk(path) and SEED not in _on_disk(path)
    with store.read() as session:
        identity = current_identity(session)
        assert identity is not None and (identity.token, identity.signing_key) == (TOKEN, SEED)
    store.close()


# --- pull gives only what verification needs -----------------------------------------------


def _event(live: LiveServer) -> int:
    from server.catalogue import NewEvent, add_event

    starts = dt.datetime.combine(NOW.date(), dt.time(5), tzinfo=dt.UTC)
    return add_event(live.db, NewEvent("행사", "Event", starts, capacity=10, offline_block=5))


def test_pull_carries_no_ticket_and_no_receipt_code(live: LiveServer, kiosk: SimKiosk) -> None:
    event = _event(live)
    signup = kiosk.signup(event, 1)
    assert kiosk.push([signup])[0]["status"] == "applied"
    thief = live.kiosk(name="stolen")

    pages, _ = thief.pull_all()

    [registration] = [r for page in pages for r in page["changes"]["registrations"]]
    text = signup["payload"]["ticket"]
    body = str(pages)
    assert text not in body and signup["payload"]["receipt_code"] not in body
    assert (registration["ticket"], registration["receipt_code"]) == ("", "")
    assert registration["ticket_digest"] == ticket_digest(text)
    assert registration["number"] == 1 and registration["masked_name"] == "박*민"


def test_an_admission_with_no_sign_up_is_flagged_until_its_sign_up_arrives(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    event = _event(live)
    door = live.kiosk(name="door")
    # A ticket signed with the kiosk's (stolen) key: no sign-up holds number 7.
    [forged] = door.push([door.checkin(event, kiosk.signing_key_id, 7)])
    # Number 8's sign-up was taken offline and reaches the server after the admission.
    [early] = door.push([door.checkin(event, kiosk.signing_key_id, 8)])

    kiosk.push([kiosk.signup(event, 8)])

    assert (forged["status"], forged["code"]) == ("applied", "no_signup")
    assert early["code"] == "no_signup"
    with live.db.read() as session:
        flags = {c.number: (c.flagged, c.flag_reason) for c in session.scalars(select(CheckIn))}
    assert flags == {7: (True, "no_signup"), 8: (False, "")}


def test_revoking_a_kiosk_shows_staff_which_admissions_depended_on_its_key(site: Site) -> None:
    from server.catalogue import NewEvent, add_event

    starts = dt.datetime.combine(NOW.date(), dt.time(5), tzinfo=dt.UTC)
    event = add_event(site.db, NewEvent("행사", "Event", starts, capacity=10, offline_block=5))
    lost = site.live.kiosk(name="lost")
    door = site.kiosk
    lost.push([lost.signup(event, 1)])
    door.push([door.checkin(event, lost.signing_key_id, 1)])
    revoke_device(site.db, lost.device_id)
    # After the theft: a ticket under the lost key with no sign-up the server had.
    [after] = door.push([door.checkin(event, lost.signing_key_id, 2)])
    assert after["code"] == "no_signup"

    device, admissions = admissions_on_key(site.db, lost.device_id)
    admin = site.client()
    assert admin.login("admin").status_code == 303
    page = admin.get(f"/staff/devices/{lost.device_id}")

    assert {a.number: a.vouched(device.revoked_at) for a in admissions} == {1: True, 2: False}
    assert page.status_code == 200
    assert page.text.count("data-checkin=") == 2
    assert "확인 필요" in page.text and "해지 전 신청 확인" in page.text


# --- the kiosk's decision ------------------------------------------------------------------


@dataclasses.dataclass
class _Door:
    """What a kiosk knows at the door, as plain values (kiosk/checkin.py's context)."""

    key: KeyRecord
    registrations: dict[TicketIdentity, RegistrationInfo]
    event: EventWindow = dataclasses.field(
        default_factory=lambda: EventWindow(EVENT, frozenset({DAY}))
    )

    def signing_key(self, key_id: int) -> KeyRecord | None:
        return self.key if key_id == KIOSK else None

    def is_ticket_revoked(self, identity: TicketIdentity) -> bool:
        return False

    def admissions(self, identity: TicketIdentity) -> Sequence[Admission]:
        return []

    def registration(self, identity: TicketIdentity) -> RegistrationInfo | None:
        return self.registrations.get(identity)

    def registrations_by_manual_code(self, code: str) -> Sequence[RegistrationInfo]:
        return []


def _pulled(text: str, received_at: dt.datetime | None = None) -> RegistrationInfo:
    identity = TicketIdentity(KIOSK, EVENT, 1)
    return RegistrationInfo(
        identity, "김*수", "", digest=ticket_digest(text), received_at=received_at
    )


AT_DOOR = dt.datetime.combine(DAY, dt.time(1), tzinfo=dt.UTC)


def test_a_second_ticket_signed_for_a_real_number_with_a_stolen_key_is_refused() -> None:
    issued = ticket(1)
    forged = encode_ticket(TicketPayload(KIOSK, EVENT, 1, 1, DAY, 0), KIOSK_KEY)  # "accessible"
    door = _Door(
        KeyRecord(bytes(KIOSK_KEY.verify_key)), {TicketIdentity(KIOSK, EVENT, 1): _pulled(issued)}
    )

    assert decide(issued, door, AT_DOOR).kind is VerdictKind.ADMIT
    refused = decide(forged, door, AT_DOOR)
    assert (refused.kind, refused.reason) == (VerdictKind.INVALID, Reason.NOT_ISSUED)


def test_a_revoked_key_still_vouches_for_sign_ups_the_server_had_before() -> None:
    revoked_at = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    key = KeyRecord(bytes(KIOSK_KEY.verify_key), revoked=True, revoked_at=revoked_at)
    issued = ticket(1)
    before = _Door(
        key, {TicketIdentity(KIOSK, EVENT, 1): _pulled(issued, revoked_at - dt.timedelta(days=1))}
    )
    after = _Door(
        key, {TicketIdentity(KIOSK, EVENT, 1): _pulled(issued, revoked_at + dt.timedelta(hours=1))}
    )
    unknown = _Door(key, {})

    assert decide(issued, before, AT_DOOR).kind is VerdictKind.ADMIT
    assert decide(issued, after, AT_DOOR).reason is Reason.REVOKED_KEY
    assert decide(issued, unknown, AT_DOOR).reason is Reason.REVOKED_KEY
