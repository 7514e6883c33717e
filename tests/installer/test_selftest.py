"""``civic-kiosk --self-test`` from a source install (the frozen one: test_bundle.py)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from app.selftest import STEPS, Context, SelfTestFailed, Step, run_steps

ROOT = Path(__file__).resolve().parents[2]


def test_the_self_test_passes_on_a_source_install_and_reports_every_step() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "app.selftest"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "source install" in lines[0]
    for step in STEPS:
        assert any(line.startswith(f"  ok   {step.name}:") for line in lines), step.name
    assert lines[-1].startswith("self-test passed")


def test_the_self_test_touches_no_kiosk_settings(tmp_path: Path) -> None:
    # A broken settings file on the kiosk must not fail a release's self-test.
    bad = tmp_path / "kiosk.toml"
    bad.write_text("idle_timout = 30\n", encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CIVIC_KIOSK_CONFIG": str(bad)}
    done = subprocess.run(
        [sys.executable, "installer/launcher.py", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_failing_step_is_named_with_its_reason_and_stops_the_run(tmp_path: Path) -> None:
    ran: list[str] = []

    def broken(ctx: Context) -> str:
        raise SelfTestFailed("schema at 0002, migrations end at 0004")

    def never(ctx: Context) -> str:
        ran.append("never")
        return ""

    out = io.StringIO()
    code = run_steps([Step("store", broken), Step("home screen", never)], tmp_path, out)
    assert code == 1
    assert "FAIL store: schema at 0002, migrations end at 0004" in out.getvalue()
    assert out.getvalue().rstrip().endswith("self-test FAILED")
    assert ran == []


def test_an_unexpected_error_is_reported_not_raised(tmp_path: Path) -> None:
    def crash(ctx: Context) -> str:
        raise ModuleNotFoundError("No module named '_cffi_backend'")

    out = io.StringIO()
    assert run_steps([Step("ticket", crash)], tmp_path, out) == 1
    assert "FAIL ticket: ModuleNotFoundError" in out.getvalue()


def test_cleanups_run_even_when_a_step_fails(tmp_path: Path) -> None:
    closed: list[str] = []

    def opens(ctx: Context) -> str:
        ctx.cleanups.append(lambda: closed.append("store"))
        return "opened"

    def fails(ctx: Context) -> str:
        raise SelfTestFailed("no")

    run_steps([Step("store", opens), Step("ticket", fails)], tmp_path, io.StringIO())
    assert closed == ["store"]
