"""직원 호출 / Call staff: a citizen asks for help, and staff see and hear it until they answer.

A citizen's call is visible on the citizen's screen ("staff have been
called", with a way to cancel), on the staff screen and on the check-in desk
when staff have them open, and audible: a short two-note chime from the
kiosk's own speaker, made here (no sound file, no network), again every
``repeat_ms`` while nobody answered, a few times at most. Every call, cancel
and answer is logged for the office (the log holds no personal data: where
the citizen was, not what they typed).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import struct
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from core.clock import Clock
from ui.voice.qtlog import qt_audio_messages_to_log

if TYPE_CHECKING:
    # Imported when the chime first plays (Chime.play): Qt Multimedia and the PulseAudio
    # client it links (~6 MB resident) are nothing an idle kiosk needs.
    from PySide6.QtMultimedia import QAudio, QAudioSink

log = logging.getLogger(__name__)

__all__ = ["Chime", "Sounder", "StaffCall", "chime_samples"]

REPEAT_MS = 20_000
REPEATS = 5
RATE = 22_050
# Two falling notes (E5, C5), the "ding-dong" people know from service bells.
NOTES = ((659.25, 0.28), (523.25, 0.42))


class Sounder(Protocol):
    def play(self) -> None: ...


def chime_samples(rate: int = RATE, volume: float = 0.5) -> bytes:
    """Signed 16-bit mono PCM of the chime, each note fading out so it never clicks."""
    frames = bytearray()
    for frequency, seconds in NOTES:
        count = int(rate * seconds)
        for i in range(count):
            fade = min(1.0, i / (rate * 0.01)) * (1 - i / count) ** 2
            value = math.sin(2 * math.pi * frequency * i / rate) * volume * fade
            frames += struct.pack("<h", round(value * 32767))
    return bytes(frames)


class Chime(QObject):
    """Plays the chime on the default audio output, or the system beep without one."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sink: QAudioSink | None = None
        self._buffer: QBuffer | None = None
        self._data: QByteArray | None = None  # made on the first call, not at start-up

    def play(self) -> None:
        with qt_audio_messages_to_log():  # loading Qt Multimedia may complain of no sound server
            from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

            device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            QApplication.beep()
            return
        if self._data is None:
            self._data = QByteArray(chime_samples())
        audio = QAudioFormat()
        audio.setSampleRate(RATE)
        audio.setChannelCount(1)
        audio.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if self._sink is not None:
            self._sink.stop()
        self._sink = QAudioSink(device, audio, self)
        self._sink.stateChanged.connect(self._finished)
        self._buffer = QBuffer(self._data, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._sink.start(self._buffer)

    def _finished(self, state: QAudio.State) -> None:
        from PySide6.QtMultimedia import QAudio

        if state == QAudio.State.IdleState and self._sink is not None:
            self._sink.stop()


class StaffCall(QObject):
    """One call at a time: ``call`` by a citizen, ``cancel`` by them, ``answer`` by staff."""

    changed = Signal(bool)  # whether a call is waiting

    def __init__(
        self,
        clock: Clock,
        sounder: Sounder | None = None,
        parent: QObject | None = None,
        *,
        repeat_ms: int = REPEAT_MS,
        repeats: int = REPEATS,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.sounder: Sounder = sounder if sounder is not None else Chime(self)
        self._since: dt.datetime | None = None
        self.where = ""
        self._left = 0
        self._repeats = repeats
        self._again = QTimer(self)
        self._again.setInterval(repeat_ms)
        self._again.timeout.connect(self._ring)

    @property
    def active(self) -> bool:
        return self._since is not None

    @property
    def since(self) -> dt.datetime | None:
        return self._since

    def call(self, where: str) -> None:
        """A citizen asked for staff from the screen ``where`` (its name, nothing typed)."""
        if self.active:
            return
        self._since = self._clock()
        self.where = where
        self._left = self._repeats
        log.warning("staff called by a citizen on the %s screen", where)
        self._ring()
        self._again.start()
        self.changed.emit(True)

    def cancel(self) -> None:
        """The citizen took the call back (or left: the session ended)."""
        self._end("cancelled by the citizen")

    def answer(self) -> None:
        """Staff came: the call is done."""
        self._end("answered by staff")

    def _end(self, how: str) -> None:
        if not self.active:
            return
        log.warning("staff call %s", how)
        self._since = None
        self.where = ""
        self._again.stop()
        self.changed.emit(False)

    def _ring(self) -> None:
        if self._left <= 0:
            self._again.stop()
            return
        self._left -= 1
        self.sounder.play()
