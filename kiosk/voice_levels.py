"""Speech speed and volume for one citizen's session, in steps a keypad can reach.

- Speed: 0.7× to 1.5× in five steps (KIOSK-UX); 1.0× is the middle one and
  where every session starts. Senior-friendly ATMs speak at about 0.7×,
  practised screen-reader users far faster than 1.5×, but a public kiosk
  serves the first kind.
- Volume: seven steps of 4 dB, from -24 dB to 0 dB below the loudest the
  kiosk plays (a range of 24 dB; the rules ask for at least 18 dB). Every
  session starts at ``DEFAULT_VOLUME`` (-8 dB): the technician sets the
  system mixer so that 0 dB is about 65 dBA at the speaker, so a session
  starts below it and a citizen can still go louder (docs/voice-and-keypad.md).

Both reset when the session ends (Done, Start over after idle, unplugging).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

SPEEDS: Final = (0.7, 0.85, 1.0, 1.25, 1.5)
DEFAULT_SPEED: Final = 2  # index of 1.0×
VOLUME_STEP_DB: Final = 4.0
VOLUMES_DB: Final = tuple(-VOLUME_STEP_DB * n for n in range(6, -1, -1))  # -24 … 0
DEFAULT_VOLUME: Final = 4  # index of -8 dB


@dataclass(frozen=True)
class VoiceLevels:
    """Indices into ``SPEEDS`` and ``VOLUMES_DB``; moves stop at either end."""

    speed: int = DEFAULT_SPEED
    volume: int = DEFAULT_VOLUME

    @property
    def rate(self) -> float:
        """How much faster than normal speech (1.0 = the engine's normal rate)."""
        return SPEEDS[self.speed]

    @property
    def volume_db(self) -> float:
        return VOLUMES_DB[self.volume]

    @property
    def gain(self) -> float:
        """Linear amplitude factor for ``volume_db`` (0 dB = 1.0)."""
        return float(10 ** (self.volume_db / 20))

    def faster(self) -> VoiceLevels:
        return replace(self, speed=min(self.speed + 1, len(SPEEDS) - 1))

    def slower(self) -> VoiceLevels:
        return replace(self, speed=max(self.speed - 1, 0))

    def louder(self) -> VoiceLevels:
        return replace(self, volume=min(self.volume + 1, len(VOLUMES_DB) - 1))

    def quieter(self) -> VoiceLevels:
        return replace(self, volume=max(self.volume - 1, 0))
