"""Kept counts equal a full recount, whatever happened at the door and in the pulls.

The check-in desk and the status bar read figures kept by triggers
(``event_tallies``, ``outbox_tallies``; kiosk migration 0007) instead of
counting rows. Hypothesis plays random sequences of what changes those rows —
admissions and repeated scans, undos in and out of their window, sign-ups
here, pulled pages (sign-ups, other kiosks' admissions, echoes with flags and
undos, tombstones, a deleted event, a reset) and the server's answers to a
push — on a real store, and after every step the kept figures must be exactly
what counting the rows gives.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import shutil
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey as Ed25519Key
from sqlalchemy import select

from core.kinds import RegistrationStatus
from core.sealing import new_keypair
from core.tickets import TicketPayload, issue_ticket, payload_hex, ticket_digest
from core.validation import ValidationFailed
from kiosk.admissions import record_admission, undo_admission
from kiosk.attendance import event_counts, recount
from kiosk.checkin import Verdict
from kiosk.demo import seed_demo_reference
from kiosk.device_secrets import KeyFile
from kiosk.models import CheckIn, MutationState, OutboxMutation
from kiosk.outbox import (
    DeliveryResult,
    mark_in_flight,
    needs_attention_count,
    pending_count,
    prune_sent,
    record_results,
    recount_states,
    release_in_flight,
    retry_rejected,
)
from kiosk.pulled import (
    PulledCheckin,
    PulledEvent,
    PulledKey,
    PulledPage,
    PulledRegistration,
    apply_page,
)
from kiosk.signups import SignupForm, sign_up
from kiosk.store import Store, open_store, upgrade
from tests.conftest import KIOSK_KEY_ID, NOW, enroll_locally
from tests.integration.staff.door import CONSENT, add_event_today

EVENTS = (501, 502)
OTHER_KEY_ID = 3  # another kiosk's key, pulled
OTHER_KEY = Ed25519Key(bytes([3]) * 32)
NUMBERS = range(1, 5)
PEOPLE = (("김민수", "010-2345-6789"), ("이영희", "010-3456-7890"), ("Jane Doe", "010-4567-8901"))


def _pulled_event(event_id: int) -> PulledEvent:
    return PulledEvent(
        id=event_id,
        title_ko="현장 시장실",
        title_en="Mayor's field office",
        place_ko="",
        place_en="",
        starts_at=NOW - dt.timedelta(hours=1),
        ends_at=NOW + dt.timedelta(hours=2),
        capacity=50,
        taken_remote=0,
        offline_block=20,
    )


def _other_ticket(event_id: int, number: int) -> str:
    payload = TicketPayload(OTHER_KEY_ID, event_id, number, 0, NOW.date())
    return issue_ticket(payload, OTHER_KEY).text


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A store file to copy per example: enrolled, two events today, sign-ups made here."""
    path = tmp_path_factory.mktemp("kept") / "template.db"
    store = open_store(f"sqlite:///{path}", key_source=_key(path))
    enroll_locally(store, new_keypair()[1])
    with store.write() as session:
        seed_demo_reference(session, NOW)
        apply_page(
            session,
            PulledPage(
                cursor="c0",
                signing_keys=[
                    PulledKey(OTHER_KEY_ID, base64.b64encode(bytes(OTHER_KEY.verify_key)).decode())
                ],
            ),
        )
    for event_id in EVENTS:
        add_event_today(store, event_id)
    day_before = NOW - dt.timedelta(days=1)
    tickets = [
        sign_up(store, event_id, SignupForm(name, phone), CONSENT, now=day_before).ticket
        for event_id in EVENTS
        for name, phone in PEOPLE
    ]
    tickets += [_other_ticket(e, n) for e in EVENTS for n in NUMBERS]
    store.close()
    return path, tickets


# Memory-backed when the system has it: hundreds of durable commits per test
# cost fsyncs that say nothing about counting.
_FAST_DIR = "/dev/shm" if Path("/dev/shm").is_dir() else None


def _copy(template: Path) -> tuple[Store, Path]:
    directory = Path(tempfile.mkdtemp(prefix="kept-", dir=_FAST_DIR))
    shutil.copy(template, directory / "k.db")
    # The template's store key: its sealed device secrets open in every copy.
    return open_store(f"sqlite:///{directory / 'k.db'}", key_source=_key(template)), directory


def _key(template: Path) -> KeyFile:
    return KeyFile(template.with_suffix(".key"))


# --- the steps --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admit:
    event_id: int
    ticket: int  # index into the template's tickets


@dataclass(frozen=True)
class Undo:
    admission: int  # index into this kiosk's admissions so far
    later_s: int  # how long after the admission staff pressed Undo


@dataclass(frozen=True)
class SignUpHere:
    event_id: int
    waitlist: bool


@dataclass(frozen=True)
class Echo:
    admission: int
    flagged: bool
    undone: bool


