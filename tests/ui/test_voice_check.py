"""The technician's checks: `civic-kiosk say` speaks and writes the speech; `keys` names keys."""

from __future__ import annotations

import io
from pathlib import Path

from app.voice_check import KeyProbe, say
from kiosk.config import Settings
from kiosk.keypad import parse_key_map
from ui.voice.espeak import Espeak
from ui.voice.pcm import parse_wav


def test_say_reports_the_voice_and_writes_what_it_synthesised(
    tmp_path: Path, espeak: Espeak
) -> None:
    out = io.StringIO()
    wav = tmp_path / "ko.wav"

    code = say(Settings(), "민원이 접수되었습니다", "ko", wav, out)

    assert code == 0
    report = out.getvalue()
    assert "engine: espeak-ng" in report and "voices: en, ko" in report
    speech = parse_wav(wav.read_bytes())
    assert speech.seconds > 1.0 and speech.rms_dbfs() > -35.0


def test_keys_names_each_key_and_what_the_map_makes_of_it() -> None:
    probe = KeyProbe(parse_key_map("back = F13"), io.StringIO())

    assert probe.describe("Keypad+8") == "Keypad+8 → previous_group"
    assert probe.describe("F13") == "F13 → back"
    assert probe.describe("Keypad+Enter") == "Keypad+Enter → activate; held down: voice on/off"
    assert probe.describe("A") == "A → nothing (not in the key map)"


def test_say_runs_over_ssh_with_no_display_and_keys_says_why_it_cannot(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["CIVIC_KIOSK_DATA_DIR"] = str(tmp_path)
    wav = tmp_path / "en.wav"
    spoken = subprocess.run(
        [sys.executable, "-m", "app.cli", "say", "Hello", "--language", "en", "--wav", str(wav)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert spoken.returncode == 0, spoken.stderr
    assert "Traceback" not in spoken.stderr and wav.exists()
    probed = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probed.returncode == 1
    assert "no display here" in probed.stdout + probed.stderr
