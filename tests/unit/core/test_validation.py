"""Text, phone and e-mail rules that every citizen-facing field goes through."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.validation import Checker, clean_text, normalize_email, normalize_phone


class TestCleanText:
    def test_decomposed_hangul_becomes_precomposed(self) -> None:
        decomposed = unicodedata.normalize("NFD", "서울특별시")
        assert decomposed != "서울특별시"
        assert clean_text(decomposed) == "서울특별시"

    def test_control_characters_are_removed_and_tabs_become_spaces(self) -> None:
        assert clean_text("a\x00b\x1bc\td\x7f") == "abc d"

    def test_newlines_are_kept_only_in_multiline_fields(self) -> None:
        assert clean_text("첫 줄\r\n둘째 줄", multiline=True) == "첫 줄\n둘째 줄"
        assert clean_text("첫 줄\r\n둘째 줄") == "첫 줄 둘째 줄"

    def test_surrounding_whitespace_is_trimmed(self) -> None:
        assert clean_text("  민원  \n") == "민원"

    def test_lone_surrogates_cannot_be_stored(self) -> None:
        assert clean_text("abc\ud800") is None

    @given(st.text())
    def test_result_is_nfc_without_control_characters(self, text: str) -> None:
        cleaned = clean_text(text, multiline=True)
        if cleaned is None:
            with pytest.raises(UnicodeEncodeError):
                text.encode("utf-8")
            return
        assert unicodedata.is_normalized("NFC", cleaned)
        assert all(ch == "\n" or unicodedata.category(ch) != "Cc" for ch in cleaned)


class TestPhone:
    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("010-1234-5678", "01012345678"),
            ("010 1234 5678", "01012345678"),
            ("02-120", None),
            ("02-2133-0120", "0221330120"),
            ("+82 10-1234-5678", "01012345678"),
            ("(031) 123-4567", "0311234567"),
            ("1234", None),
            ("010-1234-567a", None),
            ("", None),
        ],
    )
    def test_korean_numbers_in_usual_spellings(self, typed: str, stored: str | None) -> None:
        assert normalize_phone(typed) == stored


class TestEmail:
    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("citizen@Seoul.GO.KR", "citizen@seoul.go.kr"),
            (" a.b+c@example.org ", "a.b+c@example.org"),
            ("no-at-sign.example.org", None),
            ("a@b", None),
            ("two@@example.org", None),
            ("space in@example.org", None),
            ("김@example.org", None),
        ],
    )
    def test_addresses(self, typed: str, stored: str | None) -> None:
        assert normalize_email(typed) == stored


class TestChecker:
    def test_collects_every_error_with_field_and_key(self) -> None:
        check = Checker()
        check.text("name", "", max_length=10, required=True)
        check.text("title", "x" * 11, max_length=10)
        check.text("address", "ok", max_length=10)
        assert [(e.field, e.key) for e in check.errors] == [
            ("name", "field.required"),
            ("title", "text.too_long"),
        ]

    def test_length_is_counted_in_characters_after_normalisation(self) -> None:
        check = Checker()
        decomposed = unicodedata.normalize("NFD", "가" * 10)  # 20 code points before NFC
        assert check.text("title", decomposed, max_length=10) == "가" * 10
        assert check.errors == []