@dataclass(frozen=True)
class Pull:
    registrations: list[PulledRegistration]
    deleted_registrations: list[int]
    checkins: list[PulledCheckin]
    deleted_checkins: list[int]
    echoes: list[Echo]
    deleted_event: int | None
    reset: bool


@dataclass(frozen=True)
class Push:
    answer: str  # applied | duplicate_admission | rejected | lost | retry | prune


Step = Admit | Undo | SignUpHere | Pull | Push


def _registration_id(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def _checkin_id(n: int) -> str:
    return str(uuid.UUID(int=1000 + n, version=4))


def _pulled_registration(
    n: int, event_id: int, status: RegistrationStatus, ticketed: bool
) -> PulledRegistration:
    # Ids repeat across events, so a later page can move a sign-up between them.
    number = (n % len(NUMBERS)) + 1
    ticket = _other_ticket(event_id, number) if ticketed else ""
    return PulledRegistration(
        id=_registration_id(n),
        event_id=event_id,
        status=status,
        key_id=OTHER_KEY_ID if ticketed else None,
        number=number if ticketed else None,
        masked_name="박*준",
        ticket_payload=payload_hex(ticket) if ticketed else "",
        ticket_digest=ticket_digest(ticket) if ticketed else "",
        received_at=NOW,
    )


def _pulled_checkin(
    n: int, identity: tuple[int, int, int], flagged: bool, undone: bool
) -> PulledCheckin:
    key_id, event_id, number = identity
    return PulledCheckin(
        id=_checkin_id(n),
        event_id=event_id,
        key_id=key_id,
        number=number,
        device_id="kiosk-other",
        device_name="다른 키오스크",
        scanned_at=NOW,
        server_time=NOW,
        flagged=flagged,
        undone=undone,
    )


# A small space of tickets, so admissions of one ticket by several kiosks are common.
identities = st.tuples(
    st.sampled_from([KIOSK_KEY_ID, OTHER_KEY_ID]),
    st.sampled_from(EVENTS),
    st.sampled_from(list(NUMBERS)),
)
steps = st.lists(
    st.one_of(
        st.builds(Admit, st.sampled_from(EVENTS), st.integers(0, 13)),
        st.builds(Undo, st.integers(0, 20), st.sampled_from([0, 30, 120])),
        st.builds(SignUpHere, st.sampled_from(EVENTS), st.booleans()),
        st.builds(
            Pull,
            registrations=st.lists(
                st.builds(
                    _pulled_registration,
                    st.integers(1, 12),
                    st.sampled_from(EVENTS),
                    st.sampled_from(list(RegistrationStatus)),
                    st.booleans(),
                ),
                max_size=4,
            ),
            deleted_registrations=st.lists(st.integers(1, 12), max_size=2),
            checkins=st.lists(
                st.builds(
                    _pulled_checkin, st.integers(1, 12), identities, st.booleans(), st.booleans()
                ),
                max_size=4,
            ),
            deleted_checkins=st.lists(st.integers(1, 12), max_size=2),
            echoes=st.lists(
                st.builds(Echo, st.integers(0, 20), st.booleans(), st.booleans()), max_size=3
            ),
            deleted_event=st.sampled_from([None, None, None, 502]),
            reset=st.sampled_from([False, False, False, False, True]),
        ),
        st.builds(
            Push,
            st.sampled_from(
                ["applied", "duplicate_admission", "rejected", "lost", "retry", "prune"]
            ),
        ),
    ),
    min_size=1,
    max_size=20,
)


def _local_admissions(store: Store) -> list[CheckIn]:
    with store.read() as session:
        return list(
            session.scalars(select(CheckIn).where(CheckIn.local).order_by(CheckIn.scanned_at))
        )


def _play(store: Store, tickets: list[str], step: Step, n: int) -> None:
    if isinstance(step, Admit):
        record_admission(store, step.event_id, tickets[step.ticket], NOW)
    elif isinstance(step, Undo):
        local = _local_admissions(store)
        if local:
            at = NOW + dt.timedelta(seconds=step.later_s)
            undo_admission(store, local[step.admission % len(local)].id, at)
    elif isinstance(step, SignUpHere):
        name, phone = PEOPLE[n % len(PEOPLE)]
        form = SignupForm(name, phone[:-3] + f"{n:03d}")
        with contextlib.suppress(ValidationFailed):  # the event may be full or gone by now
            sign_up(
                store, step.event_id, form, CONSENT,
                accept_waitlist=step.waitlist, now=NOW - dt.timedelta(hours=2),
            )  # fmt: skip
    elif isinstance(step, Pull):
        _pull(store, step, n)
    else:
        _push(store, step.answer)


def _pull(store: Store, pull: Pull, n: int) -> None:
    local = _local_admissions(store)
    echoes = [
        replace(
            _pulled_checkin(0, (row.key_id, row.event_id, row.number), echo.flagged, echo.undone),
            id=row.id,
            device_id=row.device_id,
            device_name="이 키오스크",
            scanned_at=row.scanned_at,
        )
        for echo in pull.echoes
        if local
        for row in [local[echo.admission % len(local)]]
    ]
    page = PulledPage(
        cursor=f"c{n}",
        reset=pull.reset,
        events=[_pulled_event(e) for e in EVENTS if e != pull.deleted_event],
        deleted_events=[pull.deleted_event] if pull.deleted_event else [],
        registrations=pull.registrations,
        deleted_registrations=[_registration_id(i) for i in pull.deleted_registrations],
        checkins=[*pull.checkins, *echoes],
        deleted_checkins=[_checkin_id(i) for i in pull.deleted_checkins],
    )
    with store.write() as session:
        apply_page(session, page)


def _push(store: Store, answer: str) -> None:
    if answer == "retry":
        with store.read() as session:
            rejected = session.scalars(
                select(OutboxMutation.id).where(OutboxMutation.state == MutationState.REJECTED)
            ).all()
        retry_rejected(store, rejected)
        return
    with store.write() as session:
        if answer == "prune":
            prune_sent(session, NOW + dt.timedelta(days=1))
            return
        queued = session.scalars(
            select(OutboxMutation.id)
            .where(OutboxMutation.state == MutationState.PENDING)
            .order_by(OutboxMutation.seq)
            .limit(3)
        ).all()
        mark_in_flight(session, queued, NOW)
        if answer == "lost":
            release_in_flight(session, "timeout", NOW)
            return
        delivered = answer != "rejected"
        code = answer if answer == "duplicate_admission" else ""
        record_results(
            session,
            [DeliveryResult(mutation_id, delivered, code) for mutation_id in queued],
            NOW,
            server_time=NOW,
        )


def _assert_kept_equals_recount(store: Store) -> None:
    with store.read() as session:
        for event_id in EVENTS:
            assert event_counts(store, event_id) == recount(session, event_id), event_id
        states = recount_states(session)
        assert pending_count(session) == states.get("pending", 0) + states.get("in_flight", 0)
        assert needs_attention_count(session) == states.get("rejected", 0)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps)
