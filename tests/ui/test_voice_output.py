"""The voice is heard: played through a real PulseAudio sound server and recorded back.

The kiosk plays through Qt Multimedia to the system's sound server, the way
it does on a kiosk. Here the server is a private PulseAudio whose null sink
is recorded (tests/support/pulse.py): what the recording holds is what a
citizen's earphones would have received.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.pulse import PulseServer
from ui.voice.pcm import Pcm

ROOT = Path(__file__).resolve().parents[2]


def speak_aloud(
    pulse: PulseServer, language: str, text: str, volume: int = 6
) -> tuple[dict[str, str], Pcm]:
    with pulse.record() as recording:
        done = subprocess.run(
            [sys.executable, "-m", "tests.support.speak_aloud", language, str(volume), text],
            cwd=ROOT,
            env=pulse.env() | {"QT_QPA_PLATFORM": "offscreen"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    status = json.loads(done.stdout.splitlines()[0])
    return status, Pcm(22050, 1, recording.read_bytes())


def test_a_korean_sentence_comes_out_of_the_sound_server(pulse: PulseServer) -> None:
    status, heard = speak_aloud(pulse, "ko", "민원이 접수되었습니다")  # 1.3 s of speech

    assert status == {"engine": "espeak-ng", "output": "Null Output"}
    assert heard.voiced_seconds() > 0.8  # the whole sentence, not a click
    assert heard.rms_dbfs() > -45.0


def test_the_session_volume_is_applied_by_the_kiosk_not_the_mixer(pulse: PulseServer) -> None:
    _, loud = speak_aloud(pulse, "en", "one two three", volume=6)
    _, quiet = speak_aloud(pulse, "en", "one two three", volume=0)

    # Six steps of 4 dB down: 24 dB quieter, measured on what was really played.
    assert 18.0 < loud.rms_dbfs() - quiet.rms_dbfs() < 30.0
    assert pulse.pactl("get-sink-volume", "kiosk_test").count("100%") >= 1  # mixer untouched
