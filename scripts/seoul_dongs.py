"""Build assets/reference/seoul_dongs.json: Seoul's administrative dongs (행정동) per district.

    pip install korean-romanizer   # in a throw-away venv: NOT a kiosk dependency
    python scripts/seoul_dongs.py [--out assets/reference/seoul_dongs.json]

Run by hand when the list changes; the kiosk only reads the JSON it writes.
``korean_romanizer`` is imported inside ``main`` so nothing else ever needs it.

Input: ``seoul_dongs_2017.txt`` beside this script, one district per line
(the Korean names of the 2017-04-18 list, see assets/reference/README.md),
then ``CHANGES``: the splits and renames since, applied in date order.

English names follow the Revised Romanization as the city writes them: the
sound changes across syllables that the romanizer leaves out (종로 → Jongno,
신림 → Sillim, 왕십리 → Wangsimni) are applied to the Hangul first, numbers
stay digits ("Changsin 1-dong"), a run of numbers is a range ("Jongno
1-4-ga-dong") and ``-dong`` is hyphenated. Codes are the English name in
lower case without ``-dong`` ("changsin-1"): stable, readable, unique within
a district.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.reference import SEOUL_DISTRICTS  # noqa: E402

BASE = Path(__file__).with_name("seoul_dongs_2017.txt")
OUT = ROOT / "assets" / "reference" / "seoul_dongs.json"
EFFECTIVE = "2025-07-01"

# (date, district, old name, new names): a split lists every successor in
# place of the old name, a rename lists one.
CHANGES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("2020-01-01", "구로구", "오류2동", ("오류2동", "항동")),
    ("2021-07-01", "강동구", "강일동", ("강일동", "상일2동")),
    ("2021-07-01", "강동구", "상일동", ("상일1동",)),
    ("2022-12-23", "강남구", "일원2동", ("개포3동",)),
    ("2025-07-01", "동대문구", "용신동", ("신설동", "용두동")),
)

_NAME = re.compile(r"^(?P<stem>[가-힣]+?)(?:(?P<nums>\d+(?:·\d+)*)(?P<ga>가)?(?P<n2>\d+)?)?동$")
_BASE, _INITIALS, _FINALS = 0xAC00, 19, 28
_FINAL = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
_INITIAL = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
# Final consonant before an initial ㄹ (or ㄹ before ㄴ): what each becomes.
_BEFORE_RIEUL = {
    "ㄴ": ("ㄹ", "ㄹ"),
    "ㄹ": ("ㄹ", "ㄹ"),
    "ㅁ": ("ㅁ", "ㄴ"),
    "ㅇ": ("ㅇ", "ㄴ"),
    "ㅂ": ("ㅁ", "ㄴ"),
    "ㄱ": ("ㅇ", "ㄴ"),
}


def _split(ch: str) -> tuple[int, int, int]:
    n = ord(ch) - _BASE
    return n // (21 * _FINALS), (n // _FINALS) % 21, n % _FINALS


def _join(initial: int, vowel: int, final: int) -> str:
    return chr(_BASE + (initial * 21 + vowel) * _FINALS + final)


def assimilate(word: str) -> str:
    """The Hangul as pronounced across syllables, where RR spells the sound."""
    chars = list(word)
    for i in range(len(chars) - 1):
        i1, v1, f1 = _split(chars[i])
        i2, v2, f2 = _split(chars[i + 1])
        final, initial = _FINAL[f1], _INITIAL[i2]
        if initial == "ㄹ" and final in _BEFORE_RIEUL:
            new_final, new_initial = _BEFORE_RIEUL[final]
        elif final == "ㄹ" and initial == "ㄴ":
            new_final, new_initial = "ㄹ", "ㄹ"
        else:
            continue
        chars[i] = _join(i1, v1, _FINAL.index(new_final))
        chars[i + 1] = _join(_INITIAL.index(new_initial), v2, f2)
    return "".join(chars)


def _numbers(text: str) -> str:
    values = [int(n) for n in text.split("·")]
    run = len(values) > 1 and values == list(range(values[0], values[-1] + 1))
    return f"{values[0]}-{values[-1]}" if run else "·".join(map(str, values))


def english(name: str, romanize: Callable[[str], str]) -> str:
    match = _NAME.match(name)
    if match is None:
        raise ValueError(f"cannot read dong name {name!r}")
    # ㄹㄹ is "ll" in RR (실림 → Sillim); the romanizer writes "lr".
    stem = romanize(assimilate(match["stem"])).replace("lr", "ll").capitalize()
    if not match["nums"]:
        return f"{stem}-dong"
    parts = [stem, " ", _numbers(match["nums"])]
    if match["ga"]:
        parts.append("-ga")
        if match["n2"]:
            parts += [" ", match["n2"]]
    return "".join(parts) + "-dong"


def code_of(english_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", english_name.removesuffix("-dong").lower()).strip("-")


def current_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for line in BASE.read_text(encoding="utf-8").splitlines():
        district, *dongs = line.split()
        names[district] = dongs
    for _date, district, old, new in CHANGES:
        dongs = names[district]
        at = dongs.index(old)
        dongs[at : at + 1] = list(new)
    return names


def _order(name: str) -> tuple[str, int]:
    # 가나다 order, numbers as numbers (상계10동 after 상계9동), as printed lists do.
    match = re.match(r"^(\D*)(\d*)", name)
    assert match is not None
    return match[1], int(match[2] or 0)


def build(romanize: Callable[[str], str]) -> dict[str, object]:
    by_name = {d.ko: d.code for d in SEOUL_DISTRICTS}
    districts: dict[str, list[dict[str, str]]] = {}
    for district, dongs in current_names().items():
        entries = []
        for ko in sorted(dongs, key=_order):
            en = english(ko, romanize)
            entries.append({"code": code_of(en), "ko": ko, "en": en})
        codes = [e["code"] for e in entries]
        if len(set(codes)) != len(codes):
            raise ValueError(f"two dongs of {district} share a code: {codes}")
        districts[by_name[district]] = entries
    return {"effective": EFFECTIVE, "districts": districts}


def render(data: dict[str, object]) -> str:
    """JSON with one dong per line, so a change reads as a one-line diff."""
    districts = data["districts"]
    assert isinstance(districts, dict)
    blocks = []
    for code, dongs in districts.items():
        rows = ",\n".join("    " + json.dumps(d, ensure_ascii=False) for d in dongs)
        blocks.append(f'  "{code}": [\n{rows}\n  ]')
    body = ",\n".join(blocks)
    return f'{{\n "effective": "{data["effective"]}",\n "districts": {{\n{body}\n }}\n}}\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    from korean_romanizer.romanizer import Romanizer  # run by hand only, see the docstring

    data = build(lambda word: str(Romanizer(word).romanize()))
    text = render(data)
    args.out.write_text(text, encoding="utf-8")
    count = text.count('"code"')
    print(f"{count} dongs → {args.out}")  # noqa: T201 - run by hand, tells its operator


if __name__ == "__main__":
    main()
