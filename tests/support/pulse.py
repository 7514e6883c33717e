"""A throw-away PulseAudio sound server with a null sink, for tests that must hear the kiosk.

The kiosk plays its voice through Qt Multimedia to the system's sound server;
in a container there is no sound card, so this starts a private PulseAudio
(``module-null-sink``: a sink that plays into nothing, with a monitor source
that records what was played) on a socket in a temporary directory. Clients
find it through ``PULSE_SERVER``; ``record`` captures the monitor with
``parec``, so a test can measure what really came out.

Usage: ``with pulse_server(tmp_path) as server: ...`` (or the ``pulse``
fixture in tests/ui/voice_fixtures.py). Under CI=true a missing
``pulseaudio``/``parec`` fails instead of skipping (dev.py installs them).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SINK = "kiosk_test"


@dataclass(frozen=True)
class PulseServer:
    address: str  # for PULSE_SERVER
    directory: Path

    def env(self) -> dict[str, str]:
        return os.environ | {"PULSE_SERVER": self.address}

    def pactl(self, *args: str) -> str:
        return subprocess.run(
            ["pactl", *args], env=self.env(), capture_output=True, text=True, check=True, timeout=10
        ).stdout

    @contextmanager
    def record(self, rate: int = 22050) -> Iterator[Path]:
        """Record what the null sink plays (mono s16le at ``rate``) into a file, until exit."""
        out = self.directory / f"recording-{time.monotonic_ns()}.raw"
        with out.open("wb") as sink:
            process = subprocess.Popen(
                ["parec", "-d", f"{SINK}.monitor", "--format=s16le", f"--rate={rate}",
                 "--channels=1", "--latency-msec=20"],
                env=self.env(),
                stdout=sink,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                self._wait_for_recorder()
                yield out
            finally:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def _wait_for_recorder(self) -> None:
        # Recording starts when parec's stream exists on the server, not when it was spawned.
        for _ in range(250):
            if self.pactl("list", "short", "source-outputs").strip():
                return
            time.sleep(0.02)
        raise RuntimeError("parec did not start recording")


def missing_tools() -> list[str]:
    return [t for t in ("pulseaudio", "pactl", "parec") if shutil.which(t) is None]


@contextmanager
def pulse_server(directory: Path) -> Iterator[PulseServer]:
    directory.mkdir(parents=True, exist_ok=True)
    socket = directory / "native"
    runtime = directory / "runtime"
    runtime.mkdir(exist_ok=True)
    env = os.environ | {
        "HOME": str(directory),
        "PULSE_RUNTIME_PATH": str(runtime),
        "PULSE_STATE_PATH": str(directory / "state"),
    }
    env.pop("PULSE_SERVER", None)
    # -n: no default.pa (no hardware, no D-Bus); anonymous access on a private socket.
    process = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
         "--disable-shm=yes", "--log-target=stderr",
         "-L", f"module-null-sink sink_name={SINK} rate=44100",
         "-L", f"module-native-protocol-unix auth-anonymous=1 socket={socket}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(directory / "pulseaudio.log").open("wb"),
    )  # fmt: skip
    server = PulseServer(f"unix:{socket}", directory)
    try:
        for _ in range(250):
            if process.poll() is not None:
                log = (directory / "pulseaudio.log").read_text(errors="replace")
                raise RuntimeError(f"pulseaudio exited: {log[-2000:]}")
            if socket.exists():
                try:
                    server.pactl("info")
                    break
                except subprocess.CalledProcessError:
                    pass
            time.sleep(0.02)
        else:
            raise RuntimeError("pulseaudio did not come up")
        server.pactl("set-default-sink", SINK)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
