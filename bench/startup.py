"""Starting the real ``civic-kiosk run`` (source install or bundle) for the start-up benchmarks.

Both kinds start through the same entry (``installer/launcher.py``, which is
the bundle's entry too) with ``CIVIC_BENCH_PROBE`` set, so a source install
and a bundle are timed by the same signal: ``HOME_SHOWN`` on stdout at the
first paint of the home screen. Each kiosk gets a fresh data directory with
the demo reference data, an empty settings file (the machine's own is never
read) and the offscreen platform unless ``QT_QPA_PLATFORM`` says otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUNDLE = ROOT / "dist" / "civic-kiosk"
PROBE_LINE = "HOME_SHOWN"
START_TIMEOUT_S = 60.0


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


def kiosk_env(data_dir: Path, probe: str) -> dict[str, str]:
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


def start(kiosk: Kiosk, data_dir: Path, probe: str) -> tuple[subprocess.Popen[str], float]:
    """Start the kiosk; return it and the seconds until it reported the home screen."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*kiosk.argv, "run"],
        env=kiosk_env(data_dir, probe),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    assert process.stdout is not None
    for line in process.stdout:  # blocks until a line or the end of the output
        if line.strip() == PROBE_LINE:
            return process, time.perf_counter() - started
    process.wait(timeout=START_TIMEOUT_S)
    raise RuntimeError(f"{kiosk.kind} kiosk exited ({process.returncode}) before the home screen")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
