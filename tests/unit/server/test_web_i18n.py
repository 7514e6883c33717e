"""Every word on the staff pages exists in Korean and English."""

from __future__ import annotations

import re
import string
from pathlib import Path

import server
from core.printers import PrinterState
from server.catalogue import Problem
from server.message_texts import KINDS
from server.models import (
    DeliveryState,
    NotificationState,
    StaffRole,
    SubmissionKind,
    SubmissionStatus,
)
from server.texts import CATALOG, translate

ROOT = Path(server.__file__).parent
_LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
_PREFIX_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_]+\.)["']\s*~""")
_KEY_IN_CODE = re.compile(
    r'"((?:error|login|event|enrolment|account|status|dashboard)\.'
    r'[a-z0-9_.]+)"'
)


def _sources() -> str:
    files = [*ROOT.joinpath("templates").glob("*.html"), *ROOT.joinpath("web").glob("*.py")]
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def test_every_key_the_pages_use_is_in_the_catalog() -> None:
    text = _sources()
    used = {k for k in _LITERAL_KEY.findall(text) if not k.endswith(".")} | {
        k for k in _KEY_IN_CODE.findall(text) if not k.endswith((".html", "."))
    }

    assert sorted(used - set(CATALOG)) == []


def test_keys_built_from_values_exist_for_every_value() -> None:
    families = {
        "kind.": [*SubmissionKind, "signup"],
        "status.": [*SubmissionStatus, "confirmed", "waitlisted", "cancelled"],
        "role.": list(StaffRole),
        "delivery.": list(DeliveryState),
        "users.": ["disable", "enable", "unlock"],
        "flag.": ["duplicate_admission", "revoked_ticket"],
        "message_state.": list(NotificationState),
        "message_kind.": list(KINDS),
        "channel.": ["sms", "email"],
        "printer.": list(PrinterState),
    }
    used_prefixes = set(_PREFIX_KEY.findall(_sources()))
    assert set(families) | {"done."} >= used_prefixes
    missing = [
        p + str(v) for p, values in families.items() for v in values if p + str(v) not in CATALOG
    ]
    assert missing == []


def test_both_languages_are_filled_in_with_the_same_placeholders() -> None:
    fields = string.Formatter()
    for key, entry in CATALOG.items():
        ko, en = entry["ko"], entry["en"]
        assert ko.strip() and en.strip(), key
        assert {f for _, f, _, _ in fields.parse(ko) if f} == {
            f for _, f, _, _ in fields.parse(en) if f
        }, key


def test_every_refusal_of_the_server_s_rules_has_its_words() -> None:
    """Errors carry keys, translated at the edge: each key must be there to translate."""
    account = re.findall(r'AccountError\(\s*"([a-z_]+)"', (ROOT / "accounts.py").read_text())
    assert account  # the pattern still finds them
    keys = [str(p) for p in Problem] + [f"account.error.{k}" for k in account]
    assert [k for k in keys if k not in CATALOG] == []


def test_translate_fills_placeholders_and_shows_unknown_keys_as_is() -> None:
    assert translate("en", "dashboard.last_days", days=30) == "last 30 days"
    assert translate("ko", "dashboard.last_days", days=30) == "최근 30일"
    assert translate("ko", "no.such.key") == "no.such.key"
