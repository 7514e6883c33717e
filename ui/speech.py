"""Audio guidance through Qt TextToSpeech, and silence where there is no engine.

Most kiosks will have a speech engine (SAPI/WinRT on Windows, speech-dispatcher
on Linux), some will not, and on some the module cannot even be imported
(``PySide6.QtTextToSpeech`` needs libpulse on Linux). None of that may stop
the kiosk or print anything on its screen, and Qt warnings count as bugs in
our tests, so every way speech can be missing ends in a quiet ``available ==
False`` plus one INFO line in our own log for the technician.

Korean text is only ever spoken with a Korean voice: an English voice reading
Hangul says nothing useful (or spells code points), which is worse than
silence. The same for English.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import (
    QLocale,
    QMessageLogContext,
    QObject,
    QtMsgType,
    Signal,
    qFormatLogMessage,
    qInstallMessageHandler,
)

from ui.i18n import language as ui_language

if TYPE_CHECKING:
    from PySide6.QtTextToSpeech import QTextToSpeech

__all__ = ["TEST_ENGINE", "Speaker", "available_engines"]

log = logging.getLogger(__name__)

# Qt's own test plugin ships in the PySide6 wheels: it "speaks" in silence, so it
# is never chosen on its own, but a test may ask for it by name.
TEST_ENGINE: Final = "mock"

_LANGUAGES: Final = {"ko": QLocale.Language.Korean, "en": QLocale.Language.English}

MessageHandler = Callable[[QtMsgType, QMessageLogContext, str], Any]


@contextmanager
def _qt_messages_to_log() -> Iterator[None]:
    """Route Qt's messages to our log while speech is set up.

    Loading the module and its plugins prints warnings we can do nothing about
    on a kiosk without an engine ("Error loading text-to-speech plug-in",
    "Couldn't load pipewire-0.3 library"). Anything else still reaches the
    handler that was installed before (pytest-qt's, in tests).
    """
    previous: MessageHandler | None = None

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        category = context.category or ""
        if category.startswith(("qt.speech", "qt.multimedia")) or "text-to-speech" in message:
            log.info("speech: %s", message)
        elif previous is not None:
            previous(kind, context, message)
        else:
            sys.stderr.write(qFormatLogMessage(kind, context, message) + "\n")

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


def _module() -> Any:
    """``PySide6.QtTextToSpeech``, or ``None`` when it cannot load on this machine."""
    with _qt_messages_to_log():
        try:
            from PySide6 import QtTextToSpeech
        except ImportError as error:
            log.info("speech: Qt TextToSpeech unavailable (%s)", error)
            return None
    return QtTextToSpeech


def available_engines() -> list[str]:
    """Engines Qt lists here (plugins found; an engine may still fail to start)."""
    module = _module()
    return [] if module is None else list(module.QTextToSpeech.availableEngines())


class Speaker(QObject):
    """Says a sentence in the UI language, or does nothing, quietly.

    ``engine`` picks one by name; by default the first one that starts,
    never the test engine. ``spoken`` carries each text handed to an engine.
    """

    spoken = Signal(str)

    def __init__(self, parent: QObject | None = None, *, engine: str | None = None) -> None:
        super().__init__(parent)
        self.enabled = True
        self._tts: QTextToSpeech | None = None
        self._language = ""
        self._has_voice = False
        self._tts = self._start(engine)

    @property
    def available(self) -> bool:
        """Whether an engine runs (it may still lack a voice for a language)."""
        return self._tts is not None

    @property
    def engine(self) -> str:
        return self._tts.engine() if self._tts is not None else ""

    def can_speak(self, language: str) -> bool:
        """Whether ``say`` in ``language`` ("ko", "en") would make a sound."""
        return self._select(language)

    def say(self, text: str, language: str | None = None) -> None:
        """Speak ``text`` (in the current UI language unless told), cutting off the last one."""
        if not self.enabled or not text or self._tts is None:
            return
        if not self._select(language or ui_language()):
            return
        # A new screen or error replaces what was being said: stale guidance misleads.
        self._tts.stop()
        self._tts.say(text)
        self.spoken.emit(text)

    def is_speaking(self) -> bool:
        if self._tts is None:
            return False
        return bool(self._tts.state() == type(self._tts).State.Speaking)

    def stop(self) -> None:
        if self._tts is not None:
            self._tts.stop()

    def _start(self, wanted: str | None) -> QTextToSpeech | None:
        module = _module()
        if module is None:
            return None
        engines = [str(e) for e in module.QTextToSpeech.availableEngines()]
        candidates = [wanted] if wanted else [e for e in engines if e != TEST_ENGINE]
        for name in candidates:
            if name not in engines:
                continue
            with _qt_messages_to_log():
                tts: QTextToSpeech = module.QTextToSpeech(name, self)
            if tts.state() != module.QTextToSpeech.State.Error:
                log.info("speech: using engine %r", name)
                return tts
            log.info("speech: engine %r did not start: %s", name, tts.errorString())
            tts.deleteLater()
        log.info("speech: no engine (available: %s); audio guidance stays silent", engines)
        return None

    def _select(self, language: str) -> bool:
        """Switch to a voice for ``language``; False if the engine has none."""
        if self._tts is None:
            return False
        if language == self._language:
            return self._has_voice
        wanted = _LANGUAGES.get(language)
        locales = [loc for loc in self._tts.availableLocales() if loc.language() == wanted]
        self._language = language
        self._has_voice = bool(locales)
        if locales:
            self._tts.setLocale(locales[0])
        else:
            log.info("speech: engine %r has no %s voice", self._tts.engine(), language)
        return self._has_voice
