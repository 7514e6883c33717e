"""Receipt codes: readable, typeable, and a mistyped code is caught."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from core.receipts import (
    ALPHABET,
    CODE_LENGTH,
    format_code,
    is_valid_code,
    new_receipt_code,
    normalize_code,
)

codes = st.builds(lambda _: new_receipt_code(), st.integers())


def test_alphabet_has_no_look_alikes() -> None:
    assert not set("01OIL") & set(ALPHABET)


def test_new_code_is_eight_characters_from_the_alphabet() -> None:
    code = new_receipt_code()
    assert len(code) == CODE_LENGTH == 8
    assert set(code) <= set(ALPHABET)
    assert is_valid_code(code)


@given(codes, st.integers(0, CODE_LENGTH - 1), st.sampled_from(ALPHABET))
def test_any_single_wrong_character_is_detected(code: str, position: int, ch: str) -> None:
    if code[position] == ch:
        return
    typo = code[:position] + ch + code[position + 1 :]
    assert not is_valid_code(typo)


@given(codes, st.integers(0, CODE_LENGTH - 2))
def test_any_swap_of_neighbours_is_detected(code: str, position: int) -> None:
    a, b = code[position], code[position + 1]
    if a == b:
        return
    swapped = code[:position] + b + a + code[position + 2 :]
    assert not is_valid_code(swapped)


def test_typed_code_is_accepted_in_any_case_with_hyphen_and_spaces() -> None:
    code = new_receipt_code()
    typed = f" {format_code(code).lower()} "
    assert normalize_code(typed) == code
    assert is_valid_code(typed)


def test_wrong_length_and_foreign_characters_are_refused() -> None:
    code = new_receipt_code()
    assert not is_valid_code(code[:-1])
    assert not is_valid_code(code + "A")
    assert not is_valid_code("O" + code[1:])
    assert not is_valid_code("")


def test_format_code_groups_four_and_four() -> None:
    assert format_code("ABCDEFGH") == "ABCD-EFGH"


def test_codes_do_not_repeat_in_a_large_sample() -> None:
    sample = [new_receipt_code() for _ in range(20_000)]
    assert len(set(sample)) == len(sample)
    # every position uses the whole alphabet: no stuck character
    for position in range(CODE_LENGTH - 1):
        assert {c[position] for c in itertools.islice(sample, 5000)} == set(ALPHABET)
