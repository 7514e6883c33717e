"""The Linux kiosk deployment: scripts parse, the unit verifies, updates switch and roll back."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "installer" / "linux"
SCRIPTS = [LINUX / "setup-kiosk.sh", LINUX / "update.sh", LINUX / "kiosk-session.sh"]
UNIT = LINUX / "civic-kiosk.service"


def run(
    argv: Sequence[str | Path], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=120, check=False, env=env
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_parse(script: Path) -> None:
    shell = "sh" if script.read_text().startswith("#!/bin/sh") else "bash"
    done = run([shell, "-n", script])
    assert done.returncode == 0, done.stderr
    assert os.access(script, os.X_OK), f"{script.name} is not executable"


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_scripts_pass_shellcheck() -> None:
    done = run(["shellcheck", *SCRIPTS])
    assert done.returncode == 0, done.stdout


def unit_text() -> str:
    return UNIT.read_text(encoding="utf-8")


def test_the_unit_restarts_forever_as_the_kiosk_user_after_the_graphical_session() -> None:
    text = unit_text()
    assert "Restart=always" in text
    assert "StartLimitIntervalSec=0" in text
    assert "User=kiosk" in text
    assert "After=graphical.target" in text
    assert "WantedBy=graphical.target" in text
    assert "Environment=QT_QPA_PLATFORM=xcb" in text
    assert "xset s off s noblank -dpms" in text


def test_exit_kiosk_from_staff_mode_is_the_one_exit_that_is_not_restarted() -> None:
    text = unit_text()
    assert "RestartPreventExitStatus=0" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify wants ExecStart to exist: point it at a stand-in of the installed bundle.
    program = tmp_path / "civic-kiosk"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    unit = tmp_path / "civic-kiosk.service"
    unit.write_text(unit_text().replace("/opt/civic-kiosk/current/civic-kiosk", str(program)))
    done = run(["systemd-analyze", "verify", unit], env={**os.environ, "SYSTEMD_LOG_LEVEL": "err"})
    problems = [
        line for line in (done.stdout + done.stderr).splitlines() if "civic-kiosk.service" in line
    ]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr


def test_setup_writes_autologin_session_unit_and_drop_in(tmp_path: Path) -> None:
    done = run(
        [LINUX / "setup-kiosk.sh", "--root", tmp_path, "--user", "kiosk", "--bundle", "b.tar.gz"]
    )
    assert done.returncode == 0, done.stderr
    lightdm = (tmp_path / "etc/lightdm/lightdm.conf.d/50-civic-kiosk.conf").read_text()
    assert "autologin-user=kiosk" in lightdm
    assert "autologin-session=civic-kiosk" in lightdm
    assert "-s 0 -dpms" in lightdm
    session = tmp_path / "usr/local/lib/civic-kiosk/kiosk-session"
    assert os.access(session, os.X_OK)
    desktop = (tmp_path / "usr/share/xsessions/civic-kiosk.desktop").read_text()
    assert f"Exec=/{session.relative_to(tmp_path)}" in desktop
    assert (tmp_path / "etc/systemd/system/civic-kiosk.service").read_text() == unit_text()
    drop_in = (tmp_path / "etc/systemd/system/civic-kiosk.service.d/session.conf").read_text()
    assert "User=kiosk" in drop_in and "XDG_RUNTIME_DIR=/run/user/" in drop_in
    assert "DontVTSwitch" in (tmp_path / "etc/X11/xorg.conf.d/10-civic-kiosk.conf").read_text()
    assert (tmp_path / "etc/civic-kiosk/kiosk.toml").is_file()
    # Nothing was done to this machine; what would have been is said.
    assert "would run: useradd" in done.stdout
    assert "would run: systemctl enable lightdm.service civic-kiosk.service" in done.stdout
    assert "libpulse0" in done.stdout and "lightdm" in done.stdout


def test_setup_with_gdm_turns_wayland_off_and_logs_in_to_the_kiosk_session(
    tmp_path: Path,
) -> None:
    done = run([LINUX / "setup-kiosk.sh", "--root", tmp_path, "--display-manager", "gdm3"])
    assert done.returncode == 0, done.stderr
    gdm = (tmp_path / "etc/gdm3/daemon.conf").read_text()
    assert "WaylandEnable=false" in gdm and "AutomaticLogin=kiosk" in gdm
    assert "XSession=civic-kiosk" in (tmp_path / "var/lib/AccountsService/users/kiosk").read_text()


# --- update.sh ------------------------------------------------------------------------------


def fake_release(parent: Path, version: str, self_test_passes: bool = True) -> Path:
    """A directory shaped like a bundle, whose self-test passes or fails as told."""
    bundle = parent / version / "civic-kiosk"
    bundle.mkdir(parents=True)
    (bundle / "VERSION").write_text(f"{version}\n")
    program = bundle / "civic-kiosk"
    code = 0 if self_test_passes else 1
    program.write_text(
        f'#!/bin/sh\n[ "$1" = --self-test ] || exit 2\necho "self-test of {version}"\nexit {code}\n'
    )
    program.chmod(0o755)
    return bundle


def update(prefix: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run([LINUX / "update.sh", "--prefix", prefix, "--no-restart", *args])


def current(prefix: Path) -> str:
    return str((prefix / "current").readlink())


def test_a_release_whose_self_test_fails_never_becomes_current(tmp_path: Path) -> None:
    prefix = tmp_path / "opt"
    assert update(prefix, "install", fake_release(tmp_path, "1.0")).returncode == 0
    assert current(prefix) == "releases/1.0"

    done = update(prefix, "install", fake_release(tmp_path, "2.0", self_test_passes=False))

    assert done.returncode == 1
    assert "failed its self-test; still on 1.0" in done.stderr
    assert current(prefix) == "releases/1.0"
    assert sorted(p.name for p in (prefix / "releases").iterdir()) == ["1.0"]


def test_an_update_switches_and_a_rollback_goes_back(tmp_path: Path) -> None:
    prefix = tmp_path / "opt"
    update(prefix, "install", fake_release(tmp_path, "1.0"))
    done = update(prefix, "install", fake_release(tmp_path, "1.1"))
    assert done.returncode == 0, done.stderr
    assert current(prefix) == "releases/1.1"
    assert str((prefix / "previous").readlink()) == "releases/1.0"

    assert update(prefix, "rollback").returncode == 0
    assert current(prefix) == "releases/1.0"
    assert str((prefix / "previous").readlink()) == "releases/1.1"
    status = update(prefix, "status").stdout
    assert "1.0 (current)" in status and "1.1 (previous)" in status


def test_an_archive_installs_like_a_directory(tmp_path: Path) -> None:
    bundle = fake_release(tmp_path, "2.0")
    archive = tmp_path / "civic-kiosk-2.0-linux-x86_64.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(bundle, arcname="civic-kiosk")
    prefix = tmp_path / "opt"
    done = update(prefix, "install", archive)
    assert done.returncode == 0, done.stderr
    assert (prefix / "current" / "VERSION").read_text().strip() == "2.0"


def test_old_releases_are_pruned_but_never_current_or_previous(tmp_path: Path) -> None:
    prefix = tmp_path / "opt"
    for version in ("1", "2", "3", "4"):
        done = update(prefix, "--keep", "2", "install", fake_release(tmp_path, version))
        assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (prefix / "releases").iterdir()) == ["3", "4"]


def test_reinstalling_a_release_needs_force_and_never_replaces_the_current_one(
    tmp_path: Path,
) -> None:
    prefix = tmp_path / "opt"
    update(prefix, "install", fake_release(tmp_path / "a", "1.0"))
    again = update(prefix, "install", fake_release(tmp_path / "b", "1.0"))
    assert again.returncode == 1 and "already installed" in again.stderr
    forced = update(prefix, "--force", "install", fake_release(tmp_path / "c", "1.0"))
    assert forced.returncode == 1 and "is the current one" in forced.stderr


def test_a_bundle_with_an_unsafe_release_name_is_refused(tmp_path: Path) -> None:
    bundle = fake_release(tmp_path, "ok")
    (bundle / "VERSION").write_text("../../etc\n")
    done = update(tmp_path / "opt", "install", bundle)
    assert done.returncode == 1 and "bad release name" in done.stderr
    assert not (tmp_path / "opt" / "current").exists()
