"""The engines behind the kiosk's voice, behind one small interface.

- ``EspeakVoice`` (Linux, and wherever ``espeak-ng`` is installed):
  synthesises each sentence to PCM in its own process (``ui.voice.espeak``)
  and plays it through ``AudioOutput`` at the session's volume.
- ``QtVoice`` (Windows: the system's SAPI/WinRT voices; elsewhere a
  fallback such as speech-dispatcher): Qt TextToSpeech speaks by itself.
  PySide6 does not expose ``QTextToSpeech::synthesize``, so this engine
  cannot hand audio back: the self-test checks its voices instead.

Korean text is only ever spoken with a Korean voice: an English voice
reading Hangul says nothing useful (or spells code points), which is worse
than silence. The same for English.
"""

from __future__ import annotations

import atexit
import logging
import math
import weakref
from typing import TYPE_CHECKING, Any, Final, Protocol

import shiboken6
from PySide6.QtCore import QByteArray, QLocale, QObject, QProcess, QProcessEnvironment, QTimer

from kiosk.voice_levels import VoiceLevels
from ui.voice.espeak import Espeak, arguments, child_environment, clean_text
from ui.voice.output import AudioOutput
from ui.voice.pcm import Pcm, WavError, parse_wav
from ui.voice.qtlog import qt_audio_messages_to_log

if TYPE_CHECKING:
    from PySide6.QtTextToSpeech import QTextToSpeech

log = logging.getLogger("ui.speech")

# Qt's own test plugin ships in the PySide6 wheels: it "speaks" in silence, so it
# is never chosen on its own, but a test may ask for it by name.
TEST_ENGINE: Final = "mock"
ESPEAK: Final = "espeak-ng"

_LANGUAGES: Final = {"ko": QLocale.Language.Korean, "en": QLocale.Language.English}


class Voice(Protocol):
    """An engine that can say a sentence in one of the kiosk's languages."""

    @property
    def name(self) -> str: ...

    def languages(self) -> frozenset[str]: ...

    def speak(self, text: str, language: str, levels: VoiceLevels) -> None: ...

    def stop(self) -> None: ...

    def is_speaking(self) -> bool: ...

    def synthesize(self, text: str, language: str, rate: float) -> Pcm | None:
        """The sentence as audio, waiting for it; None when the engine cannot hand it back."""
        ...

    def output(self) -> str:
        """Where the sound goes ("" when nowhere: no sound server or card)."""
        ...


# Sentences being synthesised. A process has no Qt parent and is kept here until it
# ended: a voice (or its window) may be deleted meanwhile, and deleting a running
# QProcess kills it with a warning. Each lives for milliseconds.
_RUNNING: set[QProcess] = set()


@atexit.register
def _end_running() -> None:
    """Sentences still being made when the program ends: end them, not leave them orphaned."""
    for process in list(_RUNNING):
        if shiboken6.isValid(process) and process.state() != QProcess.ProcessState.NotRunning:
            process.kill()
            process.waitForFinished(1000)
    _RUNNING.clear()


def _release(process: QProcess) -> None:
    # Not inside the process's own signal: dropping the last reference deletes it.
    QTimer.singleShot(0, lambda: _RUNNING.discard(process))


