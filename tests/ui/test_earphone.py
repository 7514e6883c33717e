"""Earphones in and out: what the sound server reports, and voice mode following it.

The jack of a kiosk's sound card cannot exist here. What can: a real
PulseAudio (tests/support/pulse.py) and its real events, through the same
``pactl`` path the kiosk uses. A USB headset is an output whose form factor
is "headset"; loading a null sink with that form factor is, to the sound
server and to the kiosk, a headset being plugged in. The 3.5 mm jack's port
availability is read by the same function, checked on listings in pactl's
JSON format. ``ManualJack`` and ``KeyJack`` emit the same signal.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.conftest import KioskDB
from tests.support.pulse import PulseServer
from tests.ui.kiosk_fixtures import make_window
from ui.earphone import KeyJack, PulseJack, ear_outputs, is_output_event, parse_listing


def analog_sink(headphones: str, speaker: str = "available") -> dict[str, object]:
    """A kiosk's built-in sound card as ``pactl --format=json list sinks`` lists it."""
    return {
        "index": 0,
        "state": "SUSPENDED",
        "name": "alsa_output.pci-0000_00_1f.3.analog-stereo",
        "description": "Built-in Audio Analog Stereo",
        "driver": "module-alsa-card.c",
        "properties": {"device.form_factor": "internal", "device.bus": "pci"},
        "ports": [
            {"name": "analog-output-speaker", "description": "Speakers", "type": "Speaker",
             "priority": 10000, "availability_group": "Legacy 1", "availability": speaker},
            {"name": "analog-output-headphones", "description": "Headphones",
             "type": "Headphones", "priority": 9900, "availability_group": "Legacy 2",
             "availability": headphones},
        ],
        "active_port": "analog-output-speaker",
    }  # fmt: skip


def test_the_jack_counts_only_when_its_detection_says_something_is_in_it() -> None:
    assert ear_outputs([analog_sink("not available")]) == []
    assert ear_outputs([analog_sink("available", speaker="not available")]) == [
        "alsa_output.pci-0000_00_1f.3.analog-stereo:analog-output-headphones"
    ]
    # No jack detection on this card: the kiosk cannot act on a guess.
    assert ear_outputs([analog_sink("availability unknown")]) == []


def test_a_usb_headset_counts_by_its_form_factor() -> None:
    headset = {"name": "alsa_output.usb-headset", "properties": {"device.form_factor": "headset"}}

    assert ear_outputs([analog_sink("not available"), headset]) == ["alsa_output.usb-headset"]


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"{}", b'"a string"', b"[1, null, []]", b'[{"ports": "x"}]', b"[" * 100_000],
)
def test_anything_else_from_pactl_means_nothing_plugged_in(raw: bytes) -> None:
    assert ear_outputs(parse_listing(raw)) == []


def test_only_output_events_make_the_kiosk_look_again() -> None:
    assert is_output_event("Event 'change' on sink #0")
    assert is_output_event("Event 'new' on sink #12")
    assert is_output_event("Event 'change' on card #0")
    assert not is_output_event("Event 'new' on sink-input #3")
    assert not is_output_event("Event 'change' on source #1")
    assert not is_output_event("Connection failure: Connection refused")


@pytest.fixture
def server_jack(pulse: PulseServer) -> Iterator[PulseJack]:
    # Only pactl talks to the private server: the test's own Qt Multimedia must not
    # connect to a server that is gone after the test.
    jack = PulseJack(environment={"PULSE_SERVER": pulse.address})
    yield jack
    jack.stop()


def test_a_headset_on_the_sound_server_starts_voice_mode_and_taking_it_off_ends_it(
    qtbot: QtBot, kiosk_db: KioskDB, pulse: PulseServer, server_jack: PulseJack
) -> None:
    window = make_window(qtbot, kiosk_db, jack=server_jack)
    voice = window.voice
    assert voice is not None
    voice.set_unplug_grace_ms(200)
    server_jack.start()
    qtbot.waitUntil(lambda: "nothing plugged in" in server_jack.describe())
    assert not voice.active()

    with qtbot.waitSignal(server_jack.changed, timeout=10_000) as plugged:
        module = pulse.pactl(
            "load-module", "module-null-sink", "sink_name=usb_headset",
            "sink_properties=device.form_factor=headset",
        ).strip()  # fmt: skip
    assert plugged.args == [True]
    assert voice.active()
    assert "usb_headset" in server_jack.describe()

    with qtbot.waitSignal(server_jack.changed, timeout=10_000) as unplugged:
        pulse.pactl("unload-module", module)
    assert unplugged.args == [False]
    qtbot.waitUntil(lambda: not voice.active())  # after the short warning
    assert window.current_screen() is window.home


def test_a_kiosk_whose_jack_sends_keys(qtbot: QtBot, kiosk_db: KioskDB) -> None:
    window = make_window(qtbot, kiosk_db, jack=KeyJack("F20", "F21"))
    assert window.voice is not None
    handle = window.windowHandle()
    assert handle is not None

    QTest.keyClick(handle, Qt.Key.Key_F20)
    assert window.voice.active() and window.voice.jack.plugged()
    QTest.keyClick(handle, Qt.Key.Key_F21)
    assert not window.voice.jack.plugged()
    assert window.voice.notice.isVisible()  # the warning before going home


def test_pactl_output_is_read_as_json_in_its_own_format(pulse: PulseServer) -> None:
    # The listing pactl really writes parses, and a null sink has no jack to report.
    listing = parse_listing(pulse.pactl("--format=json", "list", "sinks").encode())

    assert [sink["name"] for sink in listing] == ["kiosk_test"]
    assert ear_outputs(listing) == []
