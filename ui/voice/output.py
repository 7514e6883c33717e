"""Playing the voice's PCM through Qt Multimedia, at the session's volume.

One ``QAudioSink`` per clip, opened on the system's default output at the
moment it plays: when earphones are plugged in, PulseAudio/PipeWire switch
the default output to them (and mute the speaker), and the next sentence
follows without the kiosk choosing a device. Speech and key tones play on
separate sinks, so a tone never cuts a sentence off and the sound server
mixes them.

The volume is applied by the sink (a gain in software), never by changing
the system mixer: the technician sets the mixer once (0 dB = the loudest a
session may choose), and a session's choice is gone when its sink is.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Signal, Slot

from ui.voice.pcm import Pcm
from ui.voice.qtlog import qt_audio_messages_to_log

# PySide6.QtMultimedia is imported where a sound is made, not with this module: the
# voice is attached at start-up, and Qt Multimedia with the PulseAudio client it
# links (~6 MB resident) would otherwise sit in every idle kiosk that says nothing.
# Once imported, each of these imports is a dictionary look-up.

log = logging.getLogger("ui.speech")


class _Clip(QObject):
    """One sink playing one buffer; ``finished`` once it ran dry or was stopped."""

    finished = Signal()

    def __init__(self, pcm: Pcm, gain: float, parent: QObject) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices, QtAudio

        self._over = False
        audio = QAudioFormat()
        audio.setSampleRate(pcm.rate)
        audio.setChannelCount(pcm.channels)
        audio.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pcm.data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        with qt_audio_messages_to_log():
            self._sink = QAudioSink(QMediaDevices.defaultAudioOutput(), audio, self)
            self._sink.setVolume(gain)
            # About 100 ms ahead: a short buffer so a key press is heard at once.
            self._sink.setBufferSize(pcm.rate * pcm.channels * 2 // 10)
            self._sink.stateChanged.connect(self._state_changed)
            self._sink.start(self._buffer)
        self.started = self._sink.state() == QtAudio.State.ActiveState
        if not self.started:
            log.info("audio: the output did not start (%s)", self._sink.error())

    def active(self) -> bool:
        from PySide6.QtMultimedia import QtAudio

        return self._sink.state() in (QtAudio.State.ActiveState, QtAudio.State.SuspendedState)

    def stop(self) -> None:
        with qt_audio_messages_to_log():
            self._sink.stop()

    @Slot()
    def _state_changed(self) -> None:
        from PySide6.QtMultimedia import QtAudio

        state = self._sink.state()
        if state == QtAudio.State.IdleState:  # the buffer ran dry: the clip is over
            self.stop()
        if state in (QtAudio.State.IdleState, QtAudio.State.StoppedState) and not self._over:
            self._over = True
            self.finished.emit()


class AudioOutput(QObject):
    """Plays speech (one sentence at a time) and key tones on the default output."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._speech: _Clip | None = None
        self._tone: _Clip | None = None
        self._told_missing = False

    def device(self) -> str:
        """The default output's name, or "" when there is none (no sound server or card)."""
        with qt_audio_messages_to_log():
            from PySide6.QtMultimedia import QMediaDevices

            device = QMediaDevices.defaultAudioOutput()
        return "" if device.isNull() else device.description()

    def play_speech(self, pcm: Pcm, gain: float) -> bool:
        """Play ``pcm`` instead of whatever was being said; False if nothing can play."""
        self.stop_speech()
        self._speech = self._play(pcm, gain)
        return self._speech is not None

    def play_tone(self, pcm: Pcm, gain: float) -> bool:
        if self._tone is not None:
            self._tone.stop()
        self._tone = self._play(pcm, gain)
        return self._tone is not None

    def speaking(self) -> bool:
        return self._speech is not None and self._speech.active()

    def stop_speech(self) -> None:
        if self._speech is not None:
            self._speech.stop()
            self._speech = None

    def _play(self, pcm: Pcm, gain: float) -> _Clip | None:
        if not pcm.data or not self.device():
            if not self._told_missing:
                log.info("audio: no output device; speech is made but cannot be heard")
                self._told_missing = True
            return None
        clip = _Clip(pcm, gain, self)
        clip.finished.connect(lambda: self._forget(clip))
        if not clip.started:
            self._forget(clip)
            return None
        return clip

    def _forget(self, clip: _Clip) -> None:
        if self._speech is clip:
            self._speech = None
        if self._tone is clip:
            self._tone = None
        clip.deleteLater()
