"""Speech speed and volume: the steps a citizen can reach, and where a session starts."""

from __future__ import annotations

from kiosk.voice_levels import SPEEDS, VOLUMES_DB, VoiceLevels


def test_speed_goes_from_0_7_to_1_5_in_five_steps_starting_at_normal() -> None:
    assert SPEEDS == (0.7, 0.85, 1.0, 1.25, 1.5)
    assert VoiceLevels().rate == 1.0


def test_moves_stop_at_the_ends() -> None:
    slowest = VoiceLevels().slower().slower().slower()
    fastest = VoiceLevels().faster().faster().faster()

    assert slowest.rate == 0.7
    assert fastest.rate == 1.5


def test_volume_spans_more_than_18_db_and_a_session_starts_below_the_top() -> None:
    assert VOLUMES_DB[-1] - VOLUMES_DB[0] >= 18
    start = VoiceLevels()
    assert start.volume_db < 0
    assert start.louder().gain > start.gain > start.quieter().gain
    loudest = start
    for _ in range(10):
        loudest = loudest.louder()
    assert loudest.gain == 1.0
