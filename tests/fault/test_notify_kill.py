"""A notifier killed mid-send (a real SIGKILL) sends each message exactly once after restart.

The SMS provider records the message and then holds its answer: the provider
has it, the notifier never hears. The process is killed right then. The
restarted notifier must find the message at the provider instead of sending
it again, and send the e-mail that was waiting exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from server.db import Database, open_database
from server.models import Notification
from tests.integration.notify.citizens import complaint
from tests.integration.server.live import LiveServer
from tests.support.mailbox import SmtpServer
from tests.support.sms_provider import API_KEY, API_SECRET, SmsProvider

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server_db(tmp_path: Path) -> Iterator[tuple[Database, str]]:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    db = open_database(url)
    yield db, url
    db.close()


def _notifier(url: str, smtp: SmtpServer, sms: SmsProvider) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CIVIC_SERVER_DATABASE_URL": url,
        "CIVIC_SERVER_PUBLIC_URL": "https://kiosk.seoul.example",
        "CIVIC_SERVER_NOTIFY_INTERVAL": "1",
        "CIVIC_SERVER_NOTIFY_LEASE": "1",
        "CIVIC_SERVER_NOTIFY_QUIET_HOURS": "",
        "CIVIC_SERVER_SMTP_HOST": "127.0.0.1",
        "CIVIC_SERVER_SMTP_PORT": str(smtp.port),
        "CIVIC_SERVER_SMTP_SECURITY": "none",
        "CIVIC_SERVER_SMTP_FROM": "minwon@seoul.example",
        "CIVIC_SERVER_SMS_API_URL": sms.url,
        "CIVIC_SERVER_SMS_API_KEY": API_KEY,
        "CIVIC_SERVER_SMS_API_SECRET": API_SECRET,
        "CIVIC_SERVER_SMS_SENDER": "02-120-0120",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "notify", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _all_sent(db: Database, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with db.read() as session:
            states = set(session.scalars(select(Notification.state)))
        if states == {"sent"}:
            return True
        time.sleep(0.2)
    return False


def test_a_notifier_killed_mid_send_sends_each_message_once(
    server_db: tuple[Database, str], tmp_path: Path
) -> None:
    db, url = server_db
    smtp, sms = SmtpServer.start(), SmsProvider.start()
    live = LiveServer.start(db)
    kiosk = live.kiosk()
    try:
        kiosk.push(
            [
                complaint(kiosk, notify=True, phone="010-5555-6666"),
                complaint(kiosk, notify=True, email="minsu@example.org", language="en"),
            ]
        )
        sms.provider.hold_next = True
        first = _notifier(url, smtp, sms)
        try:
            assert sms.provider.holding.wait(60), "the notifier never sent the SMS"
            os.kill(first.pid, signal.SIGKILL)
        finally:
            first.wait(30)
        sms.provider.release.set()  # the answer goes to a dead process

        second = _notifier(url, smtp, sms)
        try:
            assert _all_sent(db, 60)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(30)

        assert len(sms.provider.to("01055556666")) == 1
        assert len(smtp.mailbox.to("minsu@example.org")) == 1
        with db.read() as session:
            sms_row = session.scalars(
                select(Notification).where(Notification.channel == "sms")
            ).one()
        # Found at the provider under its key, not sent again.
        assert sms_row.provider_id == sms.provider.messages[0]["messageId"]
    finally:
        kiosk.close()
        live.stop()
        smtp.stop()
        sms.stop()
