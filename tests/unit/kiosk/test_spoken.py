"""What the voice says: items, positions, values, codes, in Korean and English."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from kiosk.config import Language
from kiosk.spoken import (
    Item,
    Role,
    describe,
    korean_count,
    korean_ordinal,
    level_phrase,
    position_phrase,
    spell_code,
    spoken_value,
)
from ui.i18n import translate


def tr(language: Language) -> Any:
    return partial(translate, language=language)


@pytest.mark.parametrize(
    ("n", "count", "ordinal"),
    [
        (1, "한", "첫 번째"),
        (2, "두", "두 번째"),
        (3, "세", "세 번째"),
        (4, "네", "네 번째"),
        (5, "다섯", "다섯 번째"),
        (10, "열", "열 번째"),
        (11, "열한", "열한 번째"),
        (20, "스무", "스무 번째"),
        (21, "스물한", "스물한 번째"),
        (25, "스물다섯", "스물다섯 번째"),
        (99, "아흔아홉", "아흔아홉 번째"),
        (100, "100", "100 번째"),
    ],
)
def test_korean_counts_use_native_numerals(n: int, count: str, ordinal: str) -> None:
    assert korean_count(n) == count
    assert korean_ordinal(n) == ordinal


def test_a_home_tile_is_described_as_the_issue_asks() -> None:
    item = Item("민원 신고", Role.BUTTON, index=0, count=5)

    assert describe(item, "ko", tr("ko")) == "민원 신고, 버튼, 다섯 개 중 첫 번째"
    assert describe(Item("File a complaint", Role.BUTTON, index=0, count=5), "en", tr("en")) == (
        "File a complaint, button, 1 of 5"
    )


def test_a_chosen_option_says_so_and_an_unchosen_one_says_nothing_extra() -> None:
    chosen = Item("마포구", Role.OPTION, checked=True, index=13, count=25)
    other = Item("강남구", Role.OPTION, checked=False, index=0, count=25)

    assert describe(chosen, "ko", tr("ko")) == "마포구, 선택 항목, 선택됨, 스물다섯 개 중 열네 번째"
    assert describe(other, "ko", tr("ko")) == "강남구, 선택 항목, 스물다섯 개 중 첫 번째"


def test_a_tick_box_always_says_whether_it_is_ticked() -> None:
    box = Item("동의합니다", Role.CHECKBOX, checked=False)

    assert describe(box, "en", tr("en")) == "동의합니다, tick box, not ticked"


def test_personal_data_is_counted_never_read_out() -> None:
    phone = Item(
        "휴대전화 번호", Role.TEXT_FIELD, value="010-1234-5678", personal=True, digits=True
    )
    name = Item("Name", Role.TEXT_FIELD, value="김민수", personal=True)

    assert describe(phone, "ko", tr("ko")) == "휴대전화 번호, 입력 칸, 입력됨, 11자리"
    assert describe(name, "en", tr("en")) == "Name, text box, filled in, 3 characters"
    assert "1234" not in describe(phone, "ko", tr("ko"))


def test_other_text_is_read_back_and_a_long_one_only_begins() -> None:
    assert spoken_value("망원동  123", personal=False, digits=False, translate=tr("ko")) == (
        "망원동 123"
    )
    long = "가" * 200
    said = spoken_value(long, personal=False, digits=False, translate=tr("ko"))
    assert said.startswith("가" * 60)
    assert "200" in said and "가" * 61 not in said


def test_an_empty_field_and_its_error_are_said() -> None:
    item = Item("이름", Role.TEXT_FIELD, error="이름을 적어 주세요.")

    assert describe(item, "ko", tr("ko")) == "이름, 입력 칸, 비어 있음, 오류: 이름을 적어 주세요."


def test_a_receipt_code_is_spelled_in_its_two_halves() -> None:
    assert spell_code("24BG-XWRY") == "2, 4, B, G. X, W, R, Y"
    assert spell_code("24BGXWRY") == "2, 4, B, G, X, W, R, Y"
    assert spell_code("") == ""


def test_positions_and_levels_in_english_keep_digits() -> None:
    assert position_phrase(2, 7, "en", tr("en")) == "3 of 7"
    assert level_phrase("voice.volume", 3, 7, tr("ko")) == "음량 7단계 중 3단계"
