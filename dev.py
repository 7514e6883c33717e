#!/usr/bin/env python3
"""Set up everything and run the kiosk demo or the whole test suite.

    python3 dev.py demo    # kiosk in demo mode, with an embedded central server
    python3 dev.py test    # ruff (lint and format) + mypy + import contracts + pytest

Works on a fresh Debian/Ubuntu machine that has only Python 3.11+: it creates
.venv, installs the project with its test extras, and (as root, or with sudo)
installs the few Debian packages Qt and the test suite need. Only the standard
library is used here, because nothing else exists yet when it runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")

# Shared libraries PySide6 wheels load even on the offscreen platform, and the
# xcb ones for a real screen. Debian package → a file it provides.
QT_RUNTIME = {
    "libegl1": "libEGL.so.1",
    "libgl1": "libGL.so.1",
    "libxkbcommon0": "libxkbcommon.so.0",
    "libxkbcommon-x11-0": "libxkbcommon-x11.so.0",
    "libfontconfig1": "libfontconfig.so.1",
    "libdbus-1-3": "libdbus-1.so.3",
    "libglib2.0-0": "libglib-2.0.so.0",
    "libxcb-cursor0": "libxcb-cursor.so.0",
    "libxcb-icccm4": "libxcb-icccm.so.4",
    "libxcb-keysyms1": "libxcb-keysyms.so.1",
    "libxcb-shape0": "libxcb-shape.so.0",
    "libxcb-xinerama0": "libxcb-xinerama.so.0",
    "libxcb-randr0": "libxcb-randr.so.0",
    "libxcb-render-util0": "libxcb-render-util.so.0",
    "libxcb-image0": "libxcb-image.so.0",
    "libgssapi-krb5-2": "libgssapi_krb5.so.2",
    # QtMultimedia (camera) and QtTextToSpeech do not even import without it.
    "libpulse0": "libpulse.so.0",
    "libspeechd2": "libspeechd.so.2",
}
# Programs the kiosk runs: its offline voice (eSpeak NG, ui/voice/espeak.py) and the
# sound server's command line, which tells when earphones are plugged in (ui/earphone.py).
RUNTIME_PROGRAMS = {
    "espeak-ng": "/usr/bin/espeak-ng",
    "pulseaudio-utils": "/usr/bin/pactl",
}
# Binaries the test suite runs: a throw-away PostgreSQL cluster for the server tests,
# Chromium for the staff web pages, an X server and xrandr for turning the display,
# binutils for the bundle build (PyInstaller; the reduced ICU data library), and a
# private PulseAudio sound server to hear the kiosk's voice through (tests/support/pulse.py).
TEST_TOOLS = {
    "binutils": "/usr/bin/ld",
    "postgresql": "/usr/lib/postgresql",
    "chromium": "/usr/bin/chromium",
    "xvfb": "/usr/bin/Xvfb",
    "x11-xserver-utils": "/usr/bin/xrandr",
    "pulseaudio": "/usr/bin/pulseaudio",
}


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(*argv: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in argv], check=True, cwd=ROOT, env=env)


def has_library(name: str) -> bool:
    try:
        listing = subprocess.run(
            ["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return True  # not a glibc system we know how to inspect; let pip/Qt speak
    return name in listing


def apt_install(packages: list[str]) -> None:
    if not packages:
        return
    if shutil.which("apt-get") is None:
        say(f"please install these system packages: {' '.join(packages)}")
        return
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            say(f"not root and no sudo: please install {' '.join(packages)}")
            return
        prefix = ["sudo"]
    say(f"installing Debian packages: {' '.join(packages)}")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    run(*prefix, "apt-get", "update", "-qq", env=env)
    run(*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages, env=env)


def ensure_system_packages(for_tests: bool) -> None:
    if sys.platform != "linux":
        return
    missing = [pkg for pkg, lib in QT_RUNTIME.items() if not has_library(lib)]
    missing += [pkg for pkg, path in RUNTIME_PROGRAMS.items() if not Path(path).exists()]
    if for_tests:
        missing += [pkg for pkg, path in TEST_TOOLS.items() if not Path(path).exists()]
    if not has_venv_support():
        missing.append(f"python3.{sys.version_info.minor}-venv")
    apt_install(missing)


def has_venv_support() -> bool:
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        return False
    return True


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("Civic Kiosk needs Python 3.11 or newer")
    stamp = VENV / ".installed"
    inputs = [ROOT / "pyproject.toml", ROOT / "requirements.lock"]
    newest = max(p.stat().st_mtime for p in inputs if p.exists())
    if stamp.exists() and stamp.stat().st_mtime >= newest and PY.exists():
        return
    if not PY.exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    say("installing the project and its test tools into .venv")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    constraints = ["-c", "requirements.lock"] if (ROOT / "requirements.lock").exists() else []
    run(PY, "-m", "pip", "install", "--quiet", *constraints, "-e", ".[test]")
    stamp.touch()


def tool(name: str) -> str:
    return str(BIN / name)


def _workers(extra: list[str]) -> list[str]:
    """``-n 2 --dist loadfile`` unless the caller chose (``-n``, ``-p no:xdist``, one file).

    Files run in the order tests/conftest.py gives them, costliest first, not
    xdist's own (most tests first), which left the three-minute layout audit
    for last, on one worker while the other sat idle.
    """
    if any(arg.startswith(("-n", "--numprocesses", "-p")) for arg in extra):
        return []
    return ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]


def run_tests(extra: list[str]) -> int:
    env = os.environ | {"QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    steps: list[tuple[str, list[str]]] = [
        ("ruff", [tool("ruff"), "check", "."]),
        ("ruff format", [tool("ruff"), "format", "--check", "."]),
        ("mypy", [tool("mypy")]),
        ("import contracts", [tool("lint-imports")]),
        # Two workers, a test file each at a time: the suite's servers, PostgreSQL
        # clusters and X servers are per process and bind free ports and displays.
        ("pytest", [tool("python"), "-m", "pytest", *_workers(extra), *extra]),
    ]
    for label, argv in steps:
        say(f"{label}: {' '.join(argv[1:]) or argv[0]}")
        code = subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode
        if code != 0:
            say(f"{label} failed (exit {code})")
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "setup"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    ensure_system_packages(for_tests=command == "test")
    ensure_venv()
    if command == "test":
        return run_tests(rest)
    if command == "demo":
        return subprocess.run(
            [tool("civic-kiosk"), "demo", *rest], cwd=ROOT, check=False
        ).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
