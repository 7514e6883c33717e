"""Fixtures shared by the UI tests (shared file: append, don't rewrite)."""

from __future__ import annotations

# The kiosk window on the kiosk_db store, a fake sync engine, and the citizen driver.
from tests.ui.kiosk_fixtures import citizen, fake_sync, kiosk, no_kiosk_left  # noqa: F401

# The theme on the application, and tapping on-screen keyboard keys by name or by text.
from tests.ui.toolkit_fixtures import app_look, tap_keys, themed  # noqa: F401

# The real eSpeak NG, and a private PulseAudio sound server to hear the kiosk through.
from tests.ui.voice_fixtures import espeak, pulse  # noqa: F401
