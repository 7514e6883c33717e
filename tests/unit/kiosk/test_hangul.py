"""Specification of the 2-beolsik (두벌식) composer behind the on-screen keyboard.

Expected syllables are worked out independently of ``kiosk.hangul``: from the
Unicode character names and NFD/NFC normalisation, so a mistake in the
module's tables or arithmetic cannot also hide in the oracle.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.hangul import (
    CHOSEONG,
    DUBEOLSIK,
    JONGSEONG,
    JUNGSEONG,
    HangulComposer,
    Syllable,
    compose_keys,
    compose_syllable,
    decompose_syllable,
)

# ---------------------------------------------------------------------------
# Oracle
# ---------------------------------------------------------------------------

FIRST_SYLLABLE = 0xAC00
LAST_SYLLABLE = 0xD7A3
ALL_SYLLABLES = [chr(code) for code in range(FIRST_SYLLABLE, LAST_SYLLABLE + 1)]
SYLLABLES_PER_INITIAL = 21 * 28

# The layout as printed on Korean keyboards; the module must agree with it.
LAYOUT = {
    "r": "ㄱ", "R": "ㄲ", "s": "ㄴ", "e": "ㄷ", "E": "ㄸ", "f": "ㄹ", "a": "ㅁ",
    "q": "ㅂ", "Q": "ㅃ", "t": "ㅅ", "T": "ㅆ", "d": "ㅇ", "w": "ㅈ", "W": "ㅉ",
    "c": "ㅊ", "z": "ㅋ", "x": "ㅌ", "v": "ㅍ", "g": "ㅎ",
    "k": "ㅏ", "o": "ㅐ", "O": "ㅒ", "i": "ㅑ", "j": "ㅓ", "p": "ㅔ", "P": "ㅖ",
    "u": "ㅕ", "h": "ㅗ", "y": "ㅛ", "n": "ㅜ", "b": "ㅠ", "m": "ㅡ", "l": "ㅣ",
}  # fmt: skip
KEY_FOR_JAMO = {jamo: key for key, jamo in LAYOUT.items()}
SHIFTED_KEYS = {"R", "E", "Q", "T", "W", "O", "P"}

# Compound vowels have no structured Unicode names, so they are spelled out.
VOWEL_KEYSTROKES = {
    "ㅘ": "ㅗㅏ",
    "ㅙ": "ㅗㅐ",
    "ㅚ": "ㅗㅣ",
    "ㅝ": "ㅜㅓ",
    "ㅞ": "ㅜㅔ",
    "ㅟ": "ㅜㅣ",
    "ㅢ": "ㅡㅣ",
}

FINAL_CLUSTERS = {
    "ㄳ": "ㄱㅅ",
    "ㄵ": "ㄴㅈ",
    "ㄶ": "ㄴㅎ",
    "ㄺ": "ㄹㄱ",
    "ㄻ": "ㄹㅁ",
    "ㄼ": "ㄹㅂ",
    "ㄽ": "ㄹㅅ",
    "ㄾ": "ㄹㅌ",
    "ㄿ": "ㄹㅍ",
    "ㅀ": "ㄹㅎ",
    "ㅄ": "ㅂㅅ",
}

CONJOINING_JAMO = range(0x1100, 0x1200)


def letter(conjoining: str) -> str:
    """Compatibility jamo with the same name: ᄀ (CHOSEONG KIYEOK) → ㄱ (LETTER KIYEOK)."""
    _, _, short_name = unicodedata.name(conjoining).split(" ", 2)
    return unicodedata.lookup(f"HANGUL LETTER {short_name}")


def conjoining(position: str, compat: str) -> str:
    _, _, short_name = unicodedata.name(compat).split(" ", 2)
    return unicodedata.lookup(f"HANGUL {position} {short_name}")


def syllable(initial: str, medial: str, final: str = "") -> str:
    """Build a syllable by NFC-composing conjoining jamo, not by arithmetic."""
    parts = conjoining("CHOSEONG", initial) + conjoining("JUNGSEONG", medial)
    if final:
        parts += conjoining("JONGSEONG", final)
    composed = unicodedata.normalize("NFC", parts)
    assert len(composed) == 1
    return composed


@cache
def parts(ch: str) -> tuple[str, str, str]:
    """(initial, medial, final) of a syllable as compatibility jamo, via NFD."""
    jamo = [letter(c) for c in unicodedata.normalize("NFD", ch)]
    return jamo[0], jamo[1], jamo[2] if len(jamo) == 3 else ""


@cache
def keystrokes(ch: str) -> tuple[str, ...]:
    """The jamo a person presses to type ``ch``: initial, vowel key(s), final key(s)."""
    initial, medial, final = parts(ch)
    vowel_keys = VOWEL_KEYSTROKES.get(medial, medial)
    final_keys = FINAL_CLUSTERS.get(final, final)
    return (initial, *vowel_keys, *final_keys)


def prefix_texts(ch: str) -> list[str]:
    """What the field shows after each keystroke of ``ch``, starting from empty."""
    initial, medial, final = parts(ch)
    vowel_keys = VOWEL_KEYSTROKES.get(medial, medial)
    final_keys = FINAL_CLUSTERS.get(final, final)
    shown = ["", initial, syllable(initial, vowel_keys[0])]
    if len(vowel_keys) == 2:
        shown.append(syllable(initial, medial))
    if final_keys:
        shown.append(syllable(initial, medial, final_keys[0]))
    if len(final_keys) == 2:
        shown.append(syllable(initial, medial, final))
    return shown


def typed(jamo: Iterable[str], composer: HangulComposer | None = None) -> HangulComposer:
    composer = HangulComposer() if composer is None else composer
    for ch in jamo:
        composer.feed(ch)
    return composer


def typed_text(text: str) -> HangulComposer:
    """Type ``text`` the way a person would: syllables as keystrokes, the rest as is."""
    composer = HangulComposer()
    for ch in text:
        if FIRST_SYLLABLE <= ord(ch) <= LAST_SYLLABLE:
            typed(keystrokes(ch), composer)
        else:
            composer.feed(ch)
    return composer


def texts_while_deleting(composer: HangulComposer, presses: int) -> list[str]:
    shown = [composer.text]
    for _ in range(presses):
        composer.backspace()
        shown.append(composer.text)
    return shown


def syllables_with_initial(index: int) -> list[str]:
    start = index * SYLLABLES_PER_INITIAL
    return ALL_SYLLABLES[start : start + SYLLABLES_PER_INITIAL]


def report(failures: list[str]) -> str:
    return f"{len(failures)} failures, first ones: {failures[:10]}"


def jamo_id(jamo: str) -> str:
    """Test ids in ASCII, since pytest escapes Hangul in ids: ㄲ → SSANGKIYEOK."""
    return unicodedata.name(jamo).rsplit(" ", 1)[-1]


INITIAL_INDEXES = pytest.mark.parametrize(
    "initial_index", range(19), ids=lambda i: jamo_id("ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"[i])
)


def test_oracle_covers_every_syllable_with_a_plausible_key_sequence() -> None:
    lengths = {len(keystrokes(ch)) for ch in ALL_SYLLABLES}
    assert len(ALL_SYLLABLES) == 11_172
    assert lengths == {2, 3, 4, 5}
    assert keystrokes("뷁") == ("ㅂ", "ㅜ", "ㅔ", "ㄹ", "ㄱ")


# ---------------------------------------------------------------------------
# Syllable arithmetic
# ---------------------------------------------------------------------------


class TestSyllableArithmetic:
    def test_jamo_tables_have_the_unicode_sizes(self) -> None:
        assert (len(CHOSEONG), len(JUNGSEONG), len(JONGSEONG)) == (19, 21, 28)
        assert JONGSEONG[0] == ""

    def test_compose_open_syllable(self) -> None:
        assert compose_syllable("ㄱ", "ㅏ") == "가"

    def test_compose_syllable_with_cluster_final(self) -> None:
        assert compose_syllable("ㄷ", "ㅏ", "ㄺ") == "닭"

    def test_first_and_last_syllables_of_the_block(self) -> None:
        assert compose_syllable("ㄱ", "ㅏ") == "\uac00"
        assert compose_syllable("ㅎ", "ㅣ", "ㅎ") == "\ud7a3"

    def test_decompose_gives_named_compatibility_jamo(self) -> None:
        assert decompose_syllable("닭") == Syllable(initial="ㄷ", medial="ㅏ", final="ㄺ")

    def test_decompose_open_syllable_has_empty_final(self) -> None:
        assert decompose_syllable("와").final == ""

    def test_every_syllable_decomposes_as_unicode_normalisation_does(self) -> None:
        failures = [ch for ch in ALL_SYLLABLES if tuple(decompose_syllable(ch)) != parts(ch)]
        assert not failures, report(failures)

    def test_every_syllable_survives_decompose_then_compose(self) -> None:
        failures = [ch for ch in ALL_SYLLABLES if compose_syllable(*decompose_syllable(ch)) != ch]
        assert not failures, report(failures)

    @pytest.mark.parametrize(
        ("initial", "medial", "final"),
        [
            ("ㄳ", "ㅏ", ""),  # cluster cannot start a syllable
            ("ㅏ", "ㅏ", ""),  # vowel as initial
            ("ㄱ", "ㄱ", ""),  # consonant as medial
            ("ㄱ", "ㅏ", "ㄸ"),  # ㄸ is never a final
            ("ㄱ", "ㅏ", "ㅃ"),
            ("ㄱ", "ㅏ", "ㅉ"),
            ("", "ㅏ", ""),  # a syllable block needs an initial
            ("\u1100", "ㅏ", ""),  # conjoining jamo are not accepted
            ("g", "a", ""),
        ],
    )
    def test_compose_rejects_jamo_in_impossible_positions(
        self, initial: str, medial: str, final: str
    ) -> None:
        with pytest.raises(ValueError, match="not a syllable"):
            compose_syllable(initial, medial, final)

    @pytest.mark.parametrize("ch", ["a", "ㄱ", "ㅏ", "", "가나", "\u1100", "\uabff", "\ud7a4"])
    def test_decompose_rejects_anything_but_one_syllable(self, ch: str) -> None:
        with pytest.raises(ValueError, match="not a Hangul syllable"):
            decompose_syllable(ch)


# ---------------------------------------------------------------------------
# Key layout
# ---------------------------------------------------------------------------


class TestLayout:
    @pytest.mark.parametrize(("key", "jamo"), sorted(LAYOUT.items()), ids=sorted(LAYOUT))
    def test_key_types_the_printed_jamo(self, key: str, jamo: str) -> None:
        assert DUBEOLSIK[key] == jamo

    @pytest.mark.parametrize(
        "key", sorted(k.upper() for k in LAYOUT if k.upper() not in SHIFTED_KEYS)
    )
    def test_shift_on_a_key_without_double_jamo_types_the_plain_jamo(self, key: str) -> None:
        assert DUBEOLSIK[key] == DUBEOLSIK[key.lower()]

    def test_every_ascii_letter_is_a_key_and_nothing_else_is(self) -> None:
        letters = {chr(c) for c in range(ord("a"), ord("z") + 1)}
        assert set(DUBEOLSIK) == letters | {c.upper() for c in letters}

    def test_compose_keys_types_a_greeting(self) -> None:
        assert compose_keys("dkssudgktpdy") == "안녕하세요"

    def test_compose_keys_passes_non_letters_through(self) -> None:
        assert compose_keys("tjdnf 02-120!") == "서울 02-120!"

    def test_compose_keys_of_nothing_is_empty(self) -> None:
        assert compose_keys("") == ""


# ---------------------------------------------------------------------------
# Exhaustive: all 11,172 modern syllables
# ---------------------------------------------------------------------------


class TestEverySyllable:
    @INITIAL_INDEXES
    def test_types_as_itself_from_jamo(self, initial_index: int) -> None:
        failures = []
        for ch in syllables_with_initial(initial_index):
            composer = typed(keystrokes(ch))
            if (composer.text, composer.composing, composer.committed) != (ch, ch, ""):
                failures.append(f"{ch}: {composer!r}")
        assert not failures, report(failures)

    @INITIAL_INDEXES
    def test_types_as_itself_from_qwerty_keys(self, initial_index: int) -> None:
        failures = []
        for ch in syllables_with_initial(initial_index):
            keys = "".join(KEY_FOR_JAMO[jamo] for jamo in keystrokes(ch))
            if (got := compose_keys(keys)) != ch:
                failures.append(f"{keys} → {got} instead of {ch}")
        assert not failures, report(failures)

    @INITIAL_INDEXES
    def test_space_commits_it(self, initial_index: int) -> None:
        failures = []
        for ch in syllables_with_initial(initial_index):
            composer = typed([*keystrokes(ch), " "])
            if (composer.committed, composer.composing) != (ch + " ", ""):
                failures.append(f"{ch}: {composer!r}")
        assert not failures, report(failures)

    @INITIAL_INDEXES
    def test_consonant_that_cannot_be_a_final_commits_it(self, initial_index: int) -> None:
        failures = []
        for ch in syllables_with_initial(initial_index):
            composer = typed([*keystrokes(ch), "ㄸ"])
            if (composer.committed, composer.composing) != (ch, "ㄸ"):
                failures.append(f"{ch}: {composer!r}")
        assert not failures, report(failures)

    @INITIAL_INDEXES
    def test_is_kept_when_the_next_syllable_is_typed(self, initial_index: int) -> None:
        # ㅇ is a final on its own and joins no cluster, so it tests both the
        # "final moves on" and the "commit then start" paths.
        failures = []
        for ch in syllables_with_initial(initial_index):
            composer = typed([*keystrokes(ch), "ㅇ", "ㅏ"])
            if (composer.committed, composer.composing) != (ch, "아"):
                failures.append(f"{ch}: {composer!r}")
        assert not failures, report(failures)

    @INITIAL_INDEXES
    def test_is_kept_when_the_next_syllable_starts_with_any_kind_of_consonant(
        self, initial_index: int
    ) -> None:
        # ㄱ ㅅ ㅎ can join a final into a cluster, ㄸ can never be a final,
        # ㅆ is a double final that must move whole, ㅇ joins nothing.
        failures = []
        for ch in syllables_with_initial(initial_index):
            for follower in "가사하따싸앍":
                composer = typed([*keystrokes(ch), *keystrokes(follower)])
                if composer.text != ch + follower:
                    failures.append(f"{ch}{follower}: {composer!r}")
        assert not failures, report(failures)

    @INITIAL_INDEXES
    def test_shows_each_prefix_while_typing(self, initial_index: int) -> None:
        failures = []
        for ch in syllables_with_initial(initial_index):
            composer = HangulComposer()
            shown = [composer.text]
            for jamo in keystrokes(ch):
                composer.feed(jamo)
                shown.append(composer.text)
            if shown != prefix_texts(ch):
                failures.append(f"{ch}: {shown} instead of {prefix_texts(ch)}")
        assert not failures, report(failures)

    @INITIAL_INDEXES
    def test_backspace_unwinds_one_jamo_per_press(self, initial_index: int) -> None:
        failures = []
        for ch in syllables_with_initial(initial_index):
            presses = len(keystrokes(ch))
            shown = texts_while_deleting(typed(keystrokes(ch)), presses)
            expected = prefix_texts(ch)[::-1]
            if shown != expected:
                failures.append(f"{ch}: {shown} instead of {expected}")
        assert not failures, report(failures)

    @INITIAL_INDEXES
    def test_backspace_does_not_reach_into_text_before_it(self, initial_index: int) -> None:
        failures = []
        for ch in syllables_with_initial(initial_index):
            composer = typed(keystrokes(ch), HangulComposer("a"))
            shown = texts_while_deleting(composer, len(keystrokes(ch)))
            if shown != ["a" + prefix for prefix in prefix_texts(ch)[::-1]]:
                failures.append(f"{ch}: {shown}")
        assert not failures, report(failures)


# ---------------------------------------------------------------------------
# Whole words
# ---------------------------------------------------------------------------


WORDS = [
    ("dkssudgktpdy", "안녕하세요"),
    ("tjdnfxmrquftl", "서울특별시"),
    ("ekfr", "닭"),
    ("dlfrek", "읽다"),
    ("rkqt", "값"),
    ("dkswdk", "앉아"),
    ("rhoscksgdkdy", "괜찮아요"),
    ("anjgo", "뭐해"),
    ("dmlwk", "의자"),
    ("Rhc", "꽃"),
    ("dlTdjdy", "있어요"),
    ("Qkffl", "빨리"),
    ("Wkwkdaus", "짜장면"),
]


class TestWords:
    @pytest.mark.parametrize(("keys", "word"), WORDS, ids=[keys for keys, _ in WORDS])
    def test_word_typed_on_qwerty_keys(self, keys: str, word: str) -> None:
        assert compose_keys(keys) == word

    @pytest.mark.parametrize(("keys", "word"), WORDS, ids=[keys for keys, _ in WORDS])
    def test_word_typed_on_the_on_screen_keyboard(self, keys: str, word: str) -> None:
        composer = typed(LAYOUT[key] for key in keys)
        assert composer.text == word
        assert composer.composing == word[-1]

    def test_words_separated_by_space(self) -> None:
        assert compose_keys("tjdnf dkssud") == "서울 안녕"

    def test_last_syllable_stays_open_for_more_jamo(self) -> None:
        composer = typed("ㄷㅏㄹ")
        assert (composer.committed, composer.composing) == ("", "달")
        composer.feed("ㄱ")
        assert composer.text == "닭"


# ---------------------------------------------------------------------------
# Finals
# ---------------------------------------------------------------------------


CLUSTER_SYLLABLES = [
    ("ㄳ", "갃", "각사"),
    ("ㄵ", "갅", "간자"),
    ("ㄶ", "갆", "간하"),
    ("ㄺ", "갉", "갈가"),
    ("ㄻ", "갊", "갈마"),
    ("ㄼ", "갋", "갈바"),
    ("ㄽ", "갌", "갈사"),
    ("ㄾ", "갍", "갈타"),
    ("ㄿ", "갎", "갈파"),
    ("ㅀ", "갏", "갈하"),
    ("ㅄ", "값", "갑사"),
]
CLUSTER_IDS = [jamo_id(cluster) for cluster, _, _ in CLUSTER_SYLLABLES]


class TestFinals:
    def test_consonant_after_vowel_becomes_the_final(self) -> None:
        composer = typed("ㄱㅏㄱ")
        assert (composer.committed, composer.composing) == ("", "각")

    def test_final_moves_to_next_syllable_when_a_vowel_follows(self) -> None:
        composer = typed("ㄱㅏㄱㅏ")
        assert (composer.committed, composer.composing) == ("가", "가")

    @pytest.mark.parametrize(("cluster", "closed", "_split"), CLUSTER_SYLLABLES, ids=CLUSTER_IDS)
    def test_cluster_final_forms_from_two_consonants(
        self, cluster: str, closed: str, _split: str
    ) -> None:
        assert typed(["ㄱ", "ㅏ", *FINAL_CLUSTERS[cluster]]).text == closed

    @pytest.mark.parametrize(("cluster", "_closed", "split"), CLUSTER_SYLLABLES, ids=CLUSTER_IDS)
    def test_cluster_final_splits_when_a_vowel_follows(
        self, cluster: str, _closed: str, split: str
    ) -> None:
        composer = typed(["ㄱ", "ㅏ", *FINAL_CLUSTERS[cluster], "ㅏ"])
        assert (composer.committed, composer.composing) == (split[0], split[1])

    def test_dak_plus_a_gives_dal_ga(self) -> None:
        assert typed("ㄷㅏㄹㄱㅏ").text == "달가"

    @pytest.mark.parametrize(("double", "closed"), [("ㄲ", "갂"), ("ㅆ", "갔")], ids=["R", "T"])
    def test_shifted_double_consonant_can_be_a_final(self, double: str, closed: str) -> None:
        assert typed(["ㄱ", "ㅏ", double]).text == closed

    def test_double_final_moves_whole_when_a_vowel_follows(self) -> None:
        assert typed("ㄱㅏㅆㅓ").text == "가써"

    @pytest.mark.parametrize("double", ["ㄸ", "ㅃ", "ㅉ"], ids=["E", "Q", "W"])
    def test_double_consonant_that_cannot_be_a_final_starts_a_syllable(self, double: str) -> None:
        composer = typed(["ㄱ", "ㅏ", double])
        assert (composer.committed, composer.composing) == ("가", double)

    def test_same_consonant_twice_is_not_a_double_final(self) -> None:
        composer = typed("ㄱㅏㄱㄱ")
        assert (composer.committed, composer.composing) == ("각", "ㄱ")

    def test_consonant_that_joins_no_cluster_starts_a_syllable(self) -> None:
        composer = typed("ㄱㅏㄱㄴ")
        assert (composer.committed, composer.composing) == ("각", "ㄴ")

    def test_cluster_final_takes_no_third_consonant(self) -> None:
        composer = typed("ㄷㅏㄹㄱㄱ")
        assert (composer.committed, composer.composing) == ("닭", "ㄱ")

    def test_consonant_after_cluster_final_keeps_the_cluster_when_a_vowel_follows(self) -> None:
        assert typed("ㄷㅏㄹㄱㄱㅏ").text == "닭가"

    def test_cluster_final_is_not_formed_in_the_wrong_order(self) -> None:
        composer = typed("ㄱㅏㅅㄱ")
        assert (composer.committed, composer.composing) == ("갓", "ㄱ")


# ---------------------------------------------------------------------------
# Vowels
# ---------------------------------------------------------------------------


class TestVowels:
    @pytest.mark.parametrize(
        ("compound", "expected"),
        [
            ("ㅘ", "과"),
            ("ㅙ", "괘"),
            ("ㅚ", "괴"),
            ("ㅝ", "궈"),
            ("ㅞ", "궤"),
            ("ㅟ", "귀"),
            ("ㅢ", "긔"),
        ],
        ids=jamo_id,
    )
    def test_compound_vowel_forms_from_two_vowels(self, compound: str, expected: str) -> None:
        assert typed(["ㄱ", *VOWEL_KEYSTROKES[compound]]).text == expected

    def test_vowels_that_do_not_combine_leave_the_second_alone(self) -> None:
        composer = typed("ㄱㅏㅏ")
        assert (composer.committed, composer.composing) == ("가", "ㅏ")

    def test_compound_vowel_takes_no_third_vowel(self) -> None:
        composer = typed("ㄱㅗㅏㅣ")
        assert (composer.committed, composer.composing) == ("과", "ㅣ")

    def test_vowel_without_initial_shows_as_compatibility_jamo(self) -> None:
        composer = typed("ㅏ")
        assert (composer.committed, composer.composing) == ("", "ㅏ")
        assert composer.text == "\u314f"

    def test_lone_vowels_form_a_compound(self) -> None:
        assert typed("ㅗㅏ").text == "ㅘ"

    def test_consonant_after_lone_vowel_is_not_a_final(self) -> None:
        composer = typed("ㅏㄱ")
        assert (composer.committed, composer.composing) == ("ㅏ", "ㄱ")

    def test_lone_vowel_then_syllable(self) -> None:
        assert typed("ㅏㄱㅏ").text == "ㅏ가"

    def test_vowel_after_a_syllable_starts_a_lone_vowel(self) -> None:
        assert typed("ㅇㅏㅇㅏㅓ").text == "아아ㅓ"


# ---------------------------------------------------------------------------
# Lone consonants
# ---------------------------------------------------------------------------


class TestLoneConsonants:
    def test_consonant_alone_shows_as_compatibility_jamo(self) -> None:
        composer = typed("ㄱ")
        assert (composer.committed, composer.composing) == ("", "\u3131")

    def test_consonant_that_cannot_combine_commits_the_first(self) -> None:
        composer = typed("ㄱㄴ")
        assert (composer.committed, composer.composing) == ("ㄱ", "ㄴ")

    def test_same_consonant_twice_is_not_a_double_consonant(self) -> None:
        assert typed("ㄱㄱ").text == "ㄱㄱ"

    def test_shifted_double_consonant_is_one_jamo(self) -> None:
        composer = typed("ㄲ")
        assert composer.composing == "ㄲ"
        composer.backspace()
        assert composer.text == ""

    def test_consonants_that_form_a_final_cluster_combine_like_windows_ime(self) -> None:
        composer = typed("ㄱㅅ")
        assert (composer.committed, composer.composing) == ("", "ㄳ")

    def test_lone_cluster_gives_its_second_consonant_to_a_vowel(self) -> None:
        composer = typed("ㄱㅅㅏ")
        assert (composer.committed, composer.composing) == ("ㄱ", "사")

    def test_lone_cluster_takes_no_third_consonant(self) -> None:
        composer = typed("ㄱㅅㄱ")
        assert (composer.committed, composer.composing) == ("ㄳ", "ㄱ")

    def test_double_consonant_starts_no_cluster(self) -> None:
        assert typed("ㄲㅅ").text == "ㄲㅅ"


# ---------------------------------------------------------------------------
# Backspace
# ---------------------------------------------------------------------------


class TestBackspace:
    def test_dak_comes_apart_one_jamo_at_a_time(self) -> None:
        assert texts_while_deleting(typed("ㄷㅏㄹㄱ"), 4) == ["닭", "달", "다", "ㄷ", ""]

    def test_wa_comes_apart_one_jamo_at_a_time(self) -> None:
        assert texts_while_deleting(typed("ㅇㅗㅏ"), 3) == ["와", "오", "ㅇ", ""]

    def test_cluster_final_loses_its_second_consonant(self) -> None:
        composer = typed("ㅇㅣㄹㄱ")
        composer.backspace()
        assert composer.text == "일"

    def test_compound_vowel_and_final_come_apart(self) -> None:
        assert texts_while_deleting(typed("ㄱㅗㅐㄴ"), 4) == ["괜", "괘", "고", "ㄱ", ""]

    def test_shifted_double_final_goes_in_one_press(self) -> None:
        composer = typed("ㄱㅏㅆ")
        composer.backspace()
        assert composer.text == "가"

    def test_lone_compound_vowel_comes_apart(self) -> None:
        assert texts_while_deleting(typed("ㅜㅓ"), 2) == ["ㅝ", "ㅜ", ""]

    def test_lone_cluster_comes_apart(self) -> None:
        assert texts_while_deleting(typed("ㄹㅎ"), 2) == ["ㅀ", "ㄹ", ""]

    def test_after_final_moved_only_the_new_syllable_is_edited(self) -> None:
        composer = typed("ㄱㅏㄱㅏ")
        assert texts_while_deleting(composer, 2) == ["가가", "가ㄱ", "가"]
        assert (composer.committed, composer.composing) == ("가", "")

    def test_after_cluster_split_only_the_new_syllable_is_edited(self) -> None:
        assert texts_while_deleting(typed("ㄷㅏㄹㄱㅏ"), 3) == ["달가", "달ㄱ", "달", ""]

    def test_moved_consonant_is_not_given_back_to_the_previous_syllable(self) -> None:
        composer = typed("ㄱㅏㄱㅏ")
        composer.backspace()
        composer.backspace()
        composer.feed("ㄱ")
        assert (composer.committed, composer.composing) == ("가", "ㄱ")

    def test_without_composition_deletes_last_committed_character(self) -> None:
        composer = typed("ab")
        composer.backspace()
        assert composer.text == "a"

    def test_committed_syllable_is_deleted_whole(self) -> None:
        composer = typed("ㄷㅏㄹㄱ")
        composer.commit()
        composer.backspace()
        assert composer.text == ""

    def test_on_empty_text_does_nothing(self) -> None:
        composer = HangulComposer()
        composer.backspace()
        assert (composer.committed, composer.composing) == ("", "")


# ---------------------------------------------------------------------------
# Commit, other characters, mixed text
# ---------------------------------------------------------------------------


class TestCommitAndOtherCharacters:
    @pytest.mark.parametrize("other", ["a", "Z", "0", "9", " ", "-", ".", "?", "\n", "@"])
    def test_other_character_commits_syllable_and_is_appended(self, other: str) -> None:
        composer = typed(["ㄷ", "ㅏ", "ㄹ", "ㄱ", other])
        assert (composer.committed, composer.composing) == ("닭" + other, "")

    def test_mixed_korean_latin_and_digits(self) -> None:
        assert typed_text("서울 Seoul 02-120").text == "서울 Seoul 02-120"

    def test_jamo_after_latin_starts_a_new_syllable(self) -> None:
        assert typed(["ㄱ", "ㅏ", "1", "ㄱ", "ㅏ"]).text == "가1가"

    def test_latin_between_consonant_and_vowel_keeps_them_apart(self) -> None:
        assert typed(["ㄱ", "ㅏ", "ㄱ", "x", "ㅏ"]).text == "각xㅏ"

    def test_commit_finishes_the_syllable(self) -> None:
        composer = typed("ㄱㅏ")
        composer.commit()
        composer.feed("ㄱ")
        assert (composer.committed, composer.composing) == ("가", "ㄱ")

    def test_commit_with_nothing_composing_changes_nothing(self) -> None:
        composer = typed("a")
        composer.commit()
        assert (composer.committed, composer.composing) == ("a", "")

    def test_commit_keeps_a_lone_jamo_as_is(self) -> None:
        composer = typed("ㅎ")
        composer.commit()
        assert (composer.committed, composer.composing) == ("ㅎ", "")

    def test_reset_forgets_everything(self) -> None:
        composer = typed(["a", "ㄱ", "ㅏ"])
        composer.reset()
        assert (composer.text, composer.committed, composer.composing) == ("", "", "")

    def test_starts_from_existing_text(self) -> None:
        composer = typed("ㄱㅏ", HangulComposer("서울 "))
        assert (composer.committed, composer.composing) == ("서울 ", "가")

    def test_precomposed_syllable_fed_directly_is_appended_as_is(self) -> None:
        assert typed(["ㄱ", "ㅏ", "닭"]).text == "가닭"

    @pytest.mark.parametrize("compound", ["ㅘ", "ㄳ", "ㅥ", "\u1100"])
    def test_jamo_that_is_not_a_key_is_appended_as_is(self, compound: str) -> None:
        composer = typed(["ㄱ", "ㅏ", compound])
        assert (composer.committed, composer.composing) == ("가" + compound, "")

    @pytest.mark.parametrize("bad", ["", "ㄱㅏ", "ab"])
    def test_feed_takes_exactly_one_character(self, bad: str) -> None:
        with pytest.raises(ValueError, match="one character"):
            HangulComposer().feed(bad)


# ---------------------------------------------------------------------------
# Normalisation and invariants
# ---------------------------------------------------------------------------

KEY_JAMO = sorted(set(LAYOUT.values()))
KEYPRESSES = st.lists(st.sampled_from([*KEY_JAMO, " ", "1", "a", "-"]), max_size=40)
WORDS_AND_SEPARATORS = st.lists(
    st.one_of(
        st.characters(min_codepoint=FIRST_SYLLABLE, max_codepoint=LAST_SYLLABLE),
        st.sampled_from(list(" 0123456789-.,?!aZ")),
    ),
    max_size=20,
).map("".join)


def has_conjoining_jamo(text: str) -> bool:
    return any(ord(ch) in CONJOINING_JAMO for ch in text)


class TestNormalisation:
    @pytest.mark.parametrize(("keys", "word"), WORDS, ids=[keys for keys, _ in WORDS])
    def test_typed_words_are_nfc_precomposed(self, keys: str, word: str) -> None:
        text = compose_keys(keys)
        assert text == unicodedata.normalize("NFC", text)
        assert not has_conjoining_jamo(text)

    def test_typed_word_equals_the_word_from_a_physical_keyboard(self) -> None:
        from_nfd = unicodedata.normalize("NFC", unicodedata.normalize("NFD", "괜찮아요"))
        assert compose_keys("rhoscksgdkdy") == from_nfd
        assert compose_keys("rhoscksgdkdy").encode() == "괜찮아요".encode()

    @given(KEYPRESSES)
    def test_any_keypresses_give_nfc_text_without_conjoining_jamo(self, keys: list[str]) -> None:
        composer = HangulComposer()
        for key in keys:
            composer.feed(key)
            text = composer.text
            assert text == unicodedata.normalize("NFC", text)
            assert not has_conjoining_jamo(text)

    @given(KEYPRESSES)
    def test_text_is_committed_then_at_most_one_composing_character(self, keys: list[str]) -> None:
        composer = HangulComposer()
        for key in keys:
            composer.feed(key)
            assert composer.text == composer.committed + composer.composing
            assert len(composer.composing) <= 1

    @given(KEYPRESSES)
    def test_one_backspace_per_keypress_always_empties_the_field(self, keys: list[str]) -> None:
        composer = typed(keys)
        lengths = [len(text) for text in texts_while_deleting(composer, len(keys))]
        assert lengths[-1] == 0
        assert lengths == sorted(lengths, reverse=True)

    @given(WORDS_AND_SEPARATORS)
    def test_any_syllables_typed_one_after_another_come_out_unchanged(self, text: str) -> None:
        assert typed_text(text).text == text