class EspeakVoice(QObject):
    """eSpeak NG in a process per sentence, played through ``AudioOutput``."""

    def __init__(self, espeak: Espeak, audio: AudioOutput, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._espeak = espeak
        self._audio = audio
        self._process: QProcess | None = None
        self._gain = 1.0
        self._environment = QProcessEnvironment()
        for key, value in child_environment().items():
            self._environment.insert(key, value)

    @property
    def name(self) -> str:
        return ESPEAK

    def languages(self) -> frozenset[str]:
        return self._espeak.languages

    def speak(self, text: str, language: str, levels: VoiceLevels) -> None:
        self.stop()
        process = QProcess()
        process.setProgram(self._espeak.program)
        process.setArguments(arguments(language, levels.rate))
        process.setProcessEnvironment(self._environment)
        self._gain = levels.gain
        self._process = process
        _RUNNING.add(process)
        voice = weakref.ref(self)

        def finished() -> None:
            if not shiboken6.isValid(process):
                return
            _release(process)
            owner = voice()
            if owner is not None and shiboken6.isValid(owner):
                owner._synthesised(process)

        def failed() -> None:
            if (
                shiboken6.isValid(process)
                and process.error() == QProcess.ProcessError.FailedToStart
            ):
                finished()

        process.finished.connect(finished)
        process.errorOccurred.connect(failed)
        process.start()
        process.write(QByteArray(clean_text(text).encode("utf-8")))
        process.closeWriteChannel()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.state() != QProcess.ProcessState.NotRunning:
            process.kill()  # its finished signal releases it; the audio is not wanted
        self._audio.stop_speech()

    def is_speaking(self) -> bool:
        return self._process is not None or self._audio.speaking()

    def synthesize(self, text: str, language: str, rate: float) -> Pcm | None:
        return self._espeak.synthesize(text, language, rate)

    def output(self) -> str:
        return self._audio.device()

    def _synthesised(self, process: QProcess) -> None:
        if process is not self._process:
            return  # a sentence that was cut off: its audio is not wanted any more
        self._process = None
        if process.error() == QProcess.ProcessError.FailedToStart:
            log.warning("speech: espeak-ng did not start: %s", process.errorString())
            return
        if process.exitStatus() != QProcess.ExitStatus.NormalExit or process.exitCode() != 0:
            log.warning("speech: espeak-ng failed (exit %s)", process.exitCode())
            return
        try:
            pcm = parse_wav(bytes(process.readAllStandardOutput().data()))
        except WavError as error:
            log.warning("speech: espeak-ng wrote no usable audio: %s", error)
            return
        self._audio.play_speech(pcm, self._gain)


def qt_module() -> Any:
    """``PySide6.QtTextToSpeech``, or ``None`` when it cannot load on this machine."""
    with qt_audio_messages_to_log():
        try:
            from PySide6 import QtTextToSpeech
        except ImportError as error:
            log.info("speech: Qt TextToSpeech unavailable (%s)", error)
            return None
    return QtTextToSpeech


def qt_engines() -> list[str]:
    """Engines Qt lists here (plugins found; an engine may still fail to start)."""
    module = qt_module()
    return [] if module is None else [str(e) for e in module.QTextToSpeech.availableEngines()]


class QtVoice(QObject):
    """A Qt TextToSpeech engine, which plays its own sound."""

    def __init__(self, tts: QTextToSpeech, parent: QObject | None = None) -> None:
        super().__init__(parent)
        tts.setParent(self)
        self._tts = tts
        self._language = ""
        languages = {loc.language() for loc in tts.availableLocales()}
        self._languages = frozenset(code for code, lang in _LANGUAGES.items() if lang in languages)

    @classmethod
    def start(cls, name: str, parent: QObject | None = None) -> QtVoice | None:
        module = qt_module()
        if module is None or name not in qt_engines():
            return None
        with qt_audio_messages_to_log():
            tts: QTextToSpeech = module.QTextToSpeech(name)
        if tts.state() == module.QTextToSpeech.State.Error:
            log.info("speech: engine %r did not start: %s", name, tts.errorString())
            tts.deleteLater()
            return None
        return cls(tts, parent)

    @property
    def name(self) -> str:
        return str(self._tts.engine())

    def languages(self) -> frozenset[str]:
        return self._languages

    def speak(self, text: str, language: str, levels: VoiceLevels) -> None:
        if language != self._language:
            wanted = _LANGUAGES[language]
            locales = [loc for loc in self._tts.availableLocales() if loc.language() == wanted]
            self._tts.setLocale(locales[0])
            self._language = language
        # Qt's rate runs from -1 (slowest) through 0 (normal) to 1 (fastest).
        self._tts.setRate(max(-1.0, min(1.0, math.log2(levels.rate))))
        self._tts.setVolume(levels.gain)
        self._tts.stop()
        self._tts.say(text)

    def stop(self) -> None:
        self._tts.stop()

    def is_speaking(self) -> bool:
        return bool(self._tts.state() == type(self._tts).State.Speaking)

    def synthesize(self, text: str, language: str, rate: float) -> Pcm | None:
        return None

    def output(self) -> str:
        return f"{self.name} (the system's own output)"
