"""No citizen's name, phone, e-mail or text is readable from the kiosk's files.

The raw bytes of the database file and its WAL (and shared-memory index) are
searched for what was just submitted. The receipt codes must be found, which
proves the search can see what is there; the personal data must not be.
"""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.models import OutboxMutation
from kiosk.signups import SignupForm, sign_up
from kiosk.submissions import (
    ComplaintForm,
    Consent,
    ProposalForm,
    Receipt,
    submit_complaint,
    submit_proposal,
    submit_suggestion,
)
from tests.conftest import NOW, KioskDB

CONSENT = Consent(version="2026-11", required=True)

NAME = "독고영재"
LATIN_NAME = "Quixotic Zebulon"
PHONE = "010-9876-5432"
EMAIL = "zebulon.q@example.org"
DESCRIPTION = "가로등이 밤새 깜빡입니다 XYZZY-PLUGH 골목"
ADDRESS = "PLOVER 17길 앞"
SUGGESTION = "벤치를 더 놓아 주세요 GRUE-NEST"
TITLE = "FROBOZZ 광장 분수대 설치"
PROPOSAL = "여름마다 아이들이 놀 곳이 없습니다 ZORKMID"
SIGNUP_NAME = "남궁민철"
SIGNUP_PHONE = "010-5555-1212"

SECRETS = [
    NAME,
    LATIN_NAME,
    PHONE,
    PHONE.replace("-", ""),
    EMAIL,
    DESCRIPTION,
    "XYZZY-PLUGH",
    ADDRESS,
    SUGGESTION,
    "GRUE-NEST",
    TITLE,
    "FROBOZZ",
    PROPOSAL,
    "ZORKMID",
    SIGNUP_NAME,
    SIGNUP_PHONE,
    SIGNUP_PHONE.replace("-", ""),
]


def submit_everything(db: KioskDB) -> list[Receipt]:
    complaint = submit_complaint(
        db.store,
        ComplaintForm(
            category="road",
            district="mapo",
            address=ADDRESS,
            description=DESCRIPTION,
            name=NAME,
            phone=PHONE,
            email=EMAIL,
        ),
        CONSENT,
        now=NOW,
    )
    suggestion = submit_suggestion(
        db.store, ComplaintForm(category="road", description=SUGGESTION), now=NOW
    )
    proposal = submit_proposal(
        db.store,
        ProposalForm(
            area="welfare", title=TITLE, description=PROPOSAL, name=LATIN_NAME, email=EMAIL
        ),
        CONSENT,
        now=NOW,
    )
    signup = sign_up(db.store, 1, SignupForm(SIGNUP_NAME, SIGNUP_PHONE), CONSENT, now=NOW)
    return [complaint, suggestion, proposal, signup]


def spellings(text: str) -> list[bytes]:
    """How the text could sit in the file: UTF-8, or escaped inside ASCII-only JSON."""
    return [text.encode("utf-8"), json.dumps(text).strip('"').encode("ascii")]


def store_files(path: Path) -> dict[str, bytes]:
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    return {f.name: f.read_bytes() for f in files if f.exists()}


def leaks(files: dict[str, bytes]) -> list[str]:
    return [
        f"{secret!r} in {name}"
        for name, data in files.items()
        for secret in SECRETS
        for form in spellings(secret)
        if form in data
    ]


def test_submitted_personal_data_is_not_in_the_database_or_wal(kiosk_db: KioskDB) -> None:
    receipts = submit_everything(kiosk_db)
    files = store_files(kiosk_db.path)
    assert files.get("kiosk.db-wal"), "the records should still be in the WAL"
    assert leaks(files) == []
    everything = b"".join(files.values())
    assert all(r.code.encode() in everything for r in receipts)


def test_nothing_leaks_once_the_wal_is_checkpointed_into_the_database(kiosk_db: KioskDB) -> None:
    receipts = submit_everything(kiosk_db)
    with kiosk_db.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    files = store_files(kiosk_db.path)
    assert leaks(files) == []
    assert all(r.code.encode() in files["kiosk.db"] for r in receipts)


def test_the_sealed_data_is_complete_for_the_server(kiosk_db: KioskDB) -> None:
    receipts = submit_everything(kiosk_db)
    with kiosk_db.store.read() as session:
        complaint = session.get(OutboxMutation, receipts[0].id)
        signup = session.get(OutboxMutation, receipts[3].id)
        assert complaint is not None and signup is not None
        opened = kiosk_db.unsealed(complaint)
        assert (opened["name"], opened["description"], opened["email"]) == (
            NAME,
            DESCRIPTION,
            EMAIL,
        )
        assert kiosk_db.unsealed(signup)["name"] == SIGNUP_NAME
