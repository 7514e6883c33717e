"""The on-screen keyboard, used the way a citizen uses it: tapping keys into real fields."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.toolkit_fixtures import TapKeys
from ui import i18n
from ui.keyboard import BACKSPACE, ENTER, SHIFT, SPACE, TOGGLE, Mode, OnScreenKeyboard
from ui.theme import Theme, ThemeOptions, apply_theme
from ui.touch import touch_target_px

LABELS = {
    "keyboard.panel": "Keyboard",
    "keyboard.key": "{key} key",
    "keyboard.shift": "Double",
    "keyboard.capitals": "Capitals",
    "keyboard.backspace": "Delete",
    "keyboard.space": "Space",
    "keyboard.enter": "New line",
    "keyboard.next": "Next",
    "keyboard.toggle_language": "한/A",
}


@dataclass
class Form:
    window: QWidget
    name: QLineEdit
    story: QPlainTextEdit
    phone: QLineEdit
    email: QLineEdit
    keyboard: OnScreenKeyboard


def focus(qtbot: QtBot, form: Form, field: QWidget) -> None:
    field.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: form.keyboard.target() is field)


@pytest.fixture
def korean() -> Iterator[None]:
    previous = i18n.current()
    i18n.install(i18n.I18n("ko"))
    yield
    i18n.install(previous)


def make_form(
    qtbot: QtBot,
    *,
    dpi: float = 96.0,
    size: tuple[int, int] = (1920, 1080),
    translate: Callable[[str], str] = lambda key: LABELS.get(key, key),
) -> Form:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    # Created in screen order, which is also the focus chain's order.
    name = QLineEdit(window)
    story = QPlainTextEdit(window)
    phone, email = QLineEdit(window), QLineEdit(window)
    phone.setProperty("keyboard", "digits")
    email.setProperty("keyboard", "email")
    keyboard = OnScreenKeyboard(window, dpi=dpi, translate=translate)
    for widget in (name, story, phone, email, keyboard):
        layout.addWidget(widget)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    form = Form(window, name, story, phone, email, keyboard)
    focus(qtbot, form, name)
    return form


@pytest.fixture
def form(qtbot: QtBot, korean: None, themed: Theme) -> Form:
    return make_form(qtbot)


# -- Hangul composition ---------------------------------------------------------------------


def test_tapping_jamo_types_annyeonghaseyo(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㅇ", "ㅏ", "ㄴ", "ㄴ", "ㅕ", "ㅇ", "ㅎ", "ㅏ", "ㅅ", "ㅔ", "ㅇ", "ㅛ")

    assert form.name.text() == "안녕하세요"
    assert unicodedata.is_normalized("NFC", form.name.text())


def test_shift_types_a_double_consonant_once(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㅇ", "ㅣ", SHIFT, "ㅆ", "ㅇ", "ㅓ", "ㅇ", "ㅛ")

    assert form.name.text() == "있어요"
    assert not form.keyboard.shift_active()


def test_shift_shows_the_double_jamo_on_the_keys(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, SHIFT)

    labels = {b.text() for b in form.keyboard.buttons()}
    assert set("ㄲㄸㅃㅆㅉㅒㅖ") <= labels
    assert "ㄱ" not in labels


def test_a_vowel_takes_the_final_consonant_into_the_next_syllable(
    form: Form, tap_keys: TapKeys
) -> None:
    tap_keys(form.keyboard, "ㄷ", "ㅏ", "ㄹ", "ㄱ", "ㅏ")

    assert form.name.text() == "달가"


def test_compound_vowel_and_final_cluster(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㄱ", "ㅗ", "ㅏ", "ㄹ", "ㄱ")

    assert form.name.text() == "괅"


def test_backspace_takes_apart_the_last_jamo(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㄷ", "ㅏ", "ㄹ", "ㄱ")
    assert form.name.text() == "닭"

    tap_keys(form.keyboard, BACKSPACE)
    assert form.name.text() == "달"
    tap_keys(form.keyboard, BACKSPACE)
    assert form.name.text() == "다"


def test_backspace_after_the_syllable_ended_deletes_it_whole(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㄷ", "ㅏ", "ㄹ", "ㄱ", SPACE, BACKSPACE, BACKSPACE)

    assert form.name.text() == ""


def test_the_syllable_being_composed_is_shown_selected(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㅎ", "ㅏ", "ㄴ", "ㄱ", "ㅡ")

    assert form.name.text() == "한그"
    assert form.name.selectedText() == "그"


def test_the_field_holds_the_open_syllable_before_any_commit(form: Form, tap_keys: TapKeys) -> None:
    # A "next" button that takes no focus reads text() while 요 is still open.
    tap_keys(form.keyboard, text="안녕하세요")

    assert form.keyboard.composing() == "요"
    assert form.name.text() == "안녕하세요"


def test_typing_continues_after_the_field_was_wiped(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㄱ", "ㅏ")
    form.name.clear()  # the idle wipe, mid-syllable

    tap_keys(form.keyboard, "ㄴ", "ㅏ")

    assert form.name.text() == "나"


def test_composing_works_in_a_multiline_field(qtbot: QtBot, form: Form, tap_keys: TapKeys) -> None:
    focus(qtbot, form, form.story)

    tap_keys(form.keyboard, "ㄷ", "ㅏ", "ㄹ", "ㄱ", BACKSPACE, ENTER, text="좋아요")

    assert form.story.toPlainText() == "달\n좋아요"


# -- modes ----------------------------------------------------------------------------------


def test_language_key_switches_to_english_mid_text(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㅎ", "ㅏ", "ㄴ", TOGGLE, SHIFT, "O", "k")

    assert form.name.text() == "한Ok"
    assert form.keyboard.mode() is Mode.LATIN


def test_latin_shift_is_one_shot(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, TOGGLE, SHIFT, "S", "e", "o", "u", "l")

    assert form.name.text() == "Seoul"


def test_phone_field_gets_the_digit_pad(qtbot: QtBot, form: Form, tap_keys: TapKeys) -> None:
    focus(qtbot, form, form.phone)

    tap_keys(form.keyboard, "0", "1", "0", "-", "1", "2", "3", "4", "-", "5", "6", "7", "8")

    assert form.keyboard.mode() is Mode.DIGITS
    assert form.phone.text() == "010-1234-5678"
    assert len(form.keyboard.buttons()) == 13  # 3×4 pad and the next-field key


def test_email_field_gets_at_and_dot_keys(qtbot: QtBot, form: Form, tap_keys: TapKeys) -> None:
    focus(qtbot, form, form.email)

    tap_keys(form.keyboard, "k", "i", "m", "@", "s", "e", "o", "u", "l", ".", "g", "o", ".", "k")

    assert form.email.text() == "kim@seoul.go.k"
    with pytest.raises(KeyError):
        form.keyboard.button(TOGGLE)


def test_default_mode_follows_the_ui_language(qtbot: QtBot, form: Form) -> None:
    i18n.install(i18n.I18n("en"))

    form.keyboard.retranslate()

    assert form.keyboard.mode() is Mode.LATIN


def test_a_field_asking_for_hangul_keeps_it_in_english(qtbot: QtBot, form: Form) -> None:
    form.name.setProperty("keyboard", "hangul")
    i18n.install(i18n.I18n("en"))

    form.keyboard.retranslate()

    assert form.keyboard.mode() is Mode.HANGUL


# -- following focus ------------------------------------------------------------------------


def test_focus_moving_away_ends_the_syllable(qtbot: QtBot, form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㄱ", "ㅏ")
    focus(qtbot, form, form.story)
    tap_keys(form.keyboard, "ㄴ", "ㅏ")
    focus(qtbot, form, form.name)

    tap_keys(form.keyboard, "ㄱ")  # would make 각 if 가 were still open

    assert form.story.toPlainText() == "나"
    assert form.name.text() == "가ㄱ"


def test_keys_never_take_the_focus(form: Form, tap_keys: TapKeys) -> None:
    tap_keys(form.keyboard, "ㄱ", SHIFT, "ㄲ", SPACE, BACKSPACE)

    assert QApplication.focusWidget() is form.name
    assert all(b.focusPolicy() == Qt.FocusPolicy.NoFocus for b in form.keyboard.buttons())


def test_enter_in_a_line_moves_to_the_next_field(
    qtbot: QtBot, form: Form, tap_keys: TapKeys
) -> None:
    with qtbot.waitSignal(form.name.returnPressed):
        tap_keys(form.keyboard, "ㄱ", "ㅏ", ENTER)

    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.story)
    assert form.name.text() == "가"


def test_key_presses_are_reported_for_feedback(form: Form, tap_keys: TapKeys) -> None:
    pressed: list[str] = []
    form.keyboard.keyPressed.connect(pressed.append)

    tap_keys(form.keyboard, "ㄱ", SPACE, SHIFT, BACKSPACE)

    assert pressed == ["ㄱ", " ", SHIFT, BACKSPACE]


def test_a_physical_keyboard_replaces_it(qtbot: QtBot, form: Form) -> None:
    form.keyboard.set_physical_keyboard(True)
    focus_target = form.story
    focus_target.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is focus_target)

    assert not form.keyboard.isVisible()
    assert form.keyboard.target() is None


# -- accessibility --------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "phone", "email"])
def test_every_key_has_an_accessible_name(qtbot: QtBot, form: Form, field: str) -> None:
    focus(qtbot, form, getattr(form, field))

    names = {b.accessibleName() for b in form.keyboard.buttons()}

    assert "" not in names
    assert all("{" not in n and not n.startswith("keyboard.") for n in names)
    assert len(names) == len(form.keyboard.buttons())


def test_character_keys_are_named_by_their_character(form: Form) -> None:
    assert form.keyboard.button("ㄱ").accessibleName() == "ㄱ key"
    assert form.keyboard.button(BACKSPACE).accessibleName() == "Delete"
    assert form.keyboard.accessibleName() == "Keyboard"


def test_function_key_texts_come_from_the_catalog(qtbot: QtBot, korean: None) -> None:
    keyboard = OnScreenKeyboard()
    qtbot.addWidget(keyboard)

    assert keyboard.button(SPACE).text() == i18n.tr("keyboard.space")


@pytest.mark.parametrize("dpi", [96.0, 160.0])
@pytest.mark.parametrize("field", ["name", "phone"])
def test_keys_are_at_least_one_touch_target(
    qtbot: QtBot, korean: None, themed: Theme, dpi: float, field: str
) -> None:
    form = make_form(qtbot, dpi=dpi)
    focus(qtbot, form, getattr(form, field))
    qtbot.waitUntil(lambda: form.keyboard.button(ENTER).height() > 0)

    target = touch_target_px(dpi)
    sizes = [(b.width(), b.height()) for b in form.keyboard.buttons()]

    assert min(w for w, _ in sizes) >= target
    assert min(h for _, h in sizes) >= target


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_keys_lie_inside_the_keyboard_in_both_orientations(
    qtbot: QtBot, korean: None, themed: Theme, size: tuple[int, int]
) -> None:
    form = make_form(qtbot, size=size)
    qtbot.waitUntil(lambda: form.keyboard.button(ENTER).height() > 0)
    area = form.keyboard.rect()

    for button in form.keyboard.buttons():
        corner = button.mapTo(form.keyboard, QPoint(0, 0))
        assert area.contains(QRect(corner, button.size())), button.text()


def test_the_keyboard_grows_with_large_text(qtbot: QtBot, qapp: QApplication, form: Form) -> None:
    normal = form.keyboard.height()

    apply_theme(qapp, ThemeOptions(large_text=True))

    qtbot.waitUntil(lambda: form.keyboard.height() > 1.15 * normal)
    assert form.keyboard.button("ㄱ").height() >= touch_target_px(96.0)


@pytest.mark.parametrize("field", ["name", "email"])
def test_function_key_words_fit_at_large_text_on_a_portrait_screen(
    qtbot: QtBot, qapp: QApplication, app_look: None, korean: None, field: str
) -> None:
    i18n.install(i18n.I18n("en"))
    apply_theme(qapp, ThemeOptions(large_text=True))
    form = make_form(qtbot, size=(1080, 1920), translate=i18n.tr)
    focus(qtbot, form, getattr(form, field))
    qtbot.waitUntil(lambda: form.keyboard.button(ENTER).width() > 0)

    for button in form.keyboard.buttons():
        words = QFontMetrics(button.font()).horizontalAdvance(button.text())
        assert words <= button.width(), button.text()
    assert form.window.width() == 1080


def test_key_sequence_round_trips_mixed_text(form: Form, tap_keys: TapKeys) -> None:
    text = "닭갈비 맛있어요! 값은 OK 2024, 괜찮아요?"

    tap_keys(form.keyboard, text=text)

    assert form.name.text() == text
