"""scripts/collect_licences.py: every runtime dependency's licence, and nothing of the server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "collect_licences.py"

# What the kiosk runs on: the project's requirements less the server's, and
# what they pull in. Written out here so a change in the closure is a decision.
RUNTIME = {
    "pyside6",
    "pyside6-essentials",
    "pyside6-addons",
    "shiboken6",
    "sqlalchemy",
    "alembic",
    "mako",
    "markupsafe",
    "requests",
    "urllib3",
    "idna",
    "certifi",
    "charset-normalizer",
    "qrcode",
    "platformdirs",
    "pydantic",
    "pydantic-core",
    "annotated-types",
    "typing-extensions",
    "typing-inspection",
    "pynacl",
    "cffi",
    "pycparser",
    "zxing-cpp",
    "pillow",
    "tzdata",
}
SERVER_ONLY = {"fastapi", "starlette", "uvicorn", "psycopg", "psycopg-binary"}


def collect(
    out: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def collected(out: Path) -> set[str]:
    return {p.name.rsplit("-", 1)[0] for p in (out / "python").iterdir()}


def test_every_runtime_dependency_has_its_licence_and_the_server_none(tmp_path: Path) -> None:
    out = tmp_path / "THIRD_PARTY_NOTICES"
    done = collect(out)
    assert done.returncode == 0, done.stderr
    names = collected(out)
    assert names >= RUNTIME, RUNTIME - names
    assert not names & SERVER_ONLY
    for directory in (out / "python").iterdir():
        assert any(f.stat().st_size > 100 for f in directory.iterdir()), directory.name
    index = (out / "README.md").read_text(encoding="utf-8")
    for name in RUNTIME:
        assert f"| {name} |" in index


def test_qt_is_noticed_under_the_lgpl_with_the_gpl_it_builds_on(tmp_path: Path) -> None:
    out = tmp_path / "n"
    assert collect(out).returncode == 0
    qt = out / "qt"
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (qt / "LGPL-3.0.txt").read_text()
    assert "Version 3" in (qt / "GPL-3.0.txt").read_text()
    notice = (qt / "QT-NOTICE.md").read_text(encoding="utf-8")
    assert "replace" in notice and "Virtual Keyboard" in notice
    # PySide6 wheels carry no licence file: the Qt texts stand in for them.
    pyside = next((out / "python").glob("pyside6-[0-9]*"))
    assert (pyside / "LGPL-3.0.txt").is_file()


def test_the_font_the_pictograms_and_the_interpreter_are_noticed(tmp_path: Path) -> None:
    out = tmp_path / "n"
    assert collect(out).returncode == 0
    assert "SIL OPEN FONT LICENSE" in (out / "font" / "OFL.txt").read_text(encoding="utf-8").upper()
    assert "MIT License" in (out / "icons" / "LICENSE.txt").read_text(encoding="utf-8")
    python = next((out / "python-interpreter").iterdir())
    assert "PSF" in python.read_text(encoding="utf-8", errors="replace")


def test_modules_found_in_a_build_add_their_distributions(tmp_path: Path) -> None:
    modules = tmp_path / "modules.txt"
    modules.write_text("json\nkiosk\nyaml_not_installed\npytest\n", encoding="utf-8")
    out = tmp_path / "n"
    done = collect(out, "--modules", str(modules))
    assert done.returncode == 0, done.stderr
    assert "pytest" in collected(out)  # owned by a distribution: its licence comes along


def test_server_code_in_the_bundle_is_an_error(tmp_path: Path) -> None:
    modules = tmp_path / "modules.txt"
    modules.write_text("fastapi\n", encoding="utf-8")
    done = collect(tmp_path / "n", "--modules", str(modules))
    assert done.returncode == 1
    assert "fastapi" in done.stderr


def test_a_dependency_without_a_licence_text_fails_the_collection(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "nolicence-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nolicence\nVersion: 1.0\n")
    (info / "RECORD").write_text("nolicence-1.0.dist-info/METADATA,,\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = collect(tmp_path / "n", "--extra", "nolicence", env=env)
    assert done.returncode == 1
    assert "no licence text for: nolicence 1.0" in done.stderr
