"""The one catalogue format both programs use: read strictly, looked up forgivingly."""

from __future__ import annotations

import json
import logging
from importlib.resources import files
from importlib.resources.abc import Traversable

import pytest

from assets import asset
from core.translations import Catalogue, CatalogueFileError

GOOD = {"greeting": {"ko": "{name}님 안녕하세요", "en": "Hello, {name}"}}


def test_a_text_comes_in_the_asked_language_with_its_values() -> None:
    catalogue = Catalogue.parse(json.dumps(GOOD), "test")

    assert catalogue.text("greeting", "ko", name="김민수") == "김민수님 안녕하세요"
    assert catalogue.text("greeting", "en", name="Jane") == "Hello, Jane"
    assert "greeting" in catalogue and len(catalogue) == 1


def test_a_missing_key_shows_itself_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    catalogue = Catalogue.parse(json.dumps(GOOD), "test")

    with caplog.at_level(logging.ERROR):
        assert catalogue.text("no.such.key", "en") == "no.such.key"
    assert "no.such.key" in caplog.text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "one JSON object"),
        (json.dumps({"k": {"ko": "가"}}), "'k' needs exactly the languages"),
        (json.dumps({"k": {"ko": "가", "en": "a", "ja": "あ"}}), "'k' needs exactly"),
        (json.dumps({"k": {"ko": " ", "en": "a"}}), "'k' has no ko text"),
        (json.dumps({"k": {"ko": "가", "en": 3}}), "'k' has no en text"),
        (json.dumps({"k": "가"}), "'k' needs exactly"),
        (json.dumps({"k": {"ko": "{가", "en": "a"}}), "'k' (ko)"),
        (json.dumps({"": {"ko": "가", "en": "a"}}), "a key must be non-empty"),
        ("{" + " " * 2_000_001 + "}", "longer than"),
    ],
)
def test_a_file_not_in_the_format_is_refused_naming_what_is_wrong(text: str, said: str) -> None:
    with pytest.raises(CatalogueFileError) as refused:
        Catalogue.parse(text, "texts.json")

    assert str(refused.value).startswith("texts.json: ")
    assert said in str(refused.value)


@pytest.mark.parametrize(
    "file",
    [
        asset("i18n", "catalog.json"),
        files("server") / "texts.json",
        files("server") / "message_texts.json",
    ],
)
def test_the_kiosk_s_and_the_server_s_texts_are_in_the_format(file: Traversable) -> None:
    assert len(Catalogue.load(file)) > 10
