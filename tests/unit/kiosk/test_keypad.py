"""The keypad map: what each key does by default, and how a kiosk maps its own keys."""

from __future__ import annotations

import pytest

from kiosk.keypad import (
    DEFAULT_KEYS,
    Action,
    KeyMapError,
    default_key_map,
    key_name,
    keypad_digit,
    parse_key_map,
)


def test_the_numeric_keypad_works_with_num_lock_on_and_off() -> None:
    keys = default_key_map()

    for on, off, action in [
        ("Keypad+8", "Keypad+Up", Action.PREVIOUS_GROUP),
        ("Keypad+2", "Keypad+Down", Action.NEXT_GROUP),
        ("Keypad+4", "Keypad+Left", Action.PREVIOUS),
        ("Keypad+6", "Keypad+Right", Action.NEXT),
        ("Keypad+5", "Keypad+Clear", Action.ACTIVATE),
        ("Keypad+0", "Keypad+Insert", Action.BACK),
        ("Keypad+7", "Keypad+Home", Action.HOME),
        ("Keypad+9", "Keypad+PageUp", Action.REPEAT),
        ("Keypad+1", "Keypad+End", Action.HIDE_SCREEN),
        ("Keypad+Period", "Keypad+Delete", Action.ERASE),
    ]:
        assert keys.action(on) == action
        assert keys.action(off) == action


def test_keys_a_typist_or_a_scanner_needs_mean_nothing_by_default() -> None:
    keys = default_key_map()

    for plain in ("Return", "Enter", "Backspace", "Escape", "Tab", "Space", "8", "A", "Home"):
        assert keys.action(plain) is None, plain


def test_the_lower_right_key_means_ok_and_held_down_switches_voice() -> None:
    keys = default_key_map()

    assert keys.action("Keypad+Enter") == Action.ACTIVATE
    assert keys.holds_voice("Keypad+Enter")
    assert not keys.holds_voice("Keypad+5")


def test_every_default_action_has_a_key_and_no_key_has_two_meanings() -> None:
    assert set(DEFAULT_KEYS) == set(Action)
    parse_key_map("")  # the defaults pass the same check as a configured map


def test_a_setting_replaces_the_keys_of_the_actions_it_names_only() -> None:
    keys = parse_key_map("back = F13 Keypad+0; home=F14")

    assert keys.action("F13") == Action.BACK
    assert keys.action("Keypad+0") == Action.BACK
    assert keys.action("Keypad+Insert") is None  # back's old keys are gone
    assert keys.action("F14") == Action.HOME
    assert keys.action("Keypad+6") == Action.NEXT  # untouched


@pytest.mark.parametrize(
    ("setting", "names"),
    [
        ("forward = F1", "unknown action 'forward'"),
        ("back F13", "expected 'action = keys'"),
        ("back = Keypad+Banana", "'Keypad+Banana' is not a key name"),
        ("back = Ctrl+A", "'Ctrl+A' is not a key name"),
        ("back = Keypad+6", "Keypad+6 is given to both"),
    ],
)
def test_a_wrong_setting_is_refused_with_what_is_wrong(setting: str, names: str) -> None:
    with pytest.raises(KeyMapError, match=names.replace("+", r"\+")):
        parse_key_map(setting)


def test_our_key_names_follow_qt_with_the_keypad_marked() -> None:
    assert key_name("Key_Left", keypad=False) == "Left"
    assert key_name("Key_8", keypad=True) == "Keypad+8"


def test_the_number_block_types_digits_whatever_num_lock_says() -> None:
    assert [keypad_digit(f"Keypad+{d}") for d in "0123456789"] == list("0123456789")
    assert keypad_digit("Keypad+Up") == "8"
    assert keypad_digit("Keypad+Insert") == "0"
    assert keypad_digit("8") == ""  # the main row is not the keypad
    assert keypad_digit("Keypad+Plus") == ""
