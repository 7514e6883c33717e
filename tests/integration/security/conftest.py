"""The attack findings of issue 16, each replayed against the real server.

Server fixtures (SQLite and PostgreSQL, a live server per test) come from the
server tests; ``site`` is a server with staff accounts and a kiosk, as the
staff page tests use it.
"""

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
from tests.integration.web.staffsite import Site


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running = Site.start(tmp_path_factory.mktemp("site"))
    yield running
    running.stop()
