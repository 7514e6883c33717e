"""The kiosk's voice: says a sentence in Korean or English, or says plainly why it cannot.

``Speaker`` is the one speech interface the rest of the kiosk uses: the
voice guidance (``ui.voice.guide``) hands it every sentence, and its
``spoken`` signal carries each one, which is how tests record what a blind
citizen hears.

Which engine (``ui.voice.voices``): eSpeak NG where the ``espeak-ng``
program is installed (every Linux kiosk: setup-kiosk.sh and dev.py install
it), else a Qt TextToSpeech engine (the system voices on Windows), else
none. A missing engine, voice or sound card never stops the kiosk or prints
on its screen; ``status()`` tells staff mode which one is missing, and the
accessibility panel does not offer voice guidance without an engine.

Sound confirms key inputs: ``tone`` plays a short beep (a move, a press,
the end of a list) beside the speech, never instead of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QObject, Signal

from kiosk.voice_levels import VoiceLevels
from ui.i18n import language as ui_language
from ui.voice.espeak import Espeak
from ui.voice.output import AudioOutput
from ui.voice.pcm import Pcm, tone
from ui.voice.voices import ESPEAK, TEST_ENGINE, EspeakVoice, QtVoice, Voice, qt_engines

__all__ = ["TEST_ENGINE", "Speaker", "SpeechStatus", "Tone", "available_engines"]

log = logging.getLogger(__name__)


class Tone:
    MOVE: Final = "move"  # the focus moved to another item
    PRESS: Final = "press"  # an item was pressed, chosen or typed
    EDGE: Final = "edge"  # nothing further this way; a key with no meaning here


_TONES: Final = {
    Tone.MOVE: tone(1320.0, 0.025),
    Tone.PRESS: tone(880.0, 0.06),
    Tone.EDGE: tone(220.0, 0.12),
}


def available_engines() -> list[str]:
    """Engines that could be tried here: eSpeak NG if installed, then Qt's."""
    espeak = [ESPEAK] if Espeak.find() is not None else []
    return espeak + [e for e in qt_engines() if e != TEST_ENGINE]


@dataclass(frozen=True)
class SpeechStatus:
    """What staff mode shows about the voice."""

    engine: str  # "" when there is none
    languages: frozenset[str]
    output: str  # "" when no sound can be heard (no sound server or card)

    @property
    def speaks(self) -> bool:
        """An engine with both of the kiosk's languages: voice guidance can be offered."""
        return bool(self.engine) and {"ko", "en"} <= self.languages


class Speaker(QObject):
    """Says a sentence in the UI language, or does nothing, quietly.

    ``engine`` picks one by name (``"espeak-ng"`` or a Qt engine); by default
    the first that starts, never Qt's silent test engine.
    """

    spoken = Signal(str)  # every sentence handed to the engine
    toned = Signal(str)  # every key tone (Tone.*)

    def __init__(self, parent: QObject | None = None, *, engine: str | None = None) -> None:
        super().__init__(parent)
        self.enabled = True
        self.levels = VoiceLevels()
        self._audio = AudioOutput(self)
        self._voice: Voice | None = self._start(engine)
        self.last = ""

    @property
    def available(self) -> bool:
        """Whether an engine runs (it may still lack a voice for a language)."""
        return self._voice is not None

    @property
    def engine(self) -> str:
        return self._voice.name if self._voice is not None else ""

    def status(self) -> SpeechStatus:
        if self._voice is None:
            return SpeechStatus("", frozenset(), "")
        return SpeechStatus(self._voice.name, self._voice.languages(), self._voice.output())

    def speaks(self) -> bool:
        """Both kiosk languages have a voice (as ``status().speaks``, without asking the
        sound server for its output: cheap enough for start-up)."""
        return self._voice is not None and {"ko", "en"} <= self._voice.languages()

    def can_speak(self, language: str) -> bool:
        """Whether ``say`` in ``language`` ("ko", "en") would make a sound."""
        return self._voice is not None and language in self._voice.languages()

    def say(self, text: str, language: str | None = None) -> None:
        """Speak ``text`` (in the current UI language unless told), cutting off the last one.

        A new screen or error replaces what was being said: stale guidance misleads.
        """
        text = text.strip()
        language = language or ui_language()
        if not self.enabled or not text or not self.can_speak(language):
            return
        assert self._voice is not None
        self.last = text
        self._voice.speak(text, language, self.levels)
        self.spoken.emit(text)

    def tone(self, kind: str) -> None:
        if not self.enabled or self._voice is None:
            return
        self._audio.play_tone(_TONES[kind], self.levels.gain)
        self.toned.emit(kind)

    def synthesize(self, text: str, language: str) -> Pcm | None:
        """``text`` as audio at the session's speed, if the engine can hand it back."""
        if not self.can_speak(language):
            return None
        assert self._voice is not None
        return self._voice.synthesize(text, language, self.levels.rate)

    def is_speaking(self) -> bool:
        return self._voice is not None and self._voice.is_speaking()

    def stop(self) -> None:
        if self._voice is not None:
            self._voice.stop()

    def _start(self, wanted: str | None) -> Voice | None:
        if wanted in (None, ESPEAK):
            espeak = Espeak.find()
            if espeak is not None:
                log.info(
                    "speech: using %s (%s)", espeak.program, ", ".join(sorted(espeak.languages))
                )
                return EspeakVoice(espeak, self._audio, self)
            if wanted == ESPEAK:
                return None
        engines = qt_engines()
        candidates = [wanted] if wanted else [e for e in engines if e != TEST_ENGINE]
        for name in candidates:
            assert name is not None
            voice = QtVoice.start(name, self)
            if voice is not None:
                log.info("speech: using Qt engine %r", name)
                return voice
        log.info("speech: no engine (Qt lists: %s); audio guidance stays silent", engines)
        return None
