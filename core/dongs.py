"""Seoul's administrative dongs (행정동) per district, from assets/reference/seoul_dongs.json.

Read once and kept: the list changes only with a release (see the README
beside the JSON for its source, date and how to refresh it). A dong is
optional wherever it is asked; when one is given it must lie in the district.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from assets import asset
from core.reference import DISTRICT_CODES, Named

DONG_CODE_MAX = 32


@cache
def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        asset("reference", "seoul_dongs.json").read_text(encoding="utf-8")
    )
    return data


@cache
def _table() -> dict[str, tuple[Named, ...]]:
    return {
        district: tuple(Named(d["code"], d["ko"], d["en"]) for d in dongs)
        for district, dongs in _raw()["districts"].items()
    }


def effective_date() -> str:
    """The day the list was last known to be right (ISO date)."""
    return str(_raw()["effective"])


def dongs_of(district: str) -> tuple[Named, ...]:
    """The dongs of a district code, in 가나다 order; none for an unknown district."""
    return _table().get(district, ())


def dong_of(district: str, code: str) -> Named | None:
    for dong in dongs_of(district):
        if dong.code == code:
            return dong
    return None


def dong_error(district: str, dong: str) -> str | None:
    """The message key when ``dong`` cannot be stored with ``district``, else None."""
    if not dong:
        return None
    if district not in DISTRICT_CODES:
        return "dong.needs_district"
    if dong_of(district, dong) is None:
        return "dong.not_in_district"
    return None
