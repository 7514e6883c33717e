"""No promise without its mechanism: receipt next-step sentences and the messages behind them."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from nacl.public import PrivateKey

from assets import asset
from core.promises import NEXT_PREFIX, PROMISES, SILENT
from server.config import ServerSettings
from server.message_texts import TEMPLATES, render
from server.notifications import Planner, Subject
from server.promises import unkept

CATALOG = json.loads(asset("i18n", "catalog.json").read_text(encoding="utf-8"))
# Words that tell a citizen a message will come.
PROMISING = re.compile(r"알려 드립니다|알림을 보내|보내 드립니다|한 번 더 알려")
FULL = ServerSettings(
    public_url="https://kiosk.seoul.example",
    smtp_host="smtp.seoul.example",
    sms_api_key="key",
    sms_api_secret="secret",
    sms_sender="02-120-0120",
)


def test_every_next_step_sentence_is_either_a_promise_with_messages_or_silent() -> None:
    keys = {key for key in CATALOG if key.startswith(NEXT_PREFIX)}

    assert keys == set(PROMISES) | SILENT
    for key in keys:
        promises = bool(PROMISING.search(CATALOG[key]["ko"]))
        assert promises == (key in PROMISES), key


@pytest.mark.parametrize("key", sorted(PROMISES))
def test_each_promised_message_has_its_words_in_both_languages(key: str) -> None:
    kinds, _ = PROMISES[key]
    facts = {"event_ko": "행사", "event_en": "Event", "starts_at": "2027-03-02T05:00:00+00:00"}
    for kind in kinds:
        for language in ("ko", "en"):
            text = render(kind, language, facts, "https://kiosk.seoul.example/status/X").text
            assert "https://kiosk.seoul.example/status/X" in text
    assert all(kind in TEMPLATES for kind in kinds)


def test_a_server_with_every_channel_keeps_every_promise() -> None:
    assert unkept(FULL) == []


def test_a_server_without_sms_says_which_promises_it_cannot_keep() -> None:
    no_sms = ServerSettings(public_url=FULL.public_url, smtp_host=FULL.smtp_host)

    problems = unkept(no_sms)

    assert problems and all("SMS" in p for p in problems)
    assert {p.split(":")[0] for p in problems} == set(PROMISES)


def test_the_planner_plans_one_row_per_promised_address() -> None:
    planner = Planner(PrivateKey.generate(), b"k" * 32)
    subject = Subject("submission", "id", "ABCD2345", "en")
    now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    rows = planner.rows(
        subject, "received", "0", {}, [("phone", "010-1"), ("email", "a@b.c")], now, now
    )

    assert [r["channel"] for r in rows] == ["sms", "email"]
    assert all("010-1" not in str(r) and "a@b.c" not in str(r) for r in rows)
