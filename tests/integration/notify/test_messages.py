"""Messages to citizens leave from the server's outbox: on consent only, once, in their language."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from core.clock import SEOUL, utcnow
from server import accounts
from server.models import Notification, Submission
from server.notifier import Notifier
from server.submissions import change_status
from tests.integration.notify.citizens import complaint, settings
from tests.integration.server.live import LiveServer
from tests.integration.server.simkiosk import SimKiosk
from tests.integration.web.staffsite import PASSWORD, StaffClient
from tests.support.mailbox import SmtpServer
from tests.support.sms_provider import SmsProvider


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def soon() -> Clock:
    """A clock a minute after now: what the server planned is due."""
    return Clock(utcnow() + dt.timedelta(minutes=1))


def next_seoul(hour: int, minute: int) -> dt.datetime:
    """The next time it is hour:minute in Seoul, after now."""
    local = utcnow().astimezone(SEOUL) + dt.timedelta(minutes=1)
    at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return (at if at > local else at + dt.timedelta(days=1)).astimezone(dt.UTC)


def _notifier(live: LiveServer, clock: Clock, **config: object) -> Notifier:
    configured = Notifier.configured(live.db, settings(**config))  # type: ignore[arg-type]
    configured.clock = clock
    configured.rng = lambda: 0.0
    return configured


def _server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the server logged (the test's SMTP server logs addresses: it is the far end)."""
    ours = [r for r in caplog.records if r.name.startswith(("server", "uvicorn", "sqlalchemy"))]
    assert any(r.name == "server.notifier" for r in ours)
    return "\n".join(r.getMessage() + str(getattr(r, "fields", "")) for r in ours)


def _states(live: LiveServer) -> list[tuple[str, str, str]]:
    with live.db.read() as session:
        return [
            (n.kind, n.channel, n.state)
            for n in session.scalars(select(Notification).order_by(Notification.id))
        ]


def test_an_answered_complaint_is_told_once_in_the_citizens_language_and_only_with_consent(
    live: LiveServer, kiosk: SimKiosk, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wants = complaint(kiosk, notify=True, language="en", email="jane@example.org")
    declines = complaint(kiosk, notify=False, language="en", email="quiet@example.org")
    kiosk.push([wants, declines])
    clock = soon()
    notifier = _notifier(live, clock, smtp=smtp)

    assert notifier.run_once().sent == 1
    change_status(live.db, wants["id"], "answered", "The lamp was repaired on 28 Nov.", None)
    change_status(live.db, declines["id"], "answered", "Repaired.", None)
    clock.now += dt.timedelta(minutes=1)
    notifier.run_once()
    notifier.run_once()  # nothing is sent twice

    received, answered = smtp.mailbox.to("jane@example.org")
    assert received["Subject"] == "[Seoul] Received"
    assert wants["payload"]["receipt_code"] in received.get_content()
    assert answered["Subject"] == "[Seoul] Status: answered"
    body = answered.get_content()
    assert "The lamp was repaired on 28 Nov." in body
    assert f"https://kiosk.seoul.example/status/{wants['payload']['receipt_code']}" in body
    assert "reply STOP" in body
    assert smtp.mailbox.to("quiet@example.org") == []
    assert len(smtp.mailbox.received) == 2
    # Nobody's address is in the server's log.
    text = _server_log(caplog)
    assert "jane@example.org" not in text and "quiet@example.org" not in text


def test_an_sms_goes_through_the_provider_in_korean_with_its_key(
    live: LiveServer, kiosk: SimKiosk, sms: SmsProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kiosk.push([complaint(kiosk, notify=True, phone="010-2345-6789")])

    assert _notifier(live, soon(), sms=sms).run_once().sent == 1

    (message,) = sms.provider.to("01023456789")
    assert message["text"].startswith("[서울시] 민원을 접수했습니다. 접수번호 ")
    assert "수신거부" in message["text"]
    assert message["from"] == "021200120"
    assert message["customFields"]["key"].endswith(":received:0:sms")
    text = _server_log(caplog)
    assert "2345-6789" not in text and "23456789" not in text


def test_quiet_hours_hold_messages_until_morning(
    live: LiveServer, kiosk: SimKiosk, smtp: SmtpServer
) -> None:
    kiosk.push([complaint(kiosk, notify=True, email="night@example.org")])
    clock = Clock(next_seoul(23, 30))
    notifier = _notifier(live, clock, smtp=smtp, notify_quiet_hours="21:00-08:00")

    assert notifier.run_once().held
    clock.now += dt.timedelta(hours=8, minutes=29)  # 07:59
    assert notifier.run_once().held
    assert smtp.mailbox.received == []
    clock.now += dt.timedelta(minutes=1)  # 08:00

    assert notifier.run_once().sent == 1
    assert len(smtp.mailbox.to("night@example.org")) == 1


def test_a_provider_error_is_retried_and_then_shown_to_staff(
    live: LiveServer, kiosk: SimKiosk, sms: SmsProvider
) -> None:
    first = complaint(kiosk, notify=True, phone="010-1111-2222")
    kiosk.push([first])
    clock = soon()
    notifier = _notifier(live, clock, sms=sms, notify_max_attempts=3)
    sms.provider.fail_next = 1

    assert notifier.run_once().retrying == 1
    assert _states(live) == [("received", "sms", "pending")]
    clock.now += dt.timedelta(minutes=5)
    assert notifier.run_once().sent == 1
    assert len(sms.provider.to("01011112222")) == 1

    second = complaint(kiosk, notify=True, phone="010-3333-4444")
    kiosk.push([second])
    sms.provider.fail_next = 10
    for _ in range(3):
        notifier.run_once()
        clock.now += dt.timedelta(hours=4)
    with live.db.read() as session:
        failed = session.scalars(
            select(Notification).where(Notification.subject_id == second["id"])
        ).one()
    assert (failed.state, failed.attempts) == ("failed", 3)
    assert "UnknownError" in failed.last_error
    assert sms.provider.to("01033334444") == []
    # Staff see it, masked, with the provider's reason, and can send it again.
    accounts.create_user(live.db, "officer", PASSWORD, "officer")
    staff = StaffClient(live.base_url)
    staff.login("officer")
    page = staff.get("/staff/messages").text
    assert second["payload"]["receipt_code"] in page
    assert "010-****-4444" in page and "3333" not in page
    assert "UnknownError" in page
    assert staff.submit(f"/staff/messages/{failed.id}/retry", {}).status_code == 303
    sms.provider.fail_next = 0
    assert notifier.run_once().sent == 1
    assert len(sms.provider.to("01033334444")) == 1


def test_a_complaint_without_consent_plans_nothing(live: LiveServer, kiosk: SimKiosk) -> None:
    declines = complaint(kiosk, notify=False, email="no@example.org", phone="010-1234-0000")
    kiosk.push([declines])
    change_status(live.db, declines["id"], "in_progress", "", None)

    assert _states(live) == []
    with live.db.read() as session:
        row = session.get(Submission, declines["id"])
        assert row is not None and (row.notify, row.language) == (False, "ko")
