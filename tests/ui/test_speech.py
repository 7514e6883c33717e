"""Audio guidance: speaks where an engine exists, is silent (and quiet) where none does."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, qInfo
from pytestqt.qtbot import QtBot

from ui.speech import TEST_ENGINE, Speaker, available_engines

needs_test_engine = pytest.mark.skipif(
    TEST_ENGINE not in available_engines(), reason="Qt's mock speech engine is not installed"
)


def test_without_an_engine_say_does_nothing(qtbot: QtBot) -> None:
    speaker = Speaker(engine="no-such-engine")

    with qtbot.assertNotEmitted(speaker.spoken):
        speaker.say("민원이 접수되었습니다", "ko")
        speaker.say("Your complaint was received", "en")

    assert not speaker.available
    assert not speaker.is_speaking()
    assert speaker.engine == ""
    assert not speaker.can_speak("ko")


def test_choosing_an_engine_on_this_machine_prints_no_qt_warning(qtbot: QtBot) -> None:
    # pytest-qt fails this test on any Qt warning, e.g. a speech plug-in that cannot load.
    parent = QObject()
    speaker = Speaker(parent)

    speaker.say("안녕하세요", "ko")
    speaker.stop()

    assert speaker.parent() is parent


def test_qt_messages_reach_the_test_handler_again_afterwards(qtlog: object) -> None:
    Speaker()

    qInfo("after the speaker")

    assert any(r.message == "after the speaker" for r in qtlog.records)  # type: ignore[attr-defined]


def test_the_test_engine_is_never_picked_on_its_own() -> None:
    assert Speaker().engine != TEST_ENGINE


@needs_test_engine
def test_english_is_spoken_with_an_english_voice(qtbot: QtBot) -> None:
    speaker = Speaker(engine=TEST_ENGINE)

    with qtbot.waitSignal(speaker.spoken) as spoken:
        speaker.say("Your complaint was received", "en")

    assert spoken.args == ["Your complaint was received"]
    qtbot.waitUntil(speaker.is_speaking)


@needs_test_engine
def test_korean_is_not_read_by_a_voice_of_another_language(qtbot: QtBot) -> None:
    speaker = Speaker(engine=TEST_ENGINE)  # its voices are English, Norwegian, Finnish

    with qtbot.assertNotEmitted(speaker.spoken):
        speaker.say("민원이 접수되었습니다", "ko")

    assert not speaker.is_speaking()
    assert not speaker.can_speak("ko")


@needs_test_engine
def test_disabled_speaker_stays_silent(qtbot: QtBot) -> None:
    speaker = Speaker(engine=TEST_ENGINE)
    speaker.enabled = False

    with qtbot.assertNotEmitted(speaker.spoken):
        speaker.say("Hello", "en")
