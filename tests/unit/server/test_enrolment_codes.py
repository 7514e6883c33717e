"""Enrolment codes: readable, typo-detecting, hard to guess."""

from __future__ import annotations

import re

from core.receipts import is_valid_code, normalize_code
from server.enrolment import CODE_LENGTH, new_enrollment_code


def test_codes_are_three_groups_with_a_check_character() -> None:
    codes = {new_enrollment_code() for _ in range(200)}

    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){2}", code)
        assert is_valid_code(code, CODE_LENGTH)


def test_a_single_typo_is_caught() -> None:
    code = normalize_code(new_enrollment_code())
    wrong = code[:5] + ("2" if code[5] != "2" else "3") + code[6:]

    assert not is_valid_code(wrong, CODE_LENGTH)
    assert is_valid_code(code.lower(), CODE_LENGTH)
