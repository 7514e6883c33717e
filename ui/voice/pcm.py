"""Audio as the speech engine hands it over: 16-bit PCM, read from WAV, measured.

Measuring is how the kiosk (``--self-test``) and the tests know the voice
really speaks: a sentence must come out non-silent and about as long as a
person takes to say it.
"""

from __future__ import annotations

import math
import struct
from array import array
from dataclasses import dataclass
from typing import Final

# A WAV longer than this is not speech we asked for: refuse rather than buffer it.
MAX_PCM_BYTES: Final = 32 * 1024 * 1024


class WavError(ValueError):
    """The engine's output is not the 16-bit PCM WAV we can play."""


@dataclass(frozen=True)
class Pcm:
    """Signed 16-bit little-endian samples, interleaved by channel."""

    rate: int
    channels: int
    data: bytes

    @property
    def frames(self) -> int:
        return len(self.data) // (2 * self.channels)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    def samples(self) -> array[int]:
        values = array("h")
        values.frombytes(self.data[: len(self.data) - len(self.data) % 2])
        return values

    def rms_dbfs(self) -> float:
        """Loudness of the whole clip in dB below full scale (-inf for silence)."""
        values = self.samples()
        if not values:
            return -math.inf
        power = sum(v * v for v in values) / len(values)
        return 10 * math.log10(power / 32768**2) if power else -math.inf

    def voiced_seconds(self, threshold_dbfs: float = -40.0, window_s: float = 0.02) -> float:
        """Time spent above ``threshold_dbfs`` in short windows: speech, not pauses."""
        values = self.samples()
        size = max(1, int(self.rate * window_s) * self.channels)
        floor = (32768 * 10 ** (threshold_dbfs / 20)) ** 2
        loud = 0
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            if chunk and sum(v * v for v in chunk) / len(chunk) > floor:
                loud += len(chunk)
        return loud / self.channels / self.rate if self.rate else 0.0

    def wav(self) -> bytes:
        """The clip as a WAV file (for listening to it, and for the self-test's report)."""
        header = struct.pack(
            "<4sI4s4sIHHIIHH4sI",
            b"RIFF",
            36 + len(self.data),
            b"WAVE",
            b"fmt ",
            16,
            1,
            self.channels,
            self.rate,
            self.rate * self.channels * 2,
            self.channels * 2,
            16,
            b"data",
            len(self.data),
        )
        return header + self.data


def parse_wav(raw: bytes) -> Pcm:
    """Read a 16-bit PCM WAV, also one written to a pipe.

    eSpeak NG writing to stdout cannot go back to fill in the sizes, so its
    RIFF and data lengths are placeholders; the data runs to the end of what
    was read.
    """
    if len(raw) > MAX_PCM_BYTES + 1024:
        raise WavError(f"{len(raw)} bytes of audio is more than any sentence")
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise WavError("not a WAV file")
    offset = 12
    fmt: tuple[int, int, int, int] | None = None
    while offset + 8 <= len(raw):
        chunk, size = struct.unpack_from("<4sI", raw, offset)
        body = offset + 8
        if chunk == b"fmt ":
            if size < 16 or body + 16 > len(raw):
                raise WavError("short fmt chunk")
            encoding, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", raw, body)
            fmt = (encoding, channels, rate, bits)
        elif chunk == b"data":
            if fmt is None:
                raise WavError("data before fmt")
            encoding, channels, rate, bits = fmt
            if encoding != 1 or bits != 16 or not 1 <= channels <= 2 or not 8000 <= rate <= 96000:
                raise WavError(f"unsupported audio: format {encoding}, {bits} bits, {rate} Hz")
            end = min(len(raw), body + size)
            return Pcm(rate, channels, raw[body:end])
        offset = body + size + (size & 1)
    raise WavError("no data chunk")


def tone(frequency: float, seconds: float, rate: int = 22050, level_dbfs: float = -12.0) -> Pcm:
    """A short sine beep with soft edges (no click): the sound that confirms a key."""
    count = int(rate * seconds)
    fade = max(1, min(count // 4, int(rate * 0.005)))
    amplitude = 32767 * 10 ** (level_dbfs / 20)
    values = array("h")
    for n in range(count):
        envelope = min(1.0, n / fade, (count - 1 - n) / fade)
        values.append(int(amplitude * envelope * math.sin(2 * math.pi * frequency * n / rate)))
    return Pcm(rate, 1, values.tobytes())
