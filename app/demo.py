"""``civic-kiosk demo``: a kiosk and a demo central server on this machine.

The server runs as a separate process (``civic-kiosk-server serve --demo``)
on 127.0.0.1 and a free port, with its database in the demo directory; the
kiosk enrols with it and syncs in the background, exactly as in a field
office, so the demo exercises the real protocol. The server stops with the
kiosk window.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import Settings
from kiosk.staff import has_pin, set_pin
from kiosk.store import Store, open_store
from printing.health import PrinterHealth
from sync.client import wait_for_health
from sync.enrolment import EnrolmentFailed, enroll, move_to_server
from sync.worker import SyncWorker, start_sync

log = logging.getLogger(__name__)

DEMO_OFFICE = "서울시청 시민청 (데모)"
# A fixed, public PIN: the demo has nothing to protect, and its window closes only from staff mode.
DEMO_PIN = "123456"
START_TIMEOUT_S = 30.0


class DemoError(Exception):
    """The demo could not be set up; the message says what to look at."""


@dataclass
class DemoServer:
    process: subprocess.Popen[bytes]
    url: str
    db_url: str
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_command(*args: str) -> list[str]:
    # The interpreter running this kiosk has the server installed beside it;
    # that works in a virtualenv and in a source checkout alike.
    return [sys.executable, "-m", "server.cli", *args]


def _die_with_parent() -> None:
    """In the server child (Linux): get SIGTERM when the kiosk process dies.

    ``stop()`` covers a normal exit; this covers a kiosk killed outright, which
    would otherwise leave a demo server running on the machine.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_demo_server(directory: Path) -> DemoServer:
    db_url = f"sqlite:///{directory / 'server.db'}"
    port = free_port()
    log_path = directory / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            server_command(
                "serve", "--demo", "--db", db_url, "--host", "127.0.0.1", "--port", str(port)
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    server = DemoServer(process, f"http://127.0.0.1:{port}", db_url, log_path)
    if not wait_for_health(server.url, START_TIMEOUT_S, interval_s=0.2):
        server.stop()
        raise DemoError(
            f"the demo server did not start within {START_TIMEOUT_S:.0f} s; "
            f"its log is {log_path}:\n{_tail(log_path)}"
        )
    return server


def enrollment_code(server: DemoServer) -> str:
    done = subprocess.run(
        server_command("enrollment-code", "--office", DEMO_OFFICE, "--db", server.db_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise DemoError(f"could not make an enrolment code: {done.stderr.strip()}")
    return lines[-1].strip()


def connect_kiosk(store: Store, server: DemoServer) -> None:
    """Enrol once; a kept demo directory reuses its device on the server's new port."""
    if move_to_server(store, server.url):
        return
    try:
        enroll(store, server.url, enrollment_code(server), name="demo kiosk")
    except EnrolmentFailed as exc:
        raise DemoError(f"the kiosk could not enrol with the demo server: {exc}") from exc


def run_demo(settings: Settings, data_dir: Path | None) -> int:
    """Run the demo until the window closes; raises DemoError if it cannot start."""
    from app.launch import run_kiosk

    directory = data_dir or Path(tempfile.mkdtemp(prefix="civic-kiosk-demo-"))
    directory.mkdir(parents=True, exist_ok=True)
    # A window on the desktop, not a locked full-screen kiosk (still left through staff mode).
    demo_settings = settings.with_overrides(
        data_dir=str(directory), database_url="", office_name=DEMO_OFFICE, kiosk_mode=False
    )
    store = open_store(demo_settings.database_url_resolved)
    server = start_demo_server(directory)
    worker: SyncWorker | None = None
    try:
        connect_kiosk(store, server)
        if not has_pin(store):
            set_pin(store, DEMO_PIN)
        log.warning("demo: staff mode is a long press on the title, PIN %s", DEMO_PIN)
        health = PrinterHealth()
        worker = start_sync(store, demo_settings, printer_state=health.report)
        log.info("demo server at %s; data in %s", server.url, directory)
        # Staff settings saved in the demo stay with the demo, not in the real kiosk config.
        return run_kiosk(
            demo_settings,
            store,
            sync=worker,
            config_path=directory / "kiosk.toml",
            printer_health=health,
        )
    finally:
        if worker is not None:
            worker.stop(timeout=2.0)
        server.stop()
        store.close()


def _tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    return ""
