"""A simulated kiosk that speaks sync protocol v1 over real HTTP (tests and bench).

It builds payloads with ``core.payloads`` and seals them with
``core.sealing`` exactly as a kiosk does, but keeps no local store: tests say
what to send and look at what came back.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any, Self

import requests
from nacl.signing import SigningKey

from core.ids import new_id
from core.payloads import (
    CheckinPayload,
    ComplaintPayload,
    ComplaintSealed,
    MutationType,
    ProposalPayload,
    ProposalSealed,
    SignupPayload,
    SignupSealed,
    payload_json,
)
from core.receipts import new_receipt_code
from core.sealing import b64, seal
from core.tickets import TicketPayload, TicketType, encode_ticket
from sync.protocol import PATH_ENROLL, PATH_PULL, PATH_PUSH, PATH_SIGNUP, PROTOCOL_VERSION

TIMEOUT = (5.0, 60.0)
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
_PHONES = itertools.count()


def enroll_raw(
    base_url: str,
    code: str,
    public_key: str | None = None,
    name: str = "test kiosk",
    **extra: Any,
) -> requests.Response:
    body = {
        "enrollment_code": code,
        "name": name,
        "public_key": public_key or b64(bytes(SigningKey.generate().verify_key)),
        "app_version": "test",
        **extra,
    }
    return requests.post(base_url + PATH_ENROLL, json=body, timeout=TIMEOUT)


@dataclass
class SimKiosk:
    base_url: str
    device_id: str
    token: str
    office: str
    server_public_key: str
    signing_key_id: int
    signing_key: SigningKey
    http: requests.Session = field(default_factory=requests.Session)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def enroll(cls, base_url: str, code: str, name: str = "test kiosk") -> Self:
        key = SigningKey.generate()
        reply = enroll_raw(base_url, code, b64(bytes(key.verify_key)), name)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        return cls(
            base_url=base_url,
            device_id=body["device_id"],
            token=body["token"],
            office=body["office"],
            server_public_key=body["server_public_key"],
            signing_key_id=body["signing_key_id"],
            signing_key=key,
        )

    def close(self) -> None:
        self.http.close()

    # --- mutations ---------------------------------------------------------------------

    def mutation(
        self, type_: MutationType, payload: dict[str, Any], id_: str | None = None
    ) -> dict[str, Any]:
        return {
            "id": id_ or new_id(),
            "seq": next(self._seq),
            "type": str(type_),
            "occurred_at": NOW.isoformat(),
            "payload": payload,
        }

    def complaint(
        self, description: str = "보도블록이 깨졌어요", name: str = "김민수", **overrides: Any
    ) -> dict[str, Any]:
        sealed = ComplaintSealed(
            description=description,
            address="세종대로 110",
            name=name,
            phone="010-1234-5678",
            share_contact=True,
        )
        payload = ComplaintPayload(
            receipt_code=new_receipt_code(),
            anonymous=False,
            category="road",
            district="jung",
            consent_version="2026-01",
            created_at=NOW,
            sealed=seal(self.server_public_key, sealed.model_dump()),
        ).model_dump(mode="json")
        return self.mutation(MutationType.COMPLAINT, {**payload, **overrides})

    def suggestion(self, description: str = "벤치를 더 놓아 주세요") -> dict[str, Any]:
        sealed = ComplaintSealed(description=description)
        payload = ComplaintPayload(
            receipt_code=new_receipt_code(),
            anonymous=True,
            category="park",
            created_at=NOW,
            sealed=seal(self.server_public_key, sealed.model_dump()),
        ).model_dump(mode="json")
        return self.mutation(MutationType.COMPLAINT, payload)

    def proposal(self, title: str = "자전거 도로 확충") -> dict[str, Any]:
        sealed = ProposalSealed(
            title=title, description="한강까지 이어 주세요", email="citizen@example.kr", name="이수"
        )
        payload = ProposalPayload(
            receipt_code=new_receipt_code(),
            area="transport",
            created_at=NOW,
            consent_version="2026-01",
            sealed=seal(self.server_public_key, sealed.model_dump()),
        ).model_dump(mode="json")
        return self.mutation(MutationType.PROPOSAL, payload)

    def ticket(self, event_id: int, number: int, key_id: int | None = None) -> str:
        """A real ticket text signed with this kiosk's key (under ``key_id`` if given)."""
        payload = TicketPayload(
            key_id or self.signing_key_id, event_id, number, TicketType.STANDARD, NOW.date()
        )
        return encode_ticket(payload, self.signing_key)

    def signup(
        self,
        event_id: int,
        number: int | None,
        status: str = "confirmed",
        name: str = "박지민",
        key_id: int | None = None,
        ticket: str | None = None,
        phone: str | None = None,
    ) -> dict[str, Any]:
        confirmed = status == "confirmed"
        sealed = SignupSealed(name=name, phone=phone or self.next_phone())
        if confirmed and ticket is None:
            assert number is not None
            ticket = self.ticket(event_id, number, key_id)
        payload = SignupPayload(
            receipt_code=new_receipt_code(),
            event_id=event_id,
            status="confirmed" if confirmed else "waitlisted",
            key_id=(key_id or self.signing_key_id) if confirmed else None,
            number=number if confirmed else None,
            ticket=(ticket or "") if confirmed else "",
            consent_version="2026-01",
            created_at=NOW,
            sealed=seal(self.server_public_key, sealed.model_dump()),
        ).model_dump(mode="json")
        return self.mutation(MutationType.SIGNUP, payload)

    @staticmethod
    def next_phone() -> str:
        """A number no other sign-up of this test run has (one sign-up per phone and event)."""
        n = 20_000_000 + next(_PHONES)
        return f"010-{n // 10000:04d}-{n % 10000:04d}"

    def claim(
        self,
        event_id: int,
        *,
        phone: str | None = None,
        accept_waitlist: bool = False,
        notify: bool = False,
        name: str = "박지민",
        id_: str | None = None,
    ) -> dict[str, Any]:
        """An online sign-up (POST /v1/signups); the answer's JSON, with ``request``."""
        sealed = SignupSealed(name=name, phone=phone or self.next_phone())
        payload = SignupPayload(
            receipt_code=new_receipt_code(),
            event_id=event_id,
            status="confirmed",
            consent_version="2027-01",
            created_at=NOW,
            sealed=seal(self.server_public_key, sealed.model_dump()),
            language="ko",
            notify=notify,
        )
        body = {
            "protocol": PROTOCOL_VERSION,
            "device_id": self.device_id,
            "id": id_ or new_id(),
            "occurred_at": NOW.isoformat(),
            "accept_waitlist": accept_waitlist,
            "payload": payload_json(payload),
        }
        reply = self.http.post(
            self.base_url + PATH_SIGNUP, json=body, headers=self.headers, timeout=TIMEOUT
        )
        assert reply.status_code == 200, reply.text
        answer: dict[str, Any] = reply.json()
        answer["request"] = body
        return answer

    def checkin(self, event_id: int, key_id: int, number: int) -> dict[str, Any]:
        payload = CheckinPayload(
            event_id=event_id, key_id=key_id, number=number, scanned_at=NOW
        ).model_dump(mode="json")
        return self.mutation(MutationType.CHECKIN, payload)

    # --- HTTP --------------------------------------------------------------------------

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def push_raw(
        self,
        mutations: list[dict[str, Any]],
        *,
        headers: dict[str, str] | None = None,
        **envelope: Any,
    ) -> requests.Response:
        """``headers`` adds to the token: what a real kiosk sends (X-Civic-Pending, …)."""
        body = {
            "protocol": PROTOCOL_VERSION,
            "device_id": self.device_id,
            "app_version": "test",
            "mutations": mutations,
            **envelope,
        }
        return self.http.post(
            self.base_url + PATH_PUSH,
            json=body,
            headers={**self.headers, **(headers or {})},
            timeout=TIMEOUT,
        )

    def push(self, mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Push and return the results, which must answer every mutation in order."""
        reply = self.push_raw(mutations)
        assert reply.status_code == 200, reply.text
        results: list[dict[str, Any]] = reply.json()["results"]
        assert [r["id"] for r in results] == [m["id"] for m in mutations]
        return results

    def pull_raw(
        self,
        cursor: str = "",
        limit: int | None = None,
        *,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> requests.Response:
        query: dict[str, Any] = {"cursor": cursor, **params}
        if limit is not None:
            query["limit"] = limit
        return self.http.get(
            self.base_url + PATH_PULL,
            params=query,
            headers={**self.headers, **(headers or {})},
            timeout=TIMEOUT,
        )

    def pull(self, cursor: str = "", limit: int | None = None) -> dict[str, Any]:
        reply = self.pull_raw(cursor, limit)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def pull_all(
        self, cursor: str = "", limit: int | None = None, max_pages: int = 1000
    ) -> tuple[list[dict[str, Any]], str]:
        """Every page until ``has_more`` is false; the pages and the last cursor."""
        pages = []
        for _ in range(max_pages):
            page = self.pull(cursor, limit)
            pages.append(page)
            cursor = page["cursor"]
            if not page["has_more"]:
                return pages, cursor
        raise AssertionError("pull never finished")


def merged(pages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [item for page in pages for item in page["changes"][kind]]


def expect_error(reply: requests.Response, status: int, code: str) -> dict[str, Any]:
    """The reply is the JSON error ``code`` with ``status``, a server_time and no trace."""
    assert reply.status_code == status, (reply.status_code, reply.text)
    body: dict[str, Any] = reply.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    assert body["server_time"]
    assert "Traceback" not in reply.text
    return body