def test_kept_counts_equal_a_full_recount_after_any_sequence(
    template: tuple[Path, list[str]], played: list[Step]
) -> None:
    # Hypothesis runs many examples in one test call: each gets its own copy.
    path, tickets = template
    store, directory = _copy(path)
    try:
        _assert_kept_equals_recount(store)
        for n, step in enumerate(played):
            _play(store, tickets, step, n)
            _assert_kept_equals_recount(store)
    finally:
        store.close()
        shutil.rmtree(directory, ignore_errors=True)


def test_a_second_admission_of_one_ticket_counts_once_and_undoing_one_keeps_it_in(
    template: tuple[Path, list[str]],
) -> None:
    path, tickets = template
    store, directory = _copy(path)
    try:
        first = record_admission(store, 501, tickets[0], NOW)
        assert isinstance(first, Verdict) and first.checkin_id and first.identity
        # Another kiosk let the same ticket in as well; the server flagged it.
        other = _pulled_checkin(1, first.identity, flagged=True, undone=False)
        with store.write() as session:
            apply_page(session, PulledPage(cursor="c1", checkins=[other]))
        counts = event_counts(store, 501)
        assert (counts.registered, counts.checked_in, counts.flagged) == (3, 1, 1)
        undo_admission(store, first.checkin_id, NOW)
        assert event_counts(store, 501).checked_in == 1  # still in, by the other kiosk
        with store.read() as session:
            assert event_counts(store, 501) == recount(session, 501)
    finally:
        store.close()
        shutil.rmtree(directory, ignore_errors=True)


def test_a_kiosk_upgraded_with_sign_ups_and_admissions_starts_with_true_counts(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    upgrade(store.engine, "0008")
    enroll_locally(store, new_keypair()[1])
    add_event_today(store, 501)
    day_before = NOW - dt.timedelta(days=1)
    tickets = [
        sign_up(store, 501, SignupForm(name, phone), CONSENT, now=day_before).ticket
        for name, phone in PEOPLE
    ]
    record_admission(store, 501, tickets[0], NOW)
    second = record_admission(store, 501, tickets[1], NOW)
    assert isinstance(second, Verdict) and second.checkin_id
    undo_admission(store, second.checkin_id, NOW)

    upgrade(store.engine)

    with store.read() as session:
        assert event_counts(store, 501) == recount(session, 501)
        assert event_counts(store, 501).registered == 3
        assert event_counts(store, 501).checked_in == 1
        # Three sign-ups, two admissions and an undo wait to be sent.
        assert pending_count(session) == 6
    store.close()
