"""The kiosk's voice really speaks: real eSpeak NG audio in Korean and English, measured.

"Really speaks" is checked the way a technician would with a sound meter and
a stopwatch: a sentence comes out well above silence, lasts about as long as
a person takes to say it, and is mostly voice, not pauses. Faster speech is
shorter. Where no engine exists the speaker stays silent and quiet.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, qInfo
from pytestqt.qtbot import QtBot

from kiosk.voice_levels import VoiceLevels
from ui.speech import TEST_ENGINE, Speaker
from ui.voice.espeak import Espeak
from ui.voice.voices import qt_engines

KOREAN = "민원이 접수되었습니다. 접수번호를 적어 두세요."  # 19 syllables
ENGLISH = "Your complaint was received. Please write down the receipt number."  # 19 syllables


@pytest.mark.parametrize(("language", "sentence"), [("ko", KOREAN), ("en", ENGLISH)])
def test_a_sentence_is_synthesised_to_real_speech(
    espeak: Espeak, language: str, sentence: str
) -> None:
    speech = espeak.synthesize(sentence, language)

    # 19 syllables at a normal pace (3-8 a second), plus a little silence at the ends.
    assert 2.0 < speech.seconds < 8.0
    assert speech.rms_dbfs() > -35.0  # clearly audible, not a hiss or silence
    assert speech.voiced_seconds() > 0.5 * speech.seconds  # mostly voice, not pauses
    assert speech.rms_dbfs() < -3.0  # and not clipped noise at full scale


def test_faster_speech_is_shorter_and_slower_is_longer(espeak: Espeak) -> None:
    normal = espeak.synthesize(KOREAN, "ko", 1.0).seconds

    assert espeak.synthesize(KOREAN, "ko", 1.5).seconds < 0.8 * normal
    assert espeak.synthesize(KOREAN, "ko", 0.7).seconds > 1.2 * normal


def test_what_a_citizen_typed_cannot_steer_the_engine(espeak: Espeak) -> None:
    # Phoneme escapes, control characters, an option-looking start, and far too much text.
    hostile = "--version [[h@'loU]] \x00\x1b[31m 망원동 " + "가" * 10_000

    speech = espeak.synthesize(hostile, "ko")

    assert speech.seconds > 1.0
    assert speech.seconds < 20 * 60  # cut to the longest thing the kiosk says


def test_the_speaker_uses_espeak_and_reports_both_languages(qtbot: QtBot, espeak: Espeak) -> None:
    speaker = Speaker()

    status = speaker.status()
    assert status.engine == "espeak-ng"
    assert status.speaks
    with qtbot.waitSignal(speaker.spoken) as spoken:
        speaker.say("처음 화면입니다", "ko")
    assert spoken.args == ["처음 화면입니다"]
    pcm = speaker.synthesize("Start screen", "en")
    assert pcm is not None and pcm.rms_dbfs() > -35.0


def test_the_session_speed_reaches_the_engine(qtbot: QtBot, espeak: Espeak) -> None:
    speaker = Speaker()
    normal = speaker.synthesize(ENGLISH, "en")
    speaker.levels = VoiceLevels().faster().faster()
    fast = speaker.synthesize(ENGLISH, "en")

    assert normal is not None and fast is not None
    assert fast.seconds < 0.8 * normal.seconds


def test_without_an_engine_say_does_nothing(qtbot: QtBot) -> None:
    speaker = Speaker(engine="no-such-engine")

    with qtbot.assertNotEmitted(speaker.spoken):
        speaker.say("민원이 접수되었습니다", "ko")
        speaker.say("Your complaint was received", "en")

    assert not speaker.available
    assert not speaker.is_speaking()
    assert speaker.engine == ""
    assert not speaker.can_speak("ko")
    assert not speaker.status().speaks
    assert speaker.synthesize("안녕하세요", "ko") is None


def test_choosing_an_engine_on_this_machine_prints_no_qt_warning(qtbot: QtBot) -> None:
    # pytest-qt fails this test on any Qt warning, e.g. a speech plug-in or a sound
    # server that cannot load ("PulseAudioService: pa_context_connect() failed").
    parent = QObject()
    speaker = Speaker(parent)

    speaker.say("안녕하세요", "ko")
    speaker.tone("press")
    speaker.stop()

    assert speaker.parent() is parent


def test_qt_messages_reach_the_test_handler_again_afterwards(qtlog: object) -> None:
    Speaker()

    qInfo("after the speaker")

    assert any(r.message == "after the speaker" for r in qtlog.records)  # type: ignore[attr-defined]


def test_the_test_engine_is_never_picked_on_its_own() -> None:
    assert Speaker().engine != TEST_ENGINE


# --- Qt TextToSpeech (the Windows path), through Qt's own silent test engine ----------------

needs_test_engine = pytest.mark.skipif(
    TEST_ENGINE not in qt_engines(), reason="Qt's mock speech engine is not installed"
)


@needs_test_engine
def test_english_is_spoken_with_an_english_voice(qtbot: QtBot) -> None:
    speaker = Speaker(engine=TEST_ENGINE)

    with qtbot.waitSignal(speaker.spoken) as spoken:
        speaker.say("Your complaint was received", "en")

    assert spoken.args == ["Your complaint was received"]
    qtbot.waitUntil(speaker.is_speaking)
    assert speaker.synthesize("Hello", "en") is None  # Qt cannot hand audio back to Python


@needs_test_engine
def test_korean_is_not_read_by_a_voice_of_another_language(qtbot: QtBot) -> None:
    speaker = Speaker(engine=TEST_ENGINE)  # its voices are English, Norwegian, Finnish

    with qtbot.assertNotEmitted(speaker.spoken):
        speaker.say("민원이 접수되었습니다", "ko")

    assert not speaker.is_speaking()
    assert not speaker.can_speak("ko")
    assert not speaker.status().speaks  # so voice guidance is not offered


@needs_test_engine
def test_disabled_speaker_stays_silent(qtbot: QtBot) -> None:
    speaker = Speaker(engine=TEST_ENGINE)
    speaker.enabled = False

    with qtbot.assertNotEmitted(speaker.spoken):
        speaker.say("Hello", "en")
