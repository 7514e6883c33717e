"""A fault-injecting HTTP/1.1 proxy for the sync integration and fault tests.

Tests put a ``FaultProxy`` between the kiosk's sync engine and the real
central server on 127.0.0.1 and switch faults on and off while the test
runs. The kiosk is enrolled through the proxy's URL, so every request the
engine makes passes it (``tests/support/sync_rig.py`` builds exactly this)::

    proxy = FaultProxy(("127.0.0.1", server_port), upstream_timeout=5.0).start()
    enroll(store, proxy.url, code, name="test kiosk")
    engine = SyncEngine(store, settings=EngineSettings(...))
    proxy.set_fault(Fault.drop_response(), times=1, path_prefix="/v1/sync/push")
    engine.run_once()             # the server commits, the kiosk never sees the ack
    assert proxy.faults_applied[0].kind is FaultKind.DROP_RESPONSE
    proxy.stop()

What it can do that the real server will not: close the socket before or
after the upstream (lost request, lost ack), reset mid-response, hold a
response, cut a body short, answer with a status or garbage of its own, draw
any of these at random with a seed (``Fault.flaky``), and stop listening
altogether (``pause_listening``). Standard library only, so the fault tests
depend on nothing that could itself hide or cause network behaviour.

- ``faults``  the fault descriptions, rules and the logs of what was applied
- ``wire``    reading and writing HTTP/1.1 messages whole
- ``proxy``   ``FaultProxy``: threads, sockets, per-request decisions
"""

from __future__ import annotations

from tests.support.faultproxy.faults import (
    AppliedFault,
    Fault,
    FaultKind,
    FaultRule,
    RequestRecord,
)
from tests.support.faultproxy.proxy import FaultProxy

__all__ = [
    "AppliedFault",
    "Fault",
    "FaultKind",
    "FaultProxy",
    "FaultRule",
    "RequestRecord",
]
