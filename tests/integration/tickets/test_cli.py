"""``civic-kiosk check-in`` and ``sign-up`` from a script: the door pipeline, headless.

The kiosk here is enrolled locally (no server is needed to check in: that is
the point of offline verification). The clock is the real one, so the event
"happening today" is made around the moment the test runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from core.sealing import new_keypair
from kiosk.models import CheckIn, Event
from kiosk.signups import SignupForm, sign_up
from kiosk.store import Store, open_store
from kiosk.submissions import Consent, Receipt
from tests.conftest import enroll_locally

Run = Callable[..., tuple[int, str, str]]
CONSENT = Consent(version="2026-11", required=True)
TODAY, LATER = 11, 12


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The store the CLI opens, enrolled, with one event today and one next week."""
    config = tmp_path / "kiosk.toml"
    config.write_text("")
    monkeypatch.setenv("CIVIC_KIOSK_CONFIG", str(config))
    monkeypatch.setenv("CIVIC_KIOSK_DATA_DIR", str(tmp_path / "kiosk"))
    opened = open_store(f"sqlite:///{tmp_path / 'kiosk' / 'kiosk.db'}")
    enroll_locally(opened, new_keypair()[1])
    now = dt.datetime.now(dt.UTC)
    with opened.write() as session:
        # Started a minute ago and on until tomorrow: "today" wherever Seoul's midnight falls.
        session.add(_event(TODAY, now - dt.timedelta(minutes=1), now + dt.timedelta(days=1)))
        session.add(_event(LATER, now + dt.timedelta(days=7), None))
    yield opened
    opened.close()


def _event(event_id: int, starts_at: dt.datetime, ends_at: dt.datetime | None) -> Event:
    return Event(
        id=event_id,
        title_ko="행사",
        title_en=f"Event {event_id}",
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=10,
        offline_block=5,
        taken_remote=0,
        cancelled=False,
    )


@pytest.fixture
def cli(store: Store, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def signed_up_today(store: Store) -> Receipt:
    """A sign-up made yesterday, before the event started."""
    with store.read() as session:
        event = session.get(Event, TODAY)
        assert event is not None
    before = event.starts_at - dt.timedelta(days=1)
    return sign_up(store, TODAY, SignupForm("김민수", "010-1234-5678"), CONSENT, now=before)


def verdict(out: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(out)
    return parsed


def test_an_admitted_ticket_exits_0_with_the_verdict_and_is_recorded(
    cli: Run, store: Store
) -> None:
    receipt = signed_up_today(store)

    code, out, _ = cli("check-in", receipt.ticket, "--json")

    assert code == 0
    shown = verdict(out)
    assert {k: shown[k] for k in ("kind", "reason", "masked_name", "ticket_type", "previous")} == {
        "kind": "admit",
        "reason": None,
        "masked_name": "김*수",
        "ticket_type": "standard",
        "previous": None,
    }
    with store.read() as session:
        assert session.get(CheckIn, shown["checkin_id"]) is not None


def test_a_second_check_in_exits_1_and_says_when_and_where(cli: Run, store: Store) -> None:
    receipt = signed_up_today(store)
    assert cli("check-in", receipt.ticket, "--event", str(TODAY))[0] == 0

    code, out, _ = cli("check-in", receipt.manual_code, "--json")

    shown = verdict(out)
    assert (code, shown["kind"], shown["masked_name"]) == (1, "already", "김*수")
    assert shown["previous"]["this_kiosk"] is True
    assert dt.datetime.fromisoformat(shown["previous"]["at"]) <= dt.datetime.now(dt.UTC)


@pytest.mark.parametrize(
    ("scanned", "reason"), [("CK1NOTATICKET", "malformed"), ("2222222Z", "malformed")]
)
def test_a_refused_ticket_exits_1_with_its_reason(cli: Run, scanned: str, reason: str) -> None:
    code, out, _ = cli("check-in", scanned, "--json")

    assert code == 1
    assert (verdict(out)["kind"], verdict(out)["reason"]) == ("invalid", reason)


def test_without_json_the_verdict_is_one_line(cli: Run) -> None:
    code, out, _ = cli("check-in", "CK1" + "A" * 128, "--event", str(TODAY))

    assert (code, out.strip()) == (1, "invalid: unknown_key")


def test_sign_up_prints_the_ticket_it_issued_and_check_in_reads_it(
    cli: Run, tmp_path: Path
) -> None:
    form = tmp_path / "form.json"
    form.write_text(
        json.dumps(
            {
                "name": "이영희",
                "phone": "010-5555-6666",
                "consent": {"version": "2026-11", "required": True},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, out, _ = cli("sign-up", str(LATER), "--json", str(form))
    receipt = json.loads(out)
    assert code == 0 and receipt["status"] == "confirmed"
    assert receipt["ticket"].startswith("CK1") and len(receipt["ticket"]) == 131
    assert len(receipt["manual_code"]) == 8

    code, out, _ = cli("check-in", receipt["ticket"], "--event", str(LATER), "--json")

    # Genuine and signed here, but for next week.
    assert (code, verdict(out)["kind"], verdict(out)["reason"]) == (1, "invalid", "wrong_day")


def test_without_event_the_one_event_today_is_used_and_two_need_a_choice(
    cli: Run, store: Store
) -> None:
    receipt = signed_up_today(store)
    now = dt.datetime.now(dt.UTC)
    with store.write() as session:
        session.add(_event(13, now - dt.timedelta(minutes=2), now + dt.timedelta(days=1)))

    code, _, err = cli("check-in", receipt.ticket)

    assert code == 2
    assert f"{TODAY} (Event {TODAY})" in err and "13 (Event 13)" in err
    with store.read() as session:
        assert session.query(CheckIn).count() == 0


def test_an_event_this_kiosk_does_not_have_exits_1(cli: Run) -> None:
    code, _, err = cli("check-in", "2222222Z", "--event", "999")

    assert code == 1 and "event 999" in err
