"""How the server is served: the uvicorn options every way of starting it shares.

uvicorn picks its HTTP parser and event loop itself: httptools and uvloop
(both dependencies of the server) when they import, else its pure-Python h11
parser and asyncio's loop. The pure-Python parser cost about a tenth of each
push on this project's 2-core test machine.
"""

from __future__ import annotations

from typing import Any


def uvicorn_options(host: str, port: int) -> dict[str, Any]:
    # Any: uvicorn's keyword arguments have a dozen different types.
    return {
        "host": host,
        "port": port,
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "http": "auto",
        "loop": "auto",
        # Kiosks keep their connection between pushes and pulls (60 s apart by
        # default): a connection closed after uvicorn's 5 s would be re-opened
        # on every round.
        "timeout_keep_alive": 75,
    }
