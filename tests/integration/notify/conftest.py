"""The server tests' fixtures (a real server per test, SQLite and PostgreSQL), an SMTP
server and a SOLAPI-speaking SMS provider on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.server.conftest import (  # noqa: F401  (fixtures, by name)
    _stopping,
    backend,
    db,
    db_url,
    kiosk,
    live,
    postgres_cluster,
    template,
)
from tests.support.mailbox import SmtpServer
from tests.support.sms_provider import SmsProvider


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer.start()
    yield server
    server.stop()


@pytest.fixture
def sms() -> Iterator[SmsProvider]:
    provider = SmsProvider.start()
    yield provider
    provider.stop()
