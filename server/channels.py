"""The ways a message reaches a citizen, each behind one small interface.

- ``EmailChannel``: SMTP with the standard library (STARTTLS, SSL or plain on
  a trusted relay). The Message-ID is derived from the notification's key, so
  a resend after a crash is recognisably the same message to mail software.
- ``SolapiChannel``: SMS/LMS, and KakaoTalk AlimTalk where a template for the
  kind is approved, through SOLAPI's maintained SDK (``solapi`` on PyPI). The
  SDK talks to ``base_url`` (configurable, so a test points it at a local
  server speaking the same HTTP API). Each message carries its key in
  ``customFields``; after a crash mid-send the key is looked up at SOLAPI
  before anything is sent again (``find``), which makes SMS exactly once.

A channel never logs the address it sends to and never keeps it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from enum import StrEnum
from typing import Any, Protocol

import httpx

from server.config import ServerSettings
from server.contacts import Medium
from server.message_texts import Rendered

SMTP_TIMEOUT_S = 20.0


class Verdict(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # worth trying again later (network, 4xx from SMTP, 5xx, rate limits)
    FAILED = "failed"  # refused for good (bad address, rejected message)


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    provider_id: str = ""
    # What went wrong, for staff: never the address.
    error: str = ""


@dataclass(frozen=True)
class Outgoing:
    key: str
    kind: str
    to: str
    message: Rendered


class Channel(Protocol):
    name: str
    medium: Medium

    def send(self, outgoing: Outgoing) -> Outcome: ...

    def find(self, outgoing: Outgoing, since: dt.datetime) -> str | None:
        """The provider's id if it already has this message (a send cut short), else None."""
        ...


# --- e-mail ----------------------------------------------------------------------------


class EmailChannel:
    name = "email"
    medium: Medium = "email"

    def __init__(self, settings: ServerSettings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.security = settings.smtp_security
        self.user = settings.smtp_user
        self.password = settings.smtp_password
        self.sender = settings.smtp_from or f"civic-kiosk@{socket.getfqdn()}"

    def send(self, outgoing: Outgoing) -> Outcome:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = outgoing.to
        mail["Subject"] = outgoing.message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id(outgoing.key, self.sender)
        mail.set_content(outgoing.message.text)
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return _smtp_outcome(codes[0] if codes else 550, "the recipient was refused")
        except smtplib.SMTPResponseException as exc:
            return _smtp_outcome(exc.smtp_code, _smtp_text(exc.smtp_error))
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome(Verdict.RETRY, error=f"{type(exc).__name__}: {exc}"[:300])
        return Outcome(Verdict.SENT, provider_id=mail["Message-ID"])

    def find(self, outgoing: Outgoing, since: dt.datetime) -> str | None:
        # SMTP cannot be asked what it received; the resend keeps the Message-ID.
        return None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=SMTP_TIMEOUT_S, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S)
        if self.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


def message_id(key: str, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "civic-kiosk"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _smtp_text(error: bytes | str) -> str:
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return text[:300]


def _smtp_outcome(code: int, text: str) -> Outcome:
    # 4xx: the server may take it later; 5xx: it never will.
    verdict = Verdict.RETRY if 400 <= code < 500 else Verdict.FAILED
    return Outcome(verdict, error=f"SMTP {code}: {text}")


# --- SMS and KakaoTalk through SOLAPI ----------------------------------------------------

# SOLAPI error codes that say "later", not "never" (the SDK hides the HTTP status).
_SOLAPI_RETRYABLE = frozenset({"UnknownError", "TooManyRequests", "NotEnoughBalance"})


class SolapiChannel:
    name = "sms"
    medium: Medium = "phone"

    def __init__(self, settings: ServerSettings) -> None:
        from solapi import SolapiMessageService

        self.service = SolapiMessageService(settings.sms_api_key, settings.sms_api_secret)
        self.service.base_url = settings.sms_api_url.rstrip("/")
        self.sender = settings.sms_sender
        self.pf_id = settings.alimtalk_pf_id
        self.templates = alimtalk_templates(settings.alimtalk_templates)

    def send(self, outgoing: Outgoing) -> Outcome:
        from solapi.error.MessageNotReceiveError import MessageNotReceivedError

        try:
            response = self.service.send(self._message(outgoing))
        except MessageNotReceivedError as exc:
            reasons = "; ".join(f"{m.status_code} {m.status_message}" for m in exc.failed_messages)
            return Outcome(Verdict.FAILED, error=f"SOLAPI refused the message: {reasons}"[:300])
        except httpx.HTTPError as exc:
            return Outcome(Verdict.RETRY, error=f"{type(exc).__name__}: {exc}"[:300])
        except Exception as exc:  # the SDK raises plain Exception(code, message) for 4xx/5xx
            code = str(exc.args[0]) if exc.args else "UnknownError"
            detail = str(exc.args[1]) if len(exc.args) > 1 else ""
            verdict = Verdict.RETRY if code in _SOLAPI_RETRYABLE else Verdict.FAILED
            return Outcome(verdict, error=f"SOLAPI {code}: {detail}"[:300])
        listed = response.message_list or []
        provider_id = listed[0].message_id if listed else response.group_info.group_id
        return Outcome(Verdict.SENT, provider_id=provider_id)

    def find(self, outgoing: Outgoing, since: dt.datetime) -> str | None:
        from solapi.model.request.messages.get_messages import GetMessagesRequest

        query = GetMessagesRequest(to=outgoing.to.replace("-", ""), start_date=since, limit=100)
        try:
            found = self.service.get_messages(query)
        except Exception:  # unknown: treat as "not there" only if the lookup worked
            raise LookupFailed("SOLAPI could not be asked what it received") from None
        for message_id, message in found.message_list.items():
            if (message.custom_fields or {}).get("key") == outgoing.key:
                return str(message_id)
        return None

    def _message(self, outgoing: Outgoing) -> Any:
        from solapi.model import KakaoOption, RequestMessage

        kakao = None
        template = self.templates.get(outgoing.kind)
        if self.pf_id and template:
            # AlimTalk falls back to SMS by itself when KakaoTalk cannot deliver.
            kakao = KakaoOption(pf_id=self.pf_id, template_id=template)
        return RequestMessage(
            from_=self.sender,
            to=outgoing.to,
            text=outgoing.message.text,
            custom_fields={"key": outgoing.key},
            kakao_options=kakao,
        )


class LookupFailed(Exception):
    """A provider could not say whether it has a message; nothing may be resent yet."""


def alimtalk_templates(text: str) -> dict[str, str]:
    pairs = (item.partition("=") for item in text.split(",") if item.strip())
    return {kind.strip(): tpl.strip() for kind, _, tpl in pairs if tpl.strip()}


def configured_channels(settings: ServerSettings) -> dict[Medium, Channel]:
    """The channels this server can send through, by the kind of address they take."""
    channels: dict[Medium, Channel] = {}
    if settings.smtp_host:
        channels["email"] = EmailChannel(settings)
    if settings.sms_api_key and settings.sms_sender:
        channels["phone"] = SolapiChannel(settings)
    return channels
