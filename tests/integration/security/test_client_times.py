"""Finding 1: one record dated year 9999 broke the staff submissions list for good.

A kiosk's clock is not trusted: an implausible time is replaced by the
server's receipt time before it is stored, and the answer says so with the raw
value. Pages, CSV and Open311 show a stored odd time as it is, never a 500.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from server.models import MutationRecord, Submission
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk
from tests.integration.web.staffsite import Site

FAR_FUTURE = "9999-12-31T23:59:59-14:00"
FAR_PAST = "0001-01-01T00:00:00+14:00"


def test_a_year_9999_record_is_kept_with_the_servers_time_and_the_raw_value_noted(
    live: LiveServer, kiosk: SimKiosk
) -> None:
    mutation = kiosk.complaint(created_at=FAR_FUTURE)
    mutation["occurred_at"] = FAR_PAST

    [result] = kiosk.push([mutation])

    assert result["status"] == "applied"
    assert result["code"] == "time_replaced"
    assert FAR_FUTURE.replace("-14:00", "") in result["message"]
    assert "occurred_at" in result["message"] and "created_at" in result["message"]
    with live.db.read() as session:
        stored = session.get(Submission, mutation["id"])
        assert stored is not None
        assert stored.created_at == stored.received_at
        ledger = session.scalars(select(MutationRecord)).one()
        assert ledger.occurred_at == stored.received_at
        assert "9999-12-31" in ledger.message


def test_a_resend_of_the_clamped_record_is_still_a_duplicate(kiosk: SimKiosk) -> None:
    mutation = kiosk.complaint(created_at=FAR_FUTURE)
    kiosk.push([mutation])

    [again] = kiosk.push([mutation])

    assert (again["status"], again["code"]) == ("duplicate", "time_replaced")


def test_a_plausible_kiosk_time_is_kept_as_reported(live: LiveServer, kiosk: SimKiosk) -> None:
    mutation = kiosk.complaint()

    [result] = kiosk.push([mutation])

    assert (result["status"], result["code"]) == ("applied", "")
    with live.db.read() as session:
        stored = session.get(Submission, mutation["id"])
        assert stored is not None
        reported = mutation["payload"]["created_at"].replace("Z", "+00:00")
        assert stored.created_at == dt.datetime.fromisoformat(reported)


def test_a_stored_year_9999_time_breaks_no_page_csv_or_open311_answer(site: Site) -> None:
    # A row stored before pushes were bounded: the staff list must still open.
    mutation = site.kiosk.complaint()
    assert site.kiosk.push([mutation])[0]["status"] == "applied"
    end_of_time = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
    with site.db.write() as session:
        session.execute(
            update(Submission)
            .where(Submission.id == mutation["id"])
            .values(created_at=end_of_time, updated_at=end_of_time)
        )
    officer = site.client()
    assert officer.login("officer").status_code == 303

    listing = officer.get("/staff/submissions")
    detail = officer.get(f"/staff/submissions/{mutation['id']}")
    export = officer.get("/staff/submissions.csv")
    one = officer.get(f"/open311/v2/requests/{mutation['id']}.json")

    assert [r.status_code for r in (listing, detail, export, one)] == [200, 200, 200, 200]
    assert "9999-12-31T23:00" in listing.text
    assert "9999-12-31T23:00" in export.text
    assert one.json()[0]["requested_datetime"].startswith("9999-12-31T23:00:00")


def test_open311_date_ranges_at_the_ends_of_the_calendar_are_a_400(site: Site) -> None:
    client = site.client()
    for query in ("start_date=9999-12-31T00:00:00Z", "end_date=0001-01-02T00:00:00Z"):
        reply = client.get(f"/open311/v2/requests.json?{query}")
        assert reply.status_code == 400, query
        assert reply.json()[0]["code"] == 400
