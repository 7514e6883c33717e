"""Starting the real ``civic-kiosk run`` (source install or bundle) for the start-up benchmarks.

Both kinds start through the same entry (``installer/launcher.py``, which is
the bundle's entry too) with ``CIVIC_BENCH_PROBE`` set, so a source install
and a bundle are timed by the same signals: ``HOME_SHOWN`` on stdout at the
first paint of the home screen, and ``STORE_OPEN`` (app/launch.py) once the
store is open and the sync engine started, when a tap on the home screen no
longer waits for start-up. Each kiosk gets a fresh data directory with the
demo reference data and an empty settings file (the machine's own is never
read).

The window is a real one, as a kiosk has it: ``real_display`` starts an X
server of the benchmark's own (Xvfb, 1920×1080, the xcb platform, no window
manager: the production set-up) when there is one and ``QT_QPA_PLATFORM`` is
not set; otherwise the offscreen platform, and the tables say which.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.xvfb import xvfb

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = ROOT / "dist" / "civic-kiosk"
PROBE_LINE = "HOME_SHOWN"
READY_LINE = "STORE_OPEN"
START_TIMEOUT_S = 60.0
SCREEN = "1920x1080"


@dataclass(frozen=True)
class Display:
    """Where the windows open: ``env`` for the child, ``name`` for the tables."""

    name: str
    env: Mapping[str, str] = field(default_factory=dict)


@contextmanager
def real_display() -> Iterator[Display]:
    """An Xvfb of our own (xcb, no window manager), else offscreen (or QT_QPA_PLATFORM's)."""
    binary = shutil.which("Xvfb")
    chosen = os.environ.get("QT_QPA_PLATFORM")
    if chosen or binary is None:
        platform = chosen or "offscreen"
        yield Display(platform, {"QT_QPA_PLATFORM": platform})
        return
    with xvfb(SCREEN) as display:
        yield Display(
            f"Xvfb {SCREEN}, xcb, no window manager",
            {"QT_QPA_PLATFORM": "xcb", "DISPLAY": display},
        )


@dataclass(frozen=True)
class Kiosk:
    """One way to run the kiosk: ``source`` (this checkout's Python) or ``bundle``."""

    kind: str
    argv: tuple[str, ...]

    @classmethod
    def source(cls) -> Kiosk:
        return cls("source", (sys.executable, str(ROOT / "installer" / "launcher.py")))

    @classmethod
    def bare(cls) -> Kiosk:
        """The baseline: a bare PySide6 window (bench/bare_window.py), same signal."""
        return cls("bare window", (sys.executable, "-m", "bench.bare_window"))

    @classmethod
    def bundle(cls, directory: Path = DEFAULT_BUNDLE) -> Kiosk | None:
        program = directory / ("civic-kiosk.exe" if os.name == "nt" else "civic-kiosk")
        return cls("bundle", (str(program),)) if program.is_file() else None


def installed_env() -> dict[str, str]:
    """This environment as an installed kiosk has it: with compiled bytecode.

    A pip-installed kiosk has its bytecode compiled at install time and a
    bundle carries it; a developer's PYTHONDONTWRITEBYTECODE would make every
    start recompile the source (~0.2 s) and time the workstation, not the kiosk.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def kiosk_env(data_dir: Path, probe: str, display: Display | None = None) -> dict[str, str]:
    settings = data_dir / "kiosk.toml"
    settings.touch()
    env = {k: v for k, v in installed_env().items() if not k.startswith("CIVIC_KIOSK_")}
    env.update(
        {
            "CIVIC_KIOSK_CONFIG": str(settings),
            "CIVIC_KIOSK_DATA_DIR": str(data_dir),
            "CIVIC_KIOSK_LOG_DIR": str(data_dir),
            "CIVIC_BENCH_PROBE": probe,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            # The source kind imports from this checkout, like `pip install -e`.
            "PYTHONPATH": str(ROOT),
        }
    )
    if display is not None:
        env.update(display.env)
    return env


def prepare(kiosk: Kiosk, data_dir: Path) -> None:
    """A store with the demo categories and events, as a demo kiosk has."""
    if kiosk.kind == "bare window":
        return
    subprocess.run(
        [*kiosk.argv, "demo-data"],
        env=kiosk_env(data_dir, ""),
        capture_output=True,
        check=True,
        timeout=120,
    )


def _spawn(
    kiosk: Kiosk, data_dir: Path, probe: str, display: Display | None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*kiosk.argv, "run"],
        env=kiosk_env(data_dir, probe, display),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tempfile.gettempdir(),
    )


def _wait_for(process: subprocess.Popen[str], wanted: str, kind: str) -> None:
    """Until the process printed ``wanted`` on a line of its own."""
    assert process.stdout is not None
    for line in process.stdout:  # blocks until a line or the end of the output
        if line.strip() == wanted:
            return
    process.wait(timeout=START_TIMEOUT_S)
    raise RuntimeError(f"{kind} kiosk exited ({process.returncode}) before {wanted}")


def start(
    kiosk: Kiosk, data_dir: Path, probe: str, display: Display | None = None
) -> tuple[subprocess.Popen[str], float]:
    """Start the kiosk; return it and the seconds until it reported the home screen."""
    started = time.perf_counter()
    process = _spawn(kiosk, data_dir, probe, display)
    _wait_for(process, PROBE_LINE, kiosk.kind)
    return process, time.perf_counter() - started


def start_until_ready(
    kiosk: Kiosk, data_dir: Path, display: Display | None = None
) -> tuple[subprocess.Popen[str], float, float]:
    """Start the kiosk (``stay``); seconds until the home screen, and until its store was open.

    The bare window has no store: its "ready" is its first paint.
    """
    started = time.perf_counter()
    process = _spawn(kiosk, data_dir, "stay", display)
    _wait_for(process, PROBE_LINE, kiosk.kind)
    home = time.perf_counter() - started
    if kiosk.kind == "bare window":
        return process, home, home
    _wait_for(process, READY_LINE, kiosk.kind)
    return process, home, time.perf_counter() - started


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
