"""The physical keypad: which key does what, as plain data a test can read.

A blind citizen works the kiosk with a USB keypad (the barrier-free kiosk
rules ask for arrow keys, OK, back/home/help, volume and speed keys). Most
such keypads are ordinary USB HID numeric keypads, sometimes with dedicated
arrow and volume keys; the default map below assumes exactly that, and a
kiosk with other hardware maps its own keys in the ``keypad_keys`` setting
(docs/voice-and-keypad.md).

Keys are named the way Qt names them, without Qt: ``"Left"``, ``"F1"``,
``"VolumeUp"`` (``Qt.Key.Key_Left`` ... minus the ``Key_`` prefix), and a key
of the numeric block is prefixed ``"Keypad+"``, because the same key code
comes from the main keyboard too (``"Keypad+8"`` is the keypad's 8,
``"Keypad+Up"`` the same key with Num Lock off). Only keypad keys and keys a
text field has no use for are mapped by default, so a hardware keyboard,
a wedge scanner (main-row characters and Return) and typing still work.

Default layout on a standard 17-key numeric keypad (5 carries the tactile dot)::

    NumLk  /slower  *faster  -volume down
    7 home   8 ▲      9 repeat   + volume up
    4 ◀      5 OK     6 ▶        +
    1 hide   2 ▼      3          Enter OK (hold: voice on/off)
    0 back   0        . erase    Enter
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

KEYPAD_PREFIX: Final = "Keypad+"


class Action(StrEnum):
    PREVIOUS = "previous"  # the item before, in reading order
    NEXT = "next"  # the item after
    PREVIOUS_GROUP = "previous_group"  # the first item of the group above (a list, a bar)
    NEXT_GROUP = "next_group"  # the first item of the group below
    ACTIVATE = "activate"  # press, choose, tick, or start typing into a field
    BACK = "back"  # the screen's back button; out of typing
    HOME = "home"  # start over
    REPEAT = "repeat"  # say the screen and the current item again
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
    FASTER = "faster"
    SLOWER = "slower"
    HIDE_SCREEN = "hide_screen"  # blank the display for privacy, and show it again
    ERASE = "erase"  # delete the last character while typing
    VOICE = "voice"  # held down: voice mode on or off


DEFAULT_KEYS: Final[Mapping[Action, tuple[str, ...]]] = {
    # The first key of each is the one the welcome and the home screen name.
    Action.PREVIOUS: ("Keypad+4", "Keypad+Left", "Left"),
    Action.NEXT: ("Keypad+6", "Keypad+Right", "Right"),
    Action.PREVIOUS_GROUP: ("Keypad+8", "Keypad+Up", "Up"),
    Action.NEXT_GROUP: ("Keypad+2", "Keypad+Down", "Down"),
    Action.ACTIVATE: ("Keypad+5", "Keypad+Clear", "Keypad+Enter"),
    Action.BACK: ("Keypad+0", "Keypad+Insert"),
    Action.HOME: ("Keypad+7", "Keypad+Home"),
    Action.REPEAT: ("Keypad+9", "Keypad+PageUp", "Help", "F1"),
    Action.VOLUME_UP: ("Keypad+Plus", "VolumeUp"),
    Action.VOLUME_DOWN: ("Keypad+Minus", "VolumeDown"),
    Action.FASTER: ("Keypad+Asterisk",),
    Action.SLOWER: ("Keypad+Slash",),
    Action.HIDE_SCREEN: ("Keypad+1", "Keypad+End"),
    Action.ERASE: ("Keypad+Period", "Keypad+Delete"),
    # The keypad's lower-right key: easy to find by touch, and it also means OK.
    Action.VOICE: ("Keypad+Enter",),
}

# How the home screen and the welcome describe where the voice-mode key is.
VOICE_KEY_POSITION: Final = "keypad lower right"

# Keys of the numeric block, by the digit they carry, in both Num Lock states:
# while a phone number is typed, the block types digits whatever Num Lock says.
_DIGIT_KEYS: Final = {
    "0": ("0", "Insert"),
    "1": ("1", "End"),
    "2": ("2", "Down"),
    "3": ("3", "PageDown"),
    "4": ("4", "Left"),
    "5": ("5", "Clear"),
    "6": ("6", "Right"),
    "7": ("7", "Home"),
    "8": ("8", "Up"),
    "9": ("9", "PageUp"),
}
_DIGIT_OF: Final = {
    KEYPAD_PREFIX + name: digit for digit, names in _DIGIT_KEYS.items() for name in names
}

# Qt key names (Qt.Key.Key_<name>) a keypad or keyboard can send and a map may use.
# A test checks that Qt knows every one of them.
KNOWN_KEYS: Final = frozenset(
    [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    + [str(d) for d in range(10)]
    + [f"F{n}" for n in range(1, 36)]
    + [
        *("Left", "Right", "Up", "Down", "Home", "End", "PageUp", "PageDown", "Insert"),
        *("Delete", "Clear", "Enter", "Return", "Escape", "Backspace", "Tab", "Space"),
        *("Plus", "Minus", "Asterisk", "Slash", "Period", "Comma", "Equal", "NumLock"),
        *("VolumeUp", "VolumeDown", "VolumeMute", "MediaPlay", "MediaPause", "MediaStop"),
        *("MediaTogglePlayPause", "MediaNext", "MediaPrevious", "Help", "Menu", "Select"),
        *("Back", "Forward", "HomePage", "Call", "Hangup", "Yes", "No", "Cancel"),
        *("Context1", "Context2", "Context3", "Context4", "Execute", "Printer", "Play", "Sleep"),
    ]
)

_NAME: Final = re.compile(r"^(Keypad\+)?([A-Za-z0-9]+)$")


class KeyMapError(ValueError):
    """The ``keypad_keys`` setting cannot be read; the message says which part."""


@dataclass(frozen=True)
class KeyMap:
    """Actions by key name; one key may mean one action and, held down, ``VOICE``."""

    keys: Mapping[Action, tuple[str, ...]]

    def action(self, key: str) -> Action | None:
        """What pressing ``key`` does (``VOICE`` only if it has no other meaning)."""
        found: Action | None = None
        for action, names in self.keys.items():
            if key in names:
                if action != Action.VOICE:
                    return action
                found = action
        return found

    def holds_voice(self, key: str) -> bool:
        """Whether holding ``key`` down turns voice mode on or off."""
        return key in self.keys.get(Action.VOICE, ())

    def first_key(self, action: Action) -> str:
        names = self.keys.get(action, ())
        return names[0] if names else ""


def default_key_map() -> KeyMap:
    return KeyMap(dict(DEFAULT_KEYS))


def key_name(qt_name: str, *, keypad: bool) -> str:
    """Our name for a key Qt calls ``Key_<qt_name>`` (``keypad``: it came from the keypad)."""
    bare = qt_name.removeprefix("Key_")
    return KEYPAD_PREFIX + bare if keypad else bare


def keypad_digit(key: str) -> str:
    """The digit printed on a numeric-block key (either Num Lock state), or ""."""
    return _DIGIT_OF.get(key, "")


def parse_key_map(text: str, base: KeyMap | None = None) -> KeyMap:
    """Read the ``keypad_keys`` setting: ``"action = Key Key; action = Key"``.

    Each named action gets exactly the keys given (replacing its defaults);
    actions not named keep ``base`` (the default map). An empty setting is the
    default map. A key given to two actions is refused, except together with
    ``voice`` (held down), which is how the default OK key works.
    """
    keys = dict((base or default_key_map()).keys)
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        name, sep, listed = part.partition("=")
        if not sep:
            raise KeyMapError(f"'{part}': expected 'action = keys'")
        try:
            action = Action(name.strip().lower())
        except ValueError:
            known = ", ".join(a.value for a in Action)
            raise KeyMapError(f"unknown action '{name.strip()}' (known: {known})") from None
        keys[action] = tuple(_checked(listed.split(), action))
    _refuse_shared(keys)
    return KeyMap(keys)


def check_key_name(raw: str) -> str:
    """``raw`` if it names a key (``Left``, ``F13``, ``Keypad+8``), else KeyMapError."""
    match = _NAME.match(raw)
    if match is None or match.group(2) not in KNOWN_KEYS:
        raise KeyMapError(f"'{raw}' is not a key name (e.g. Left, F13, Keypad+8)")
    return raw


def _checked(names: Iterable[str], action: Action) -> Iterable[str]:
    for raw in names:
        try:
            yield check_key_name(raw)
        except KeyMapError as error:
            raise KeyMapError(f"{action.value}: {error}") from None


def _refuse_shared(keys: Mapping[Action, tuple[str, ...]]) -> None:
    owner: dict[str, Action] = {}
    for action, names in keys.items():
        if action == Action.VOICE:
            continue
        for name in names:
            if name in owner and owner[name] != action:
                raise KeyMapError(
                    f"key {name} is given to both {owner[name].value} and {action.value}"
                )
            owner[name] = action
