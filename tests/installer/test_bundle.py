"""Build the kiosk bundle with PyInstaller and run the frozen ``civic-kiosk --self-test``.

Slow (a minute or two on two cores) and still run by .ci/run: a spec that
lost a migration, a plugin or a native library only shows in a real build.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from installer.build_bundle import Bundle, build, report
from installer.bundle_policy import drop_reason, icu_drop_reason
from installer.icu_data import exported_data, read_package

pytestmark = [pytest.mark.slow(seconds=7), pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ROOT / "installer" / "linux" / "runtime-packages.txt"
SERVER_SIDE = {"server", "fastapi", "starlette", "uvicorn", "psycopg", "tests", "bench"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bundle]:
    base = tmp_path_factory.mktemp("bundle")
    built = build(base / "dist", base / "work")
    yield built
    shutil.rmtree(base, ignore_errors=True)


# What the kiosk loads on Linux, relative to _internal/ (see installer/README.md).
REQUIRED_ON_LINUX = (
    "PySide6/Qt/plugins/platforms/libqxcb.so",  # the kiosk's screen
    "PySide6/Qt/plugins/platforms/libqeglfs.so",  # a kiosk without X
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",  # the self-test
    "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",  # the camera
    "PySide6/Qt/plugins/texttospeech/libqtexttospeech_speechd.so",  # audio guidance
    "PySide6/Qt/plugins/imageformats/libqsvg.so",  # icons
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
    "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
)
REQUIRED = (
    "assets/fonts/NanumSquareR.ttf",
    "assets/fonts/OFL.txt",
    "kiosk/migrations/env.py",
    "kiosk/migrations/script.py.mako",
)


def test_the_bundle_builds_and_its_size_is_reported(
    bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    # The size is a benchmark figure (bench/report.py), not a test verdict.
    with capsys.disabled():
        print()
        report(bundle)
    assert bundle.executable.is_file()


def test_the_bundle_holds_what_the_kiosk_loads(bundle: Bundle) -> None:
    internal = bundle.directory / "_internal"
    wanted = REQUIRED + (REQUIRED_ON_LINUX if sys.platform.startswith("linux") else ())
    assert [path for path in wanted if not (internal / path).is_file()] == []
    versions = internal / "kiosk" / "migrations" / "versions"
    assert sorted(p.name for p in versions.glob("0*.py")), "no Alembic revisions"


def test_the_frozen_kiosk_passes_its_self_test(
    bundle: Bundle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CIVIC_KIOSK"))},
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(tmp_path),
    }
    done = subprocess.run(
        [str(bundle.executable), "--self-test"],
        cwd=tmp_path,  # far from the source tree: nothing may be found there by accident
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    with capsys.disabled():
        print(done.stdout, end="")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "frozen bundle" in done.stdout.splitlines()[0]


def test_the_bundle_ships_nothing_the_policy_leaves_out(bundle: Bundle) -> None:
    internal = bundle.directory / "_internal"
    shipped = [p.relative_to(internal).as_posix() for p in internal.rglob("*") if p.is_file()]
    unwanted = [(path, drop_reason(path)) for path in shipped if drop_reason(path)]
    assert unwanted == []
    assert not [p for p in shipped if "irtual" in p and "eyboard" in p]


def test_the_bundles_icu_data_is_the_reduced_one(bundle: Bundle) -> None:
    found = [
        p for p in (bundle.directory / "_internal").rglob("libicudata.so.*") if not p.is_symlink()
    ]
    if not found:
        pytest.skip("no ICU data library of Qt's own in this build")
    _, blob = exported_data(found[0].read_bytes())
    names = [item.name for item in read_package(blob).items]
    assert [name for name in names if icu_drop_reason(name)] == []
    assert any(name.endswith("/zone/ko.res") for name in names)


def test_the_bundle_holds_no_server_code(bundle: Bundle) -> None:
    modules = set((bundle.work / "modules.txt").read_text(encoding="utf-8").split())
    assert {"kiosk", "ui", "sync", "assets"} <= modules
    assert not modules & SERVER_SIDE


def test_the_bundle_carries_its_licence_and_third_party_notices(bundle: Bundle) -> None:
    top = bundle.directory
    assert "Apache License" in (top / "LICENSE").read_text(encoding="utf-8")
    notices = top / "THIRD_PARTY_NOTICES"
    index = (notices / "README.md").read_text(encoding="utf-8")
    for name in ("pyside6", "sqlalchemy", "pynacl", "zxing-cpp", "pyinstaller", "NanumSquare"):
        assert name in index
    assert (notices / "qt" / "QT-NOTICE.md").is_file()
    assert (notices / "font" / "OFL.txt").is_file()
    info = json.loads((top / "BUILD-INFO.json").read_text(encoding="utf-8"))
    assert (top / "VERSION").read_text().strip() == info["version"] == bundle.version


# --- what a Linux kiosk must provide -------------------------------------------------------


def elf_files(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    yield path


def needed(path: Path) -> list[str]:
    out = subprocess.run(
        ["readelf", "-d", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)


@functools.cache
def ldconfig_cache() -> str:
    return subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True).stdout


# Cached: the same few dozen system libraries are asked for by hundreds of ELF files.
@functools.cache
def system_library(name: str) -> Path | None:
    for line in ldconfig_cache().splitlines():
        match = re.match(rf"\s*{re.escape(name)} \(([^)]*)\) => (\S+)", line)
        if (match and "x86-64" in match.group(1)) or (match and sys.maxsize < 2**32):
            return Path(match.group(2))
    for directory in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"):
        if (Path(directory) / name).exists():
            return Path(directory) / name
    return None


@functools.cache
def debian_package(path: Path) -> str:
    for candidate in (path, path.resolve()):
        done = subprocess.run(["dpkg", "-S", str(candidate)], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.split(":", 1)[0].strip()
    return "?"


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not (shutil.which("readelf") and shutil.which("dpkg")),
    reason="needs Linux with readelf and dpkg",
)
def test_every_library_the_bundle_links_is_in_it_or_in_runtime_packages(bundle: Bundle) -> None:
    if json.loads((bundle.directory / "BUILD-INFO.json").read_text())["self_contained"]:
        pytest.skip("self-contained build")
    shipped = {p.name for p in bundle.directory.rglob("*")}
    listed = {
        line.split("#")[0].strip()
        for line in RUNTIME_PACKAGES.read_text(encoding="utf-8").splitlines()
    } - {""}
    unresolved: list[str] = []
    unlisted: dict[str, str] = {}
    for elf in elf_files(bundle.directory):
        for name in needed(elf):
            if name in shipped:
                continue
            found = system_library(name)
            if found is None:
                unresolved.append(f"{elf.name} needs {name}")
                continue
            package = debian_package(found).removesuffix("t64")
            if package not in listed:
                unlisted[name] = package
    assert unresolved == []
    assert unlisted == {}, "add these packages to installer/linux/runtime-packages.txt"
