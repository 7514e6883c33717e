"""Hangul 2-beolsik (두벌식) composition for the kiosk's own on-screen keyboard.

The kiosk runs without a system input method, so the on-screen keyboard sends
single jamo and this module assembles them into syllables the way the Windows
and macOS Korean IMEs do.

Approach
--------
A syllable block is at most an initial consonant, a medial vowel and a final
consonant. Because the 2-beolsik layout is typed strictly in that order
(initial, vowel keys, final keys), the syllable being composed is held as three
slots of *compatibility* jamo (U+3131..U+318E), the same characters the keys
produce and the display shows:

- ``initial``: one consonant; while no vowel has been typed it may also hold a
  consonant cluster such as ``ㄳ`` (Windows shows ``ㄱ``+``ㅅ`` that way);
- ``medial``: one vowel or a compound vowel (``ㅗ``+``ㅏ`` = ``ㅘ``);
- ``final``: one consonant or a final cluster (``ㄹ``+``ㄱ`` = ``ㄺ``).

Each jamo typed either extends the last slot, fills the next one, or commits
the syllable and starts the next. The only backwards move is a vowel after a
final: the final (or the second half of a final cluster) leaves this syllable
and becomes the initial of the next one (``닭``+``ㅏ`` → ``달가``).

Backspace undoes the last jamo typed. Since typing order equals slot order,
that is always the last non-empty slot, and a compound in that slot is taken
apart one component at a time (``읽`` → ``일``, ``와`` → ``오``). Jamo that
already moved into the next syllable are not given back to the previous one:
like the desktop IMEs, backspace only edits the syllable under composition.

Text is built with Unicode syllable arithmetic
(``0xAC00 + (L * 21 + V) * 28 + T``), so it is always NFC precomposed and
compares equal to text typed on a physical keyboard; conjoining jamo
(U+1100 block) never appear.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = [
    "CHOSEONG",
    "DUBEOLSIK",
    "JONGSEONG",
    "JUNGSEONG",
    "SYLLABLE_FIRST",
    "SYLLABLE_LAST",
    "HangulComposer",
    "Syllable",
    "compose_keys",
    "compose_syllable",
    "decompose_syllable",
]

SYLLABLE_FIRST: Final = 0xAC00
SYLLABLE_LAST: Final = 0xD7A3

# Orders are fixed by the Unicode syllable block; the arithmetic depends on them.
CHOSEONG: Final[tuple[str, ...]] = tuple("ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ")
JUNGSEONG: Final[tuple[str, ...]] = tuple("ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ")
# Index 0 is "no final", which is why the empty string leads the tuple.
JONGSEONG: Final[tuple[str, ...]] = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")

_CHOSEONG_INDEX: Final = {jamo: i for i, jamo in enumerate(CHOSEONG)}
_JUNGSEONG_INDEX: Final = {jamo: i for i, jamo in enumerate(JUNGSEONG)}
_JONGSEONG_INDEX: Final = {jamo: i for i, jamo in enumerate(JONGSEONG)}

_MEDIAL_COUNT: Final = len(JUNGSEONG)
_FINAL_COUNT: Final = len(JONGSEONG)

# fmt: off
DUBEOLSIK: Final[dict[str, str]] = {
    "r": "ㄱ", "R": "ㄲ", "s": "ㄴ", "e": "ㄷ", "E": "ㄸ", "f": "ㄹ", "a": "ㅁ",
    "q": "ㅂ", "Q": "ㅃ", "t": "ㅅ", "T": "ㅆ", "d": "ㅇ", "w": "ㅈ", "W": "ㅉ",
    "c": "ㅊ", "z": "ㅋ", "x": "ㅌ", "v": "ㅍ", "g": "ㅎ",
    "k": "ㅏ", "o": "ㅐ", "O": "ㅒ", "i": "ㅑ", "j": "ㅓ", "p": "ㅔ", "P": "ㅖ",
    "u": "ㅕ", "h": "ㅗ", "y": "ㅛ", "n": "ㅜ", "b": "ㅠ", "m": "ㅡ", "l": "ㅣ",
}
# fmt: on
# Shift only matters on the seven keys above; desktop IMEs type the plain jamo
# for every other shifted letter, so a stuck Shift or Caps Lock still types Korean.
DUBEOLSIK.update(
    {key.upper(): jamo for key, jamo in list(DUBEOLSIK.items()) if key.upper() not in DUBEOLSIK}
)

# Only the jamo that are keys on the layout compose; compound jamo handed to
# feed() directly are foreign characters, like a precomposed syllable would be.
_CONSONANT_KEYS: Final = frozenset(jamo for jamo in DUBEOLSIK.values() if jamo in _CHOSEONG_INDEX)
_VOWEL_KEYS: Final = frozenset(jamo for jamo in DUBEOLSIK.values() if jamo in _JUNGSEONG_INDEX)

_VOWEL_JOIN: Final[dict[tuple[str, str], str]] = {
    ("ㅗ", "ㅏ"): "ㅘ",
    ("ㅗ", "ㅐ"): "ㅙ",
    ("ㅗ", "ㅣ"): "ㅚ",
    ("ㅜ", "ㅓ"): "ㅝ",
    ("ㅜ", "ㅔ"): "ㅞ",
    ("ㅜ", "ㅣ"): "ㅟ",
    ("ㅡ", "ㅣ"): "ㅢ",
}
_CONSONANT_JOIN: Final[dict[tuple[str, str], str]] = {
    ("ㄱ", "ㅅ"): "ㄳ",
    ("ㄴ", "ㅈ"): "ㄵ",
    ("ㄴ", "ㅎ"): "ㄶ",
    ("ㄹ", "ㄱ"): "ㄺ",
    ("ㄹ", "ㅁ"): "ㄻ",
    ("ㄹ", "ㅂ"): "ㄼ",
    ("ㄹ", "ㅅ"): "ㄽ",
    ("ㄹ", "ㅌ"): "ㄾ",
    ("ㄹ", "ㅍ"): "ㄿ",
    ("ㄹ", "ㅎ"): "ㅀ",
    ("ㅂ", "ㅅ"): "ㅄ",
}
_SPLIT: Final[dict[str, tuple[str, str]]] = {
    joined: pair for pair, joined in (_VOWEL_JOIN | _CONSONANT_JOIN).items()
}


class Syllable(NamedTuple):
    """The compatibility jamo of one syllable block; ``final`` is ``""`` when absent."""

    initial: str
    medial: str
    final: str


def compose_syllable(initial: str, medial: str, final: str = "") -> str:
    """Return the precomposed syllable for compatibility jamo, e.g. ``('ㄷ','ㅏ','ㄺ')`` → ``'닭'``.

    Raises ``ValueError`` when a jamo cannot stand in its position (``ㄸ`` as a
    final, a cluster as an initial, a consonant as the medial, ...).
    """
    try:
        lead = _CHOSEONG_INDEX[initial]
        vowel = _JUNGSEONG_INDEX[medial]
        tail = _JONGSEONG_INDEX[final]
    except KeyError:
        raise ValueError(f"not a syllable: {initial!r} + {medial!r} + {final!r}") from None
    return chr(SYLLABLE_FIRST + (lead * _MEDIAL_COUNT + vowel) * _FINAL_COUNT + tail)


def decompose_syllable(ch: str) -> Syllable:
    """Split a precomposed syllable into compatibility jamo, e.g. ``'닭'`` → ``('ㄷ','ㅏ','ㄺ')``.

    Raises ``ValueError`` for anything that is not a single modern syllable.
    """
    if len(ch) != 1 or not SYLLABLE_FIRST <= ord(ch) <= SYLLABLE_LAST:
        raise ValueError(f"not a Hangul syllable: {ch!r}")
    rest, tail = divmod(ord(ch) - SYLLABLE_FIRST, _FINAL_COUNT)
    lead, vowel = divmod(rest, _MEDIAL_COUNT)
    return Syllable(CHOSEONG[lead], JUNGSEONG[vowel], JONGSEONG[tail])


def _without_last_jamo(jamo: str) -> str:
    return _SPLIT[jamo][0] if jamo in _SPLIT else ""


class HangulComposer:
    """2-beolsik input state: committed text plus the one syllable being composed.

    Feed it jamo from the layout (``'ㄱ'``, ``'ㅏ'``, ...) or any other
    character; the latter commits the syllable under composition and is then
    appended unchanged.
    """

    def __init__(self, text: str = "") -> None:
        # A list so that typing and deleting at the end stay O(1) per key.
        self._committed: list[str] = list(text)
        self._initial = ""
        self._medial = ""
        self._final = ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(committed={self.committed!r}, composing={self.composing!r})"

    @property
    def committed(self) -> str:
        """Text that no longer changes with the next key."""
        return "".join(self._committed)

    @property
    def composing(self) -> str:
        """The syllable or lone jamo under composition (shown underlined); ``""`` if none."""
        if self._initial and self._medial:
            return compose_syllable(self._initial, self._medial, self._final)
        # Without both an initial and a vowel there is no syllable block, so the
        # lone jamo is shown as it is, and no final can have been typed.
        return self._initial or self._medial

    @property
    def text(self) -> str:
        """What the field shows: committed text followed by the composing syllable."""
        return self.committed + self.composing

    def feed(self, ch: str) -> None:
        """Type one character: a 2-beolsik jamo, or anything else to append as is."""
        if len(ch) != 1:
            raise ValueError(f"feed() takes one character, got {ch!r}")
        if ch in _CONSONANT_KEYS:
            self._feed_consonant(ch)
        elif ch in _VOWEL_KEYS:
            self._feed_vowel(ch)
        else:
            self.commit()
            self._committed.append(ch)

    def backspace(self) -> None:
        """Undo the last jamo of the composing syllable, or delete the last committed character."""
        if self._final:
            self._final = _without_last_jamo(self._final)
        elif self._medial:
            self._medial = _without_last_jamo(self._medial)
        elif self._initial:
            self._initial = _without_last_jamo(self._initial)
        elif self._committed:
            self._committed.pop()

    def commit(self) -> None:
        """Finish the composing syllable so the next jamo starts a new one."""
        composing = self.composing
        if composing:
            self._committed.append(composing)
        self._clear_composing()

    def reset(self) -> None:
        """Forget everything, committed text included."""
        self._committed.clear()
        self._clear_composing()

    def _clear_composing(self) -> None:
        self._initial = self._medial = self._final = ""

    def _start(self, initial: str, medial: str = "") -> None:
        self.commit()
        self._initial = initial
        self._medial = medial

    def _feed_consonant(self, consonant: str) -> None:
        if not self._medial:
            if not self._initial:
                self._initial = consonant
            elif (self._initial, consonant) in _CONSONANT_JOIN:
                self._initial = _CONSONANT_JOIN[self._initial, consonant]
            else:
                self._start(consonant)
        elif not self._initial:
            # Standard IMEs never hang a final on a vowel that has no initial.
            self._start(consonant)
        elif not self._final and consonant in _JONGSEONG_INDEX:
            self._final = consonant
        elif (self._final, consonant) in _CONSONANT_JOIN:
            self._final = _CONSONANT_JOIN[self._final, consonant]
        else:
            # ㄸ ㅃ ㅉ are never finals, and a complete final takes no more.
            self._start(consonant)

    def _feed_vowel(self, vowel: str) -> None:
        if self._final:
            # The vowel needs an initial: it takes the final (or the second half
            # of a cluster) away from this syllable, as in 닭 + ㅏ → 달가.
            self._final, moved = _SPLIT.get(self._final, ("", self._final))
            self._start(moved, vowel)
        elif self._medial:
            if (self._medial, vowel) in _VOWEL_JOIN:
                self._medial = _VOWEL_JOIN[self._medial, vowel]
            else:
                self._start("", vowel)
        elif self._initial in _SPLIT:
            # A lone cluster such as ㄳ gives its second consonant to the vowel.
            self._initial, moved = _SPLIT[self._initial]
            self._start(moved, vowel)
        else:
            self._medial = vowel


def compose_keys(keys: str) -> str:
    """Type QWERTY keys as 2-beolsik, e.g. ``'dkssudgktpdy'`` → ``'안녕하세요'``.

    Characters that are not letter keys (digits, space, punctuation) pass through.
    """
    composer = HangulComposer()
    for key in keys:
        composer.feed(DUBEOLSIK.get(key, key))
    composer.commit()
    return composer.text
