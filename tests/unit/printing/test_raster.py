"""The slip picture: as wide as the paper, pure black and white, text kept inside the margins."""

from __future__ import annotations

import pytest

from printing.raster import UnknownPaper, _font, render, wrap
from printing.slip import Line, Size, Slip

LONG = "담당 부서가 확인하여 근무일 기준 7일 이내에 답변드립니다 https://kiosk.seoul.example/status/24BGXWRY"


@pytest.mark.parametrize(("width_mm", "dots"), [(58, 384), (80, 576)])
def test_the_picture_is_as_wide_as_the_paper_and_only_black_or_white(
    width_mm: int, dots: int
) -> None:
    picture = render(
        Slip("receipt", (Line(LONG), Line("24BG-XWRY", Size.CODE, wrap=False))), width_mm
    )

    assert picture.mode == "1" and picture.width == dots
    assert {value for _, value in picture.convert("L").getcolors() or []} == {0, 255}


def test_wrapped_lines_never_run_past_the_width_and_keep_every_character() -> None:
    font = _font(False, 24)

    rows = wrap(LONG, font, 300)

    assert len(rows) > 1
    assert all(font.getlength(row) <= 300 for row in rows)
    assert "".join(rows).replace(" ", "") == LONG.replace(" ", "")


def test_a_code_that_must_not_wrap_shrinks_to_one_line() -> None:
    one = render(Slip("receipt", (Line("24BG-XWRY" * 3, Size.CODE, wrap=False),)), 58)
    two = render(Slip("receipt", (Line("24BG-XWRY" * 3, Size.CODE),)), 58)

    assert one.height < two.height


def test_an_unknown_paper_width_is_refused() -> None:
    with pytest.raises(UnknownPaper):
        render(Slip("test", ()), 72)
