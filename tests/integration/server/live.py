"""The real central server on 127.0.0.1 in a background thread, on a fresh port."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn

from server.app import create_app
from server.db import Database
from server.enrolment import create_enrollment_code
from server.keys import ServerKeys, load_or_create_keys
from tests.integration.server.simkiosk import SimKiosk


@dataclass
class LiveServer:
    db: Database
    keys: ServerKeys
    server: uvicorn.Server
    thread: threading.Thread
    base_url: str = ""

    @classmethod
    def start(cls, db: Database, timeout: float = 10.0) -> LiveServer:
        keys = load_or_create_keys(db)
        config = uvicorn.Config(
            create_app(db, keys),
            host="127.0.0.1",
            port=0,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="live-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.005)
        port = server.servers[0].sockets[0].getsockname()[1]
        return cls(db, keys, server, thread, f"http://127.0.0.1:{port}")

    def stop(self, wait: bool = True) -> None:
        """Stop serving; without ``wait`` the thread winds down (~0.2 s) in the background."""
        self.server.should_exit = True
        if wait:
            self.thread.join(timeout=15)

    def code(self, office: str = "시청 민원실") -> str:
        return create_enrollment_code(self.db, office)

    def kiosk(self, office: str = "시청 민원실", name: str = "test kiosk") -> SimKiosk:
        return SimKiosk.enroll(self.base_url, self.code(office), name)
