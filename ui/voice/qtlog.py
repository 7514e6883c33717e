"""Qt's complaints about missing audio and speech, sent to our log instead of stderr.

Loading Qt TextToSpeech or Qt Multimedia's audio prints warnings we can do
nothing about on a kiosk without a sound server or engine ("Error loading
text-to-speech plug-in", "PulseAudioService: pa_context_connect() failed",
"No audio device detected"). They are facts for the technician (our log,
staff mode), not errors: the kiosk says the same more plainly. Qt warnings
count as bugs in our tests, so every place that touches these modules runs
inside ``qt_audio_messages_to_log``; anything else still reaches the handler
that was installed before (pytest-qt's, in tests).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

from PySide6.QtCore import (
    QMessageLogContext,
    QtMsgType,
    qFormatLogMessage,
    qInstallMessageHandler,
)

log = logging.getLogger("ui.speech")

MessageHandler = Callable[[QtMsgType, QMessageLogContext, str], Any]

_CATEGORIES: Final = ("qt.speech", "qt.multimedia")
_MESSAGES: Final = ("text-to-speech", "PulseAudioService", "No audio device detected")


def is_audio_message(category: str, message: str) -> bool:
    return category.startswith(_CATEGORIES) or any(m in message for m in _MESSAGES)


@contextmanager
def qt_audio_messages_to_log() -> Iterator[None]:
    previous: MessageHandler | None = None

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if is_audio_message(context.category or "", message):
            log.info("audio: %s", message)
        elif previous is not None:
            previous(kind, context, message)
        else:
            sys.stderr.write(qFormatLogMessage(kind, context, message) + "\n")

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
