"""Build the kiosk bundle: PyInstaller onedir, third-party notices, version stamp.

    python installer/build_bundle.py [--dist dist] [--work build/pyinstaller]
                                     [--self-contained] [--archive]

Leaves ``<dist>/civic-kiosk/`` with the ``civic-kiosk`` executable, ``LICENSE``,
``THIRD_PARTY_NOTICES/`` (scripts/collect_licences.py), ``VERSION`` (the
release name ``update.sh`` installs it under) and ``BUILD-INFO.json``; prints
the bundle's size and what takes the room. ``--archive`` also writes
``<dist>/civic-kiosk-<version>-<platform>.tar.gz`` (``.zip`` on Windows), the
file an update carries to a kiosk.

Build on the oldest OS the kiosks run (Debian 12): a Linux bundle needs a
glibc at least as new as the build machine's. By default the Linux bundle
leaves the distribution's own shared libraries to the kiosk's package manager
(``installer/linux/runtime-packages.txt``); ``--self-contained`` bundles them
too, with their Debian copyright files, for kiosks that are not set up by
``setup-kiosk.sh``.
"""

# ruff: noqa: T201 - a build tool: its report goes to stdout

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata as md
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "installer" / "civic-kiosk.spec"
NAME = "civic-kiosk"
MB = 1_000_000
# The budget for the unpacked bundle (see installer/README.md for where it goes).
SIZE_TARGET_MB = 150
# update.sh makes a directory of it: no slashes, spaces or leading dots.
RELEASE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")


@dataclass(frozen=True)
class Bundle:
    directory: Path
    work: Path
    version: str
    size_bytes: int
    seconds: float

    @property
    def executable(self) -> Path:
        return self.directory / (f"{NAME}.exe" if os.name == "nt" else NAME)


def tree_size(directory: Path) -> int:
    """Bytes of the regular files under ``directory``; symlinks count as nothing."""
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file() and not p.is_symlink())


def biggest(directory: Path, count: int = 8) -> list[tuple[str, int]]:
    """The largest files, for the size report."""
    files = [p for p in directory.rglob("*") if p.is_file() and not p.is_symlink()]
    files.sort(key=lambda p: p.stat().st_size, reverse=True)
    return [(p.relative_to(directory).as_posix(), p.stat().st_size) for p in files[:count]]


def run_pyinstaller(dist: Path, work: Path, self_contained: bool) -> None:
    env = {
        **os.environ,
        # PyInstaller imports PySide6 in helper processes to find plugins; no display needed.
        "QT_QPA_PLATFORM": "offscreen",
        "CIVIC_KIOSK_BUNDLE_SELF_CONTAINED": "1" if self_contained else "0",
    }
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def add_notices(bundle: Path, work: Path, self_contained: bool) -> None:
    command = [
        sys.executable,
        str(ROOT / "scripts" / "collect_licences.py"),
        "--out",
        str(bundle / "THIRD_PARTY_NOTICES"),
        "--modules",
        str(work / "modules.txt"),
        # The bundle's executable is PyInstaller's bootloader.
        "--extra",
        "pyinstaller",
    ]
    if self_contained:
        command += ["--os-libraries", str(work / "os-libraries.txt")]
    subprocess.run(command, cwd=ROOT, check=True)


def stamp(bundle: Path, version: str, self_contained: bool) -> None:
    # Beside the executable, where an operator looks first (notices: THIRD_PARTY_NOTICES/).
    shutil.copyfile(ROOT / "LICENSE", bundle / "LICENSE")
    (bundle / "VERSION").write_text(version + "\n", encoding="utf-8")
    info = {
        "name": NAME,
        "version": version,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "platform": f"{sys.platform}-{platform.machine()}",
        "python": platform.python_version(),
        "pyside6": md.version("PySide6"),
        "pyinstaller": md.version("pyinstaller"),
        "self_contained": self_contained,
    }
    (bundle / "BUILD-INFO.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def archive(bundle: Bundle, dist: Path) -> Path:
    system = "windows" if os.name == "nt" else sys.platform
    base = dist / f"{NAME}-{bundle.version}-{system}-{platform.machine().lower()}"
    fmt = "zip" if os.name == "nt" else "gztar"
    return Path(shutil.make_archive(str(base), fmt, root_dir=dist, base_dir=NAME))


def build(
    dist: Path, work: Path, *, self_contained: bool = False, release: str | None = None
) -> Bundle:
    version = release or md.version(NAME)
    if not RELEASE_NAME.match(version):
        raise ValueError(f"release name {version!r} is not a plain directory name")
    started = time.perf_counter()
    run_pyinstaller(dist, work, self_contained)
    bundle_dir = dist / NAME
    spec_work = work / NAME
    add_notices(bundle_dir, spec_work, self_contained)
    stamp(bundle_dir, version, self_contained)
    return Bundle(
        directory=bundle_dir,
        work=spec_work,
        version=version,
        size_bytes=tree_size(bundle_dir),
        seconds=time.perf_counter() - started,
    )


def report(bundle: Bundle) -> None:
    size_mb = bundle.size_bytes / MB
    verdict = "within" if size_mb < SIZE_TARGET_MB else "OVER"
    print(
        f"bundle {bundle.directory}: {size_mb:.1f} MB ({bundle.size_bytes / 2**20:.1f} MiB), "
        f"{verdict} the {SIZE_TARGET_MB} MB target; built in {bundle.seconds:.0f} s"
    )
    for path, size in biggest(bundle.directory):
        print(f"  {size / MB:6.1f} MB  {path}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--release", help="release name (default: the project version)")
    parser.add_argument("--self-contained", action="store_true", help="bundle OS libraries too")
    parser.add_argument("--archive", action="store_true", help="also write a .tar.gz/.zip")
    args = parser.parse_args(argv)
    try:
        bundle = build(
            args.dist.resolve(),
            args.work.resolve(),
            self_contained=args.self_contained,
            release=args.release,
        )
    except subprocess.CalledProcessError as exc:
        print(f"build_bundle: {Path(str(exc.cmd[1])).name} failed (exit {exc.returncode})")
        return 1
    report(bundle)
    if args.archive:
        path = archive(bundle, args.dist.resolve())
        print(f"archive {path}: {path.stat().st_size / MB:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
