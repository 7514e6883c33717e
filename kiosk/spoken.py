"""What the kiosk's voice says about an item, a value, a position or a code.

Pure text building: the screens know what is on them, the speech engine
knows how to sound it out, and this module decides the words in between, so
they can be read and tested as sentences. Every word comes from the one
catalogue through ``translate(key, **params)``; only the numbers are built
here, because a speech engine reads them wrongly otherwise.

- Korean counts and positions are spoken with native numerals, as a person
  says them: "다섯 개 중 첫 번째", not "5개 중 1번째" (which eSpeak NG reads
  "오 개 중 일 번째"). Levels and digits stay Sino-Korean ("3단계", "11자리").
- Personal data is never read out: a name or phone number is "입력됨, 11자리"
  (the barrier-free kiosk rules: personal data never shown as is, never spoken).
- A receipt code is spelled one character at a time, with a longer pause
  between its two halves, so it can be written down while it is heard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

Translate = Callable[..., str]

__all__ = [
    "PERSONAL_FIELDS",
    "Item",
    "Role",
    "Translate",
    "describe",
    "key_phrase",
    "korean_count",
    "korean_ordinal",
    "level_phrase",
    "position_phrase",
    "spell_code",
    "spoken_value",
]


class Role(StrEnum):
    """What an item is, as the voice names it (``voice.role.<value>``)."""

    BUTTON = "button"
    OPTION = "option"  # one of a list of choices, which stays chosen
    CHECKBOX = "checkbox"
    TOGGLE = "toggle"  # a button that stays on or off (large text, high contrast)
    TEXT_FIELD = "text_field"
    KEY = "key"  # a key of the on-screen keyboard


@dataclass(frozen=True)
class Item:
    """One thing the keypad can move to, as the voice describes it."""

    name: str
    role: Role
    checked: bool | None = None  # options and tick boxes: chosen or not
    value: str = ""  # what a text field holds
    personal: bool = False  # the value is a person's name, phone or e-mail
    digits: bool = False  # the field takes digits (counted as 자리 / digits)
    error: str = ""  # the error shown beside the field, if any
    description: str = ""  # a longer explanation, said last (a tile's hint)
    index: int = 0  # position in its group, from 0
    count: int = 1  # items in its group


_UNITS: Final = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉")
_TENS: Final = ("", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔")
# Fields whose value identifies a person: never read out, only counted. (What a
# complaint says and where is read back: the citizen must be able to check it.)
PERSONAL_FIELDS: Final = frozenset({"name", "phone", "email"})
# A cut-off for the long text a field may hold: enough to recognise it by.
_VALUE_HEAD: Final = 60


def korean_count(n: int) -> str:
    """A native Korean count before a counter: 1 → "한", 20 → "스무", 25 → "스물다섯".

    From 100 on the digits are returned: eSpeak NG reads them Sino-Korean,
    which is what people say for large counts too.
    """
    if not 1 <= n <= 99:
        return str(n)
    tens, units = divmod(n, 10)
    if n == 20:
        return "스무"
    return _TENS[tens] + _UNITS[units]


def korean_ordinal(n: int) -> str:
    """A native Korean ordinal: 1 → "첫 번째", 2 → "두 번째", 11 → "열한 번째"."""
    return "첫 번째" if n == 1 else f"{korean_count(n)} 번째"


def position_phrase(index: int, count: int, language: str, translate: Translate) -> str:
    """ "다섯 개 중 첫 번째" / "1 of 5" for the item at ``index`` (from 0) of ``count``."""
    if language == "ko":
        return translate(
            "voice.position", index=korean_ordinal(index + 1), count=f"{korean_count(count)} 개"
        )
    return translate("voice.position", index=index + 1, count=count)


def spoken_value(value: str, *, personal: bool, digits: bool, translate: Translate) -> str:
    """What a field holds, as it may be said aloud."""
    if not value.strip():
        return translate("voice.empty")
    if personal:
        if digits:
            return translate("voice.entered.digits", count=sum(c.isdigit() for c in value))
        return translate("voice.entered.chars", count=len(value.strip()))
    text = " ".join(value.split())
    if len(text) > _VALUE_HEAD:
        return translate("voice.value.long", head=text[:_VALUE_HEAD], count=len(text))
    return text


def describe(item: Item, language: str, translate: Translate) -> str:
    """Name, role, state, value, position, error, description.

    "민원 신고, 버튼, 다섯 개 중 첫 번째", then a tile's hint after a pause.

    A key of the on-screen keyboard is only its name ("ㄱ 키"): it is met by
    the dozen, and its role and place in a row would drown the letter.
    """
    if item.role == Role.KEY:
        return item.name
    parts = [item.name, translate(f"voice.role.{item.role.value}")]
    if item.role == Role.CHECKBOX and item.checked is not None:
        parts.append(translate("voice.ticked" if item.checked else "voice.unticked"))
    elif item.role == Role.TOGGLE and item.checked is not None:
        parts.append(translate("voice.on" if item.checked else "voice.off"))
    elif item.checked:  # an option says it is the chosen one; the others stay short
        parts.append(translate("voice.selected"))
    if item.role == Role.TEXT_FIELD:
        parts.append(
            spoken_value(
                item.value, personal=item.personal, digits=item.digits, translate=translate
            )
        )
    if item.count > 1:
        parts.append(position_phrase(item.index, item.count, language, translate))
    if item.error:
        parts.append(translate("voice.error", text=item.error))
    said = ", ".join(p for p in parts if p)
    return f"{said}. {item.description}" if item.description else said


def spell_code(code: str) -> str:
    """A receipt code character by character: "2, 4, B, G. X, W, R, Y".

    Hyphens and spaces split the code into the groups it is printed in; the
    full stop between them is a longer pause than the commas.
    """
    groups = [g for g in code.replace(" ", "-").split("-") if g]
    return ". ".join(", ".join(group) for group in groups)


# Keys with a name of their own in the catalogue (voice.key.<name>); others are
# said by their digit or their name ("F13 키").
_NAMED_KEYS: Final = frozenset(
    {
        "Keypad+Enter", "Keypad+Plus", "Keypad+Minus", "Keypad+Asterisk", "Keypad+Slash",
        "Keypad+Period", "Left", "Right", "Up", "Down", "VolumeUp", "VolumeDown", "Help",
    }
)  # fmt: skip


def key_phrase(name: str, translate: Translate) -> str:
    """How the voice and the home screen name a key: "8번 키", "키패드 오른쪽 아래 확인 키"."""
    if name in _NAMED_KEYS:
        return translate(f"voice.key.{name}")
    bare = name.removeprefix("Keypad+")
    if bare.isdigit() and name != bare:
        return translate("voice.key.digit", digit=bare)
    return translate("voice.key.other", name=bare or "?")


def level_phrase(name_key: str, level: int, levels: int, translate: Translate) -> str:
    """ "음량 5단계 중 3단계" for a volume or speed level (``level`` from 1)."""
    return translate("voice.level", name=translate(name_key), level=level, levels=levels)
