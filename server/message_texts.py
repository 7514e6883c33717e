"""What the server tells citizens, in Korean and English: one template per kind of message.

Texts are filled from a notification's ``facts`` (nothing personal: the kind,
the status, the answer staff wrote for the public status page, the event) and
end with the status page and how to stop messages. The citizen's language is
the one they used at the kiosk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.clock import SEOUL

KINDS = ("received", "status", "reminder", "promoted", "cancelled")

# kind -> language -> (subject, body). {status}, {note}, {event}, {when}, {place}, {code}.
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "received": {
        "ko": ("[서울시] 접수되었습니다", "[서울시] {what}을 접수했습니다. 접수번호 {code}."),
        "en": ("[Seoul] Received", "[Seoul] Your {what} was received. Receipt number {code}."),
    },
    "signed_up": {
        "ko": (
            "[서울시] 행사 신청이 확정되었습니다",
            "[서울시] {event} ({when}, {place}) 신청이 확정되었습니다. 입장 번호 {admission}.",
        ),
        "en": (
            "[Seoul] Your place is confirmed",
            "[Seoul] Your place at {event} ({when}, {place}) is confirmed. Entry code {admission}.",
        ),
    },
    "waitlisted": {
        "ko": (
            "[서울시] 대기자로 신청되었습니다",
            "[서울시] {event} ({when}) 대기자로 신청되었습니다. 자리가 나면 자동으로 확정하고 "
            "알려 드립니다.",
        ),
        "en": (
            "[Seoul] You are on the waiting list",
            "[Seoul] You are on the waiting list for {event} ({when}). If a place becomes "
            "free it is yours, and we will tell you.",
        ),
    },
    "status": {
        "ko": (
            "[서울시] 처리 상황: {status}",
            "[서울시] 접수번호 {code}의 처리 상황이 '{status}'(으)로 바뀌었습니다.{note}",
        ),
        "en": (
            "[Seoul] Status: {status}",
            "[Seoul] The status of receipt {code} is now '{status}'.{note}",
        ),
    },
    "reminder": {
        "ko": (
            "[서울시] 내일 행사 안내",
            "[서울시] 내일 행사 안내: {event}, {when}, {place}. 입구에서 입장 번호 "
            "{admission}이나 QR을 보여 주세요.",
        ),
        "en": (
            "[Seoul] Tomorrow's event",
            "[Seoul] {event} is tomorrow, {when}, at {place}. Show entry code {admission} or "
            "your QR at the entrance.",
        ),
    },
    "promoted": {
        "ko": (
            "[서울시] 대기하시던 행사 자리가 확정되었습니다",
            "[서울시] 자리가 나서 {event} ({when}, {place}) 참가가 확정되었습니다. 입장 번호 "
            "{admission}.",
        ),
        "en": (
            "[Seoul] A place is yours",
            "[Seoul] A place became free: you are confirmed for {event} ({when}, {place}). "
            "Entry code {admission}.",
        ),
    },
    "cancelled": {
        "ko": (
            "[서울시] 행사 신청이 취소되었습니다",
            "[서울시] {event} ({when}) 신청이 취소되었습니다.",
        ),
        "en": (
            "[Seoul] Sign-up cancelled",
            "[Seoul] Your sign-up for {event} ({when}) is cancelled.",
        ),
    },
}
FOOTER = {
    "ko": "\n상태 확인: {url}\n알림을 그만 받으시려면 '수신거부'라고 답장하시거나 위 페이지에서 "
    "'알림 그만 받기'를 누르세요.",
    "en": "\nStatus: {url}\nTo stop these messages, reply STOP or press 'Stop messages' on the "
    "page above.",
}
WHAT = {
    "complaint": {"ko": "민원", "en": "complaint"},
    "proposal": {"ko": "정책 제안", "en": "policy proposal"},
}
STATUS = {
    "received": {"ko": "접수", "en": "received"},
    "in_progress": {"ko": "담당 부서 배정·처리 중", "en": "assigned, in progress"},
    "answered": {"ko": "답변 완료", "en": "answered"},
    "closed": {"ko": "종결", "en": "closed"},
}
NOTE = {"ko": "\n답변: {note}", "en": "\nAnswer: {note}"}
# Texts of more than this many characters are cut (an LMS holds 2,000 bytes).
NOTE_LIMIT = 600


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


def template_kind(kind: str, facts: dict[str, Any]) -> str:
    """The template a message uses: a sign-up's "received" says confirmed or waiting."""
    if kind == "received" and facts.get("event_ko"):
        return "waitlisted" if facts.get("waitlisted") else "signed_up"
    return kind


def render(kind: str, language: str, facts: dict[str, Any], url: str) -> Rendered:
    lang = "en" if language == "en" else "ko"
    subject, body = TEXTS[template_kind(kind, facts)][lang]
    values = {
        "code": facts.get("code", ""),
        "what": WHAT.get(str(facts.get("what", "")), WHAT["complaint"])[lang],
        "status": STATUS.get(str(facts.get("status", "")), {}).get(lang, facts.get("status", "")),
        "note": "",
        "event": facts.get(f"event_{lang}") or facts.get("event_ko", ""),
        "place": facts.get(f"place_{lang}") or facts.get("place_ko", ""),
        "when": _when(facts.get("starts_at"), lang),
        "admission": facts.get("admission", "") or "-",
    }
    note = str(facts.get("note", "")).strip()
    if note:
        clipped = note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…"
        values["note"] = NOTE[lang].format(note=clipped)
    text = body.format(**values) + FOOTER[lang].format(url=url)
    return Rendered(subject.format(**values), text)


def _when(value: object, lang: str) -> str:
    if not isinstance(value, str) or not value:
        return ""
    local = dt.datetime.fromisoformat(value).astimezone(SEOUL)
    if lang == "ko":
        return f"{local.month}월 {local.day}일 {local:%H:%M}"
    return f"{local.day} {local:%b} {local:%H:%M}"
