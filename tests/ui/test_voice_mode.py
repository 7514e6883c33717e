"""Voice mode: how it starts and ends, its levels, the hidden screen, idle time, no engine."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.keypad import Action
from kiosk.voice_levels import VoiceLevels
from tests.conftest import KioskDB
from tests.ui.blind_citizen import BlindCitizen
from tests.ui.kiosk_fixtures import make_window, typed_texts
from ui.earphone import ManualJack
from ui.i18n import translate
from ui.shell import KioskWindow
from ui.speech import Speaker
from ui.voice.status import staff_line


@pytest.fixture
def blind(qtbot: QtBot, kiosk: KioskWindow) -> BlindCitizen:
    return BlindCitizen(qtbot, kiosk)


def plug(blind: BlindCitizen) -> ManualJack:
    jack = blind.voice.jack
    assert isinstance(jack, ManualJack)
    jack.plug()
    return jack


def test_the_home_screen_says_where_voice_guidance_starts(kiosk: KioskWindow) -> None:
    assert kiosk.home.voice_hint.text() == (
        "음성 안내: 이어폰을 꽂거나 키패드 오른쪽 아래 확인 키를 3초 동안 누르세요."
    )


def test_holding_the_lower_right_key_starts_and_ends_voice_mode(blind: BlindCitizen) -> None:
    assert not blind.voice.active()

    blind.hold_voice_key()

    assert blind.voice.active()
    assert blind.heard.startswith("음성 안내를 시작합니다.")
    assert blind.window.accessibility_screen.audio.isChecked()
    blind.hold_voice_key()
    assert not blind.voice.active()
    assert blind.heard == "음성 안내를 끕니다."


def test_a_short_press_of_the_voice_key_is_ok_and_starts_nothing(blind: BlindCitizen) -> None:
    blind.key("Keypad+Enter")  # the first key shows where the ring is
    blind.key("Keypad+Enter")  # and OK presses it: the complaint form opens

    assert not blind.voice.active()
    assert blind.screen == "complaint"
    assert blind.said == []  # voice mode is off: nothing is said


def test_on_the_speaker_a_name_is_counted_never_spoken_while_typed(blind: BlindCitizen) -> None:
    blind.hold_voice_key()  # voice mode without earphones: everyone nearby hears it
    blind.find("민원 신고", Action.PREVIOUS)
    blind.press(Action.ACTIVATE)
    form = blind.window.complaint
    form.show_last_page()  # straight to the contact page, as if the rest were done
    blind.voice.navigator.arrive()
    blind.press(Action.ACTIVATE)

    echoes = blind.type_text("김민")

    assert echoes[-1] == "입력됨, 2자"
    assert not any("김" in e or "민" in e for e in echoes)
    assert typed_texts(form) == ["김민"]


def test_with_earphones_the_syllable_is_echoed_while_typed(blind: BlindCitizen) -> None:
    plug(blind)
    blind.press(Action.ACTIVATE)
    blind.window.complaint.show_last_page()
    blind.voice.navigator.arrive()
    blind.press(Action.ACTIVATE)

    assert blind.type_text("김") == ["ㄱ", "기", "김"]


def test_volume_and_speed_change_in_steps_and_reset_for_the_next_person(
    blind: BlindCitizen,
) -> None:
    plug(blind)
    assert blind.press(Action.VOLUME_UP) == "음량 7단계 중 6단계"
    assert blind.press(Action.VOLUME_UP) == "음량 7단계 중 7단계"
    assert blind.press(Action.VOLUME_UP) == "음량 7단계 중 7단계"  # the loudest: it stays
    assert blind.press(Action.SLOWER, 2) == "빠르기 5단계 중 2단계 / 빠르기 5단계 중 1단계"
    assert blind.voice.speaker.levels == VoiceLevels(speed=0, volume=6)

    blind.window.idle_warning.expired.emit()  # the idle wipe

    assert blind.voice.speaker.levels == VoiceLevels()


def test_key_presses_are_confirmed_by_sound(qtbot: QtBot, blind: BlindCitizen) -> None:
    plug(blind)
    tones: list[str] = []
    blind.voice.speaker.toned.connect(tones.append)

    blind.press(Action.NEXT)
    blind.press(Action.NEXT_GROUP)  # nothing below the tiles
    blind.press(Action.ACTIVATE)

    assert tones == ["move", "edge", "press"]


def test_the_hidden_screen_shows_a_neutral_card_and_the_form_goes_on_by_keypad(
    qtbot: QtBot, blind: BlindCitizen
) -> None:
    window = blind.window
    plug(blind)
    cover = blind.voice.cover

    assert blind.press(Action.HIDE_SCREEN) == "화면을 가렸습니다. 다시 보시려면 1번 키를 누르세요."
    assert cover.isVisible() and cover.geometry() == window.rect()
    assert not blind.voice.navigator.ring.isVisible()  # where the ring is would tell too much
    # A finger on the cover presses nothing under it and brings up the neutral card.
    tile = window.home.tiles["suggestion"]
    qtbot.mouseClick(cover, Qt.MouseButton.LeftButton, pos=tile.mapTo(window, QPoint(20, 20)))  # type: ignore[no-untyped-call]
    assert blind.screen == "home"
    assert cover.card.isVisible()
    assert cover.card.text() == translate("voice.cover.title", "ko")
    shown = {label.text() for label in cover.findChildren(QLabel) if label.isVisible()}
    assert translate("home.title", "ko") not in shown
    # Under the cover the keypad goes on: the complaint form opens, still hidden.
    blind.press(Action.ACTIVATE)
    assert blind.screen == "complaint"
    assert cover.isVisible()
    assert blind.heard.startswith("민원 신고.")
    assert blind.press(Action.HIDE_SCREEN) == "화면을 다시 보입니다."
    assert not cover.isVisible()


def test_the_screen_cannot_be_hidden_outside_voice_mode(blind: BlindCitizen) -> None:
    blind.press(Action.HIDE_SCREEN)

    assert not blind.voice.cover.isVisible()


def test_with_earphones_in_the_idle_wipe_never_comes(blind: BlindCitizen) -> None:
    window = blind.window
    plug(blind)
    blind.press(Action.ACTIVATE)  # a complaint started: there is something to wipe

    window.watcher.idle.emit()  # as long as nobody pressed anything

    assert not window.idle_warning.isVisible()
    assert blind.screen == "complaint"


def test_voice_mode_on_the_speaker_keeps_a_longer_idle_limit_with_a_spoken_warning(
    blind: BlindCitizen,
) -> None:
    window = blind.window
    usual = window.idle_timeout_ms
    blind.hold_voice_key()
    assert window.idle_timeout_ms == max(usual, window.settings.voice_idle_timeout_s * 1000)
    blind.press(Action.ACTIVATE)

    window.watcher.idle.emit()

    assert window.idle_warning.isVisible()
    # The warning is read, and the ring is on its one button: one key carries on.
    assert blind.heard.startswith(translate("idle.title", "ko"))
    assert blind.heard.endswith("계속하기, 버튼.")
    blind.press(Action.ACTIVATE)
    assert not window.idle_warning.isVisible()
    assert blind.screen == "complaint"
    blind.hold_voice_key()
    assert window.idle_timeout_ms == usual


def test_pulling_the_earphones_out_warns_then_wipes_and_goes_home(
    qtbot: QtBot, blind: BlindCitizen
) -> None:
    window = blind.window
    jack = plug(blind)
    blind.press(Action.ACTIVATE)
    blind.window.complaint.show_last_page()
    blind.window.complaint.field("name").editor.setFocus()
    blind.window.complaint.field("name").editor.insert("김민수")  # type: ignore[union-attr]
    blind.voice.set_unplug_grace_ms(300)  # a short warning, for the test

    jack.unplug()

    assert blind.voice.notice.isVisible()
    assert blind.heard == (
        "이어폰이 빠졌습니다. 1초 후 입력하신 내용을 지우고 처음 화면으로 돌아갑니다. "
        "계속하시려면 이어폰을 다시 꽂으세요. 화면으로 계속하기, 버튼."
    )
    qtbot.waitUntil(lambda: blind.screen == "home")
    assert not blind.voice.active()
    assert not blind.voice.notice.isVisible()
    assert typed_texts(window) == []


def test_plugging_back_in_during_the_warning_carries_on(blind: BlindCitizen) -> None:
    jack = plug(blind)
    blind.press(Action.ACTIVATE)

    jack.unplug()
    jack.plug()

    assert not blind.voice.notice.isVisible()
    assert blind.voice.active() and blind.screen == "complaint"
    assert blind.heard.startswith("이어폰이 다시 연결되었습니다. 민원 신고.")


def test_after_done_the_voice_stays_on_while_the_earphones_are_in(blind: BlindCitizen) -> None:
    plug(blind)
    blind.press(Action.ACTIVATE)

    blind.window.end_session()

    assert blind.voice.active()
    assert blind.screen == "home"
    assert blind.heard.startswith("무엇을 도와드릴까요?")


def test_switching_language_reads_the_screen_again_in_english(blind: BlindCitizen) -> None:
    plug(blind)
    # ▲ from the tiles: the header, whose first button is the language in use.
    assert blind.press(Action.PREVIOUS_GROUP) == "한국어로 보기, 전환 버튼, 켜짐, 세 개 중 첫 번째"
    assert blind.press(Action.NEXT) == "영어로 보기, 전환 버튼, 꺼짐, 세 개 중 두 번째"
    said = blind.press(Action.ACTIVATE)

    assert said.startswith("How can we help you? Touch what you would like to do.")
    assert blind.voice.speaker.can_speak("en")


def test_without_an_engine_voice_mode_is_not_offered_and_staff_are_told(
    qtbot: QtBot, kiosk_db: KioskDB
) -> None:
    window = make_window(qtbot, kiosk_db, speaker=Speaker(engine="no-such-engine"))
    assert window.voice is not None
    switch = window.accessibility_screen.audio

    assert not switch.isEnabled()
    assert switch.text() == "음성 안내: 사용할 수 없음"
    assert not window.voice.start_voice()
    window.set_accessibility(replace(window.accessibility, audio=True))  # even if asked
    assert not window.accessibility.audio
    assert window.desk.speech is not None
    key, _, well = staff_line(*window.desk.speech())
    assert key == "staff.voice.missing" and not well
