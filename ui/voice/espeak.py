"""eSpeak NG, run as its own program: the kiosk's offline voice on Linux.

Why the ``espeak-ng`` program and not Qt TextToSpeech's speech-dispatcher
back end or a binding to libespeak-ng:

- It needs nothing running. speech-dispatcher is a per-user daemon started
  over a socket in ``$XDG_RUNTIME_DIR``; a kiosk started by a system unit
  before, or without, a full desktop session often has none, and Qt then
  reports an engine that never makes a sound.
- It hands back audio: ``--stdout`` writes a WAV that the kiosk plays
  through Qt Multimedia (the same audio stack as the camera, already in the
  bundle). So the kiosk sets its own volume per session, the self-test and
  the tests measure real speech, and a missing sound card is told apart from
  a missing voice.
- It stays a separate program. eSpeak NG is GPLv3; called as a program from
  the system's package (``espeak-ng``, installed by setup-kiosk.sh and
  dev.py) it is not linked into, nor shipped inside, the kiosk's bundle.
- It is quick: a short sentence takes 10-20 ms to synthesise on this
  machine, including starting the process, about a hundred times faster than
  it is spoken. Each sentence is a new process, so one that hangs or
  crashes costs that sentence only.

Text reaches eSpeak NG on stdin (never as an argument it could read as an
option), in UTF-8 whatever the locale of the service, with control
characters and eSpeak's ``[[phoneme]]`` escape removed: part of what is read
out was typed by a citizen.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ui.voice.pcm import MAX_PCM_BYTES, Pcm, WavError, parse_wav

log = logging.getLogger(__name__)

PROGRAM: Final = "espeak-ng"
# eSpeak NG's own voices for the kiosk's two languages. American English:
# what Seoul's English signage and announcements use.
VOICES: Final = {"ko": "ko", "en": "en-us"}
# Words a minute at 1.0×: eSpeak NG's own default, clear in both languages.
NORMAL_WPM: Final = 175
MIN_WPM: Final = 80  # eSpeak NG's floor
MAX_TEXT: Final = 4000  # characters; the longest thing the kiosk says is a consent text
TIMEOUT_S: Final = 20.0

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """What may be handed to eSpeak NG: no control characters, no phoneme escapes."""
    text = _CONTROL.sub(" ", text).replace("[[", "[ [").replace("]]", "] ]")
    return text[:MAX_TEXT]


def words_per_minute(rate: float) -> int:
    return max(MIN_WPM, round(NORMAL_WPM * rate))


def arguments(language: str, rate: float) -> list[str]:
    """eSpeak NG's command line for one sentence read from stdin, WAV to stdout."""
    return ["-v", VOICES[language], "-s", str(words_per_minute(rate)), "-b", "1", "--stdout"]


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a system program started from the kiosk.

    In the PyInstaller bundle ``LD_LIBRARY_PATH`` points into the bundle (its
    own Qt, ICU, OpenSSL); a system program must load the system's libraries,
    so the value from before the bundle started is put back.
    """
    env = dict(os.environ if environ is None else environ)
    if getattr(sys, "frozen", False):
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            env.pop("LD_LIBRARY_PATH", None)
        else:
            env["LD_LIBRARY_PATH"] = original
    return env


@dataclass(frozen=True)
class Espeak:
    """The eSpeak NG program found on this machine and the kiosk languages it speaks."""

    program: str
    languages: frozenset[str]

    @classmethod
    def find(cls, program: str = PROGRAM) -> Espeak | None:
        """eSpeak NG with at least one of the kiosk's voices, or None (logged why)."""
        path = shutil.which(program)
        if path is None:
            log.info("speech: %s is not installed", program)
            return None
        try:
            listing = subprocess.run(
                [path, "--voices"],
                capture_output=True,
                timeout=TIMEOUT_S,
                check=True,
                env=child_environment(),
            ).stdout.decode("utf-8", "replace")
        except (OSError, subprocess.SubprocessError) as error:
            log.info("speech: %s does not run: %s", path, error)
            return None
        languages = frozenset(
            lang for lang, voice in VOICES.items() if _lists_voice(listing, voice)
        )
        if not languages:
            log.info("speech: %s has no Korean or English voice", path)
            return None
        return cls(path, languages)

    def synthesize(self, text: str, language: str, rate: float = 1.0) -> Pcm:
        """Speech for ``text`` as PCM, waiting for it (self-test, tests, tools)."""
        if language not in self.languages:
            raise WavError(f"no {language} voice in {self.program}")
        done = subprocess.run(
            [self.program, *arguments(language, rate)],
            input=clean_text(text).encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_S,
            check=True,
            env=child_environment(),
        )
        if len(done.stdout) > MAX_PCM_BYTES:
            raise WavError("eSpeak NG wrote more audio than any sentence needs")
        return parse_wav(done.stdout)


def _lists_voice(listing: str, voice: str) -> bool:
    # "--voices" prints: Pty Language Age/Gender VoiceName File Other Languages
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 2 and columns[1] == voice:
            return True
    return False
