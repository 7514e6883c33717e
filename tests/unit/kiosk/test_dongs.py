"""Seoul's 행정동 reference list, and the rule that a dong lies in the chosen district."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from core.dongs import dong_of, dongs_of, effective_date
from core.payloads import ComplaintPayload
from core.reference import SEOUL_DISTRICTS
from core.validation import ValidationFailed
from kiosk.models import Submission
from kiosk.submissions import Consent, submit_complaint, submit_suggestion
from tests.conftest import NOW, KioskDB
from tests.unit.kiosk.test_submissions import GOOD, rows

CONSENT = Consent(version="2026-12", required=True)


def test_every_district_has_its_dongs_and_seoul_has_427() -> None:
    counts = {d.code: len(dongs_of(d.code)) for d in SEOUL_DISTRICTS}
    assert all(counts.values()), counts
    assert sum(counts.values()) == 427
    assert counts["gangnam"] == 22 and counts["songpa"] == 27 and counts["geumcheon"] == 10


def test_names_codes_and_english_follow_one_pattern() -> None:
    for district in SEOUL_DISTRICTS:
        dongs = dongs_of(district.code)
        codes = [d.code for d in dongs]
        assert len(set(codes)) == len(codes), district.code
        for dong in dongs:
            assert dong.ko.endswith("동"), dong
            assert re.fullmatch(r"[A-Z][a-z]+( [0-9·-]+(-ga( \d+)?)?)?-dong", dong.en), dong
            assert re.fullmatch(r"[a-z0-9-]{1,32}", dong.code), dong


def test_the_list_includes_the_changes_since_2017() -> None:
    def names(district: str) -> set[str]:
        return {d.ko for d in dongs_of(district)}

    assert {"오류2동", "항동"} <= names("guro")
    assert {"강일동", "상일1동", "상일2동"} <= names("gangdong")
    assert "상일동" not in names("gangdong")
    assert "개포3동" in names("gangnam") and "일원2동" not in names("gangnam")
    assert {"신설동", "용두동"} <= names("dongdaemun") and "용신동" not in names("dongdaemun")
    assert effective_date() == "2025-07-01"


def test_romanization_spells_the_sounds_as_the_city_does() -> None:
    assert dong_of("jongno", "jongno-1-4-ga") is not None
    assert dong_of("gwanak", "sillim") is not None
    assert dong_of("dongdaemun", "cheongnyangni") is not None
    found = dong_of("seongdong", "wangsimnidoseon")
    assert found is not None and found.en == "Wangsimnidoseon-dong"


def test_unknown_district_has_no_dongs() -> None:
    assert dongs_of("") == () and dongs_of("busan") == ()


def test_a_dong_is_stored_with_its_district_and_sent_in_the_payload(kiosk_db: KioskDB) -> None:
    form = dataclasses.replace(GOOD, district="mapo", dong="mangwon-1")
    submit_complaint(kiosk_db.store, form, CONSENT, now=NOW)
    submissions, mutations = rows(kiosk_db)
    assert submissions[0].dong == "mangwon-1"
    payload = json.loads(mutations[0].payload or "")
    assert payload["district"] == "mapo" and payload["dong"] == "mangwon-1"
    ComplaintPayload.model_validate(payload)


def test_without_a_dong_the_payload_reads_as_older_kiosks_wrote_it(kiosk_db: KioskDB) -> None:
    submit_complaint(kiosk_db.store, GOOD, CONSENT, now=NOW)
    submissions, mutations = rows(kiosk_db)
    assert submissions[0].dong == ""
    assert "dong" not in json.loads(mutations[0].payload or "")


@pytest.mark.parametrize(
    ("district", "dong", "key"),
    [
        ("gangnam", "mangwon-1", "dong.not_in_district"),  # a Mapo dong under Gangnam
        ("mapo", "no-such-dong", "dong.not_in_district"),
        ("", "mangwon-1", "dong.needs_district"),
    ],
)
def test_a_dong_outside_the_chosen_district_is_refused_beside_the_dong(
    kiosk_db: KioskDB, district: str, dong: str, key: str
) -> None:
    form = dataclasses.replace(GOOD, district=district, dong=dong)
    with pytest.raises(ValidationFailed) as excinfo:
        submit_complaint(kiosk_db.store, form, CONSENT, now=NOW)
    assert excinfo.value.keys_for("dong") == [key]
    with pytest.raises(ValidationFailed):
        submit_suggestion(kiosk_db.store, dataclasses.replace(form, name="", phone=""), now=NOW)
    with kiosk_db.store.read() as session:
        assert session.query(Submission).count() == 0
