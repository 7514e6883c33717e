"""A real central server (SQLite) per module, and the scripted Open311 endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.open311.endpoint import Open311Endpoint
from tests.integration.web.staffsite import Site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running = Site.start(tmp_path_factory.mktemp("site"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def endpoint_server() -> Iterator[Open311Endpoint]:
    server = Open311Endpoint()
    yield server
    server.stop()


@pytest.fixture
def endpoint(endpoint_server: Open311Endpoint) -> Open311Endpoint:
    endpoint_server.reset()
    return endpoint_server
