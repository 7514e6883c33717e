"""Fixtures for the kiosk's voice: the real eSpeak NG, and a private PulseAudio to hear it.

Imported by tests/ui/conftest.py. Under CI=true a missing engine or sound
server fails the test instead of skipping it: dev.py installs espeak-ng,
pulseaudio and pulseaudio-utils, so a skip there would hide a kiosk that
cannot speak.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pulse import PulseServer, missing_tools, pulse_server
from ui.voice.espeak import Espeak


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must have {what} (dev.py installs it)")
    pytest.skip(f"{what} is not installed here")


@pytest.fixture(scope="session")
def espeak() -> Espeak:
    """The real eSpeak NG of this machine, with its Korean and English voices."""
    found = Espeak.find()
    if found is None or found.languages != {"ko", "en"}:
        _missing("espeak-ng with its Korean and English voices")
    assert found is not None
    return found


@pytest.fixture
def pulse(tmp_path: Path, espeak: Espeak) -> Iterator[PulseServer]:
    """A private PulseAudio with a null sink whose monitor a test can record."""
    if missing_tools():
        _missing(" and ".join(missing_tools()))
    with pulse_server(tmp_path / "pulse") as server:
        yield server
