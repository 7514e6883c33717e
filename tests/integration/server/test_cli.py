"""``civic-kiosk-server`` commands against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from core.pipes import BROKEN_PIPE_EXIT
from server.catalogue import NewEvent, add_event
from server.cli import main
from server.submissions import change_status, detail, photo
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk
from tests.integration.web.seed import complaint, scene_jpeg
from tests.support.pipes import run_into_closed_pipe

CODE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def run(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, str, str]:
    status = main([*argv, "--db", db_url])
    out, err = capsys.readouterr()
    return status, out, err


def test_enrollment_code_prints_a_usable_code_last(
    capsys: pytest.CaptureFixture[str], db_url: str, live: LiveServer
) -> None:
    status, out, _ = run(capsys, db_url, "enrollment-code", "--office", "성북구 현장민원실")

    assert status == 0
    code = out.strip().splitlines()[-1]
    assert CODE.match(code)
    kiosk = SimKiosk.enroll(live.base_url, code)
    assert kiosk.office == "성북구 현장민원실"


def test_devices_and_revoke(
    capsys: pytest.CaptureFixture[str], db_url: str, live: LiveServer
) -> None:
    kiosk = live.kiosk(office="마포구")

    status, out, _ = run(capsys, db_url, "devices")
    assert status == 0
    assert kiosk.device_id in out and "마포구" in out and "active" in out

    status, out, _ = run(capsys, db_url, "revoke", kiosk.device_id)
    assert (status, out.strip()) == (0, f"revoked {kiosk.device_id}")
    assert kiosk.pull_raw().status_code == 403
    _, out, _ = run(capsys, db_url, "devices")
    assert "revoked" in out

    status, _, err = run(capsys, db_url, "revoke", "no-such-device")
    assert status == 1
    assert "no device 'no-such-device'" in err


def test_event_add_and_list(
    capsys: pytest.CaptureFixture[str], db_url: str, live: LiveServer
) -> None:
    status, out, _ = run(
        capsys,
        db_url,
        "event",
        "add",
        "--title-ko",
        "청년 정책 간담회",
        "--title-en",
        "Youth round table",
        "--starts",
        "2027-01-10T14:00",
        "--capacity",
        "40",
        "--offline-block",
        "10",
    )
    assert status == 0
    event_id = int(out.split()[-1])

    _, listing, _ = run(capsys, db_url, "event", "list")
    assert "청년 정책 간담회" in listing and "2027-01-10 14:00 KST" in listing
    # The kiosk sees it, with its start converted from Seoul time.
    [event] = [e for e in live.kiosk().pull()["changes"]["events"] if e["id"] == event_id]
    assert event["starts_at"].startswith("2027-01-10T05:00:00")
    assert (event["capacity"], event["offline_block"]) == (40, 10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--capacity", "0"], "capacity must be at least 1"),
        (["--capacity", "5", "--offline-block", "6"], "offline block must be between"),
        (["--capacity", "5", "--ends", "2027-01-10T13:00"], "must end after it starts"),
    ],
)
def test_event_add_refuses_bad_values(
    capsys: pytest.CaptureFixture[str], db_url: str, args: list[str], message: str
) -> None:
    status, _, err = run(
        capsys,
        db_url,
        "event",
        "add",
        "--title-ko",
        "가",
        "--title-en",
        "A",
        "--starts",
        "2027-01-10T14:00",
        *args,
    )

    assert status == 1
    assert err.startswith("error: ") and message in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--starts", "next tuesday", "--capacity", "3"], "not an ISO 8601 date/time"),
        (["--starts", "2027-01-10T14:00", "--capacity", "five"], "invalid int value"),
        (["--starts", "2027-01-10T14:00"], "the following arguments are required: --capacity"),
    ],
)
def test_event_add_usage_errors(
    capsys: pytest.CaptureFixture[str], db_url: str, args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, db_url, "event", "add", "--title-ko", "가", "--title-en", "A", *args)

    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_categories(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    assert (
        run(
            capsys,
            db_url,
            "category",
            "add",
            "--code",
            "road",
            "--name-ko",
            "도로",
            "--name-en",
            "Roads",
        )[0]
        == 0
    )
    status, _, err = run(
        capsys,
        db_url,
        "category",
        "add",
        "--code",
        "road",
        "--name-ko",
        "도로",
        "--name-en",
        "Roads",
    )
    assert status == 1 and "exists already" in err

    _, listing, _ = run(capsys, db_url, "category", "list")
    assert "road" in listing and "도로" in listing
    assert run(capsys, db_url, "category", "remove", "road")[0] == 0
    assert "no categories" in run(capsys, db_url, "category", "list")[1]


def _deliver(live: LiveServer) -> SimKiosk:
    event = add_event(
        live.db,
        NewEvent(
            title_ko="행사",
            title_en="Event",
            capacity=5,
            offline_block=5,
            starts_at=dt.datetime(2027, 2, 1, tzinfo=dt.UTC),
        ),
    )
    kiosk = live.kiosk()
    results = kiosk.push(
        [
            kiosk.complaint(description='=HYPERLINK("http://x")', name="김민수"),
            kiosk.signup(event, 1, name="이영희"),
            kiosk.checkin(event, kiosk.signing_key_id, 1),
            kiosk.complaint(receipt_code="bad"),
        ]
    )
    assert [r["status"] for r in results] == ["applied", "applied", "applied", "rejected"]
    return kiosk


def test_export_jsonl_has_every_record_unsealed(
    capsys: pytest.CaptureFixture[str], db_url: str, live: LiveServer
) -> None:
    kiosk = _deliver(live)

    status, out, err = run(capsys, db_url, "export")

    assert status == 0 and "exported 4 records" in err
    records = [json.loads(line) for line in out.splitlines()]
    by_kind = {r["kind"]: r for r in records}
    assert set(by_kind) == {"complaint", "signup", "checkin", "rejected"}
    assert by_kind["complaint"]["name"] == "김민수"
    assert by_kind["complaint"]["description"].startswith("=HYPERLINK")
    assert by_kind["complaint"]["device_id"] == kiosk.device_id
    assert by_kind["signup"]["name"] == "이영희" and by_kind["signup"]["status"] == "confirmed"
    assert by_kind["checkin"]["receipt_code"] == by_kind["signup"]["receipt_code"]
    assert by_kind["rejected"]["code"] == "invalid_payload"
    assert all(r["received_at"] for r in records)


def test_export_csv_filters_and_defuses_formulas(
    capsys: pytest.CaptureFixture[str], db_url: str, live: LiveServer
) -> None:
    _deliver(live)

    status, out, _ = run(capsys, db_url, "export", "--format", "csv", "--kind", "complaint")

    assert status == 0
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["kind"] == "complaint" and row["name"] == "김민수"
    assert row["description"].startswith("'=HYPERLINK")
    _, later, _ = run(capsys, db_url, "export", "--since", "2999-01-01")
    assert later == ""


def test_purge_photos_deletes_only_those_of_cases_closed_long_enough_ago(
    capsys: pytest.CaptureFixture[str], db_url: str, live: LiveServer
) -> None:
    kiosk = live.kiosk()
    now = dt.datetime.now(dt.UTC)
    pushed = [complaint(kiosk, now, photo=scene_jpeg(640, 480, seed=n)) for n in range(3)]
    assert [r["status"] for r in kiosk.push(pushed)] == ["applied"] * 3
    closed_long_ago, closed_lately, still_open = (m["id"] for m in pushed)
    change_status(
        live.db, closed_long_ago, "closed", "처리 완료", None, now=now - dt.timedelta(days=200)
    )
    change_status(
        live.db, closed_lately, "closed", "처리 완료", None, now=now - dt.timedelta(days=5)
    )
    change_status(live.db, still_open, "in_progress", "", None, now=now - dt.timedelta(days=200))

    status, out, _ = run(capsys, db_url, "purge-photos", "--closed-days", "90")

    assert (status, out.strip()) == (0, "deleted the photos of 1 closed case(s)")
    assert photo(live.db, closed_long_ago) is None
    assert photo(live.db, closed_lately) is not None
    assert photo(live.db, still_open) is not None
    case = detail(live.db, closed_long_ago)
    assert case is not None and case.submission.status == "closed"  # the case stays
    status, _, err = run(capsys, db_url, "purge-photos", "--closed-days", "0")
    assert status == 1 and "--closed-days must be at least 1" in err


def test_a_bad_database_url_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "--db", "mysql://nope"]) == 1
    assert "unsupported database" in capsys.readouterr().err


def test_a_listing_into_a_pipe_its_reader_closed_ends_without_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``civic-kiosk-server category list | head``: head leaving is not an error to report."""
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    for n in range(3):
        run(
            capsys,
            db_url,
            "category",
            "add",
            "--code",
            f"c{n}",
            "--name-ko",
            "가",
            "--name-en",
            "A",
        )
    done = run_into_closed_pipe("server.cli", ["category", "list", "--db", db_url])

    assert (done.returncode, done.stderr) == (BROKEN_PIPE_EXIT, "")
