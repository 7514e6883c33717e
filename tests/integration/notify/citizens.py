"""Complaints and sign-ups as a kiosk sends them, with the citizen's language and consent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.payloads import ComplaintPayload, ComplaintSealed, MutationType, payload_json
from core.receipts import new_receipt_code
from core.sealing import seal
from server.config import ServerSettings
from tests.integration.server.simkiosk import NOW, SimKiosk
from tests.support.mailbox import SmtpServer
from tests.support.sms_provider import API_KEY, API_SECRET, SmsProvider


def complaint(
    kiosk: SimKiosk,
    *,
    notify: bool,
    language: str = "ko",
    email: str = "",
    phone: str = "",
    created_at: dt.datetime = NOW,
) -> dict[str, Any]:
    """A formal complaint (a name and a phone or e-mail: a phone if none is given)."""
    if not email and not phone:
        phone = kiosk.next_phone()
    sealed = ComplaintSealed(
        description="가로등이 꺼져 있어요", name="김민수", phone=phone, email=email
    )
    payload = ComplaintPayload(
        receipt_code=new_receipt_code(),
        anonymous=False,
        category="road",
        district="jung",
        consent_version="2027-01",
        created_at=created_at,
        sealed=seal(kiosk.server_public_key, sealed.model_dump()),
        language="en" if language == "en" else "ko",
        notify=notify,
    )
    return kiosk.mutation(MutationType.COMPLAINT, payload_json(payload))


def settings(
    smtp: SmtpServer | None = None, sms: SmsProvider | None = None, **more: Any
) -> ServerSettings:
    values: dict[str, Any] = {
        "public_url": "https://kiosk.seoul.example",
        "notify_quiet_hours": "",
        "smtp_security": "none",
    }
    if smtp is not None:
        values.update(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="minwon@seoul.example")
    if sms is not None:
        values.update(
            sms_api_url=sms.url,
            sms_api_key=API_KEY,
            sms_api_secret=API_SECRET,
            sms_sender="02-120-0120",
        )
    values.update(more)
    return ServerSettings(**values)
