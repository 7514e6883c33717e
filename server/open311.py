"""Open311 GeoReport v2, read side: categories as services, complaints as requests.

City systems read what kiosks collected without an account: so no response
carries a name, phone number, e-mail or the citizen's free text (the spec's
``description``). What it does carry is chosen, not assumed: the case's
category, status and times always; where the problem is only as far as the
city marked that public for the category (``Category.public_fields``: the
kiosk seals the address as personal data, so by default none); the staff
answer (``status_notes``) only where staff marked it public, since an answer
can describe the citizen's case (and a public one would stand in for the
receipt code that guards /status).

Formal complaints and anonymous suggestions are requests; policy proposals
are not. ``service_request_id`` is the submission's id (a UUID), never the
citizen's receipt code. Only the JSON format is served.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.clock import SEOUL, in_seoul
from core.dongs import dong_of
from core.reference import SEOUL_DISTRICTS
from server.db import Database
from server.models import Category, Submission, SubmissionKind, SubmissionStatus, utcnow

PREFIX = "/open311/v2"
MAX_SPAN = dt.timedelta(days=90)
MAX_RECORDS = 1000
MAX_IDS = 100
# A day before 2000 in UTC: 2000-01-01 in Seoul starts on 1999-12-31 in UTC.
EARLIEST_QUERY = dt.datetime(1999, 12, 31, tzinfo=dt.UTC)
LATEST_QUERY = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
_DISTRICTS = {d.code: d for d in SEOUL_DISTRICTS}
# What a category may make public, most precise first (Category.public_fields).
PUBLIC_FIELDS = ("address", "dong", "district")
REQUEST_KINDS = (SubmissionKind.COMPLAINT.value, SubmissionKind.SUGGESTION.value)
CLOSED = frozenset({SubmissionStatus.ANSWERED.value, SubmissionStatus.CLOSED.value})

# The fields GeoReport v2 defines for each response (tests check ours against these).
SERVICE_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
)
DEFINITION_FIELDS = ("service_code", "attributes")
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
ERROR_FIELDS = ("code", "description")
# How GeoReport v2 states errors (the served OpenAPI names it Open311Errors).
ERRORS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": list(ERROR_FIELDS),
    },
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def w3c(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    local = in_seoul(value)
    return (local or value).isoformat(timespec="seconds")


def parse_time(text: str | None, name: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400, f"{name}: not a W3C date/time (e.g. 2026-11-27T09:00:00+09:00)"
        ) from None
    value = value if value.tzinfo is not None else value.replace(tzinfo=SEOUL)
    # Date arithmetic on the range (start + 90 days) must not leave the calendar.
    if not EARLIEST_QUERY <= value <= LATEST_QUERY:
        raise Open311Error(400, f"{name}: must be between 2000 and 2100")
    return value


def _list(text: str | None, limit: int = MAX_IDS) -> list[str]:
    values = [v.strip() for v in (text or "").split(",") if v.strip()]
    if len(values) > limit:
        raise Open311Error(400, f"at most {limit} values per list")
    return values


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _CategoryView:
    name: str
    public: frozenset[str]


def public_fields(text: str) -> frozenset[str]:
    return frozenset(text.split()) & frozenset(PUBLIC_FIELDS)


def _names(session: Any, locale: str) -> dict[str, _CategoryView]:
    categories = session.scalars(select(Category)).all()
    return {
        c.code: _CategoryView(
            c.name_en if locale == "en" else c.name_ko, public_fields(c.public_fields)
        )
        for c in categories
    }


def services(db: Database, locale: str = "ko") -> list[dict[str, Any]]:
    with db.read() as session:
        categories = session.scalars(
            select(Category)
            .where(Category.active.is_(True))
            .order_by(Category.sort_order, Category.code)
        ).all()
    return [
        {
            "service_code": c.code,
            "service_name": c.name_en if locale == "en" else c.name_ko,
            "description": c.name_ko if locale == "en" else c.name_en,
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
        for c in categories
    ]


def definition(db: Database, code: str) -> dict[str, Any]:
    with db.read() as session:
        if session.get(Category, code) is None:
            raise Open311Error(404, f"no service {code!r}")
    # No extra attributes are asked for on the kiosk beyond what the request carries.
    return {"service_code": code, "attributes": []}


def as_request(
    s: Submission, names: dict[str, _CategoryView], locale: str = "ko"
) -> dict[str, Any]:
    view = names.get(s.category, _CategoryView(s.category, frozenset()))
    return {
        "service_request_id": s.id,
        "status": "closed" if s.status in CLOSED else "open",
        "status_notes": (s.status_note or None) if s.status_note_public else None,
        "service_name": view.name,
        "service_code": s.category,
        "requested_datetime": w3c(s.created_at),
        "updated_datetime": w3c(s.updated_at or s.received_at),
        "address": _public_place(s, view.public, locale),
    }


def _public_place(s: Submission, public: frozenset[str], locale: str) -> str | None:
    """Where the problem is, only as precisely as the category made public; else None."""
    address = str(s.details.get("address", "")).strip()
    if "address" in public and address:
        return address
    district = _DISTRICTS.get(s.district)
    dong = dong_of(s.district, s.dong) if s.dong else None
    parts = []
    if public & {"district", "dong"} and district is not None:
        parts.append(district.name(locale))
    if "dong" in public and dong is not None:
        parts.append(dong.name(locale))
    return " ".join(parts) or None


def find_requests(
    db: Database,
    *,
    ids: Sequence[str] = (),
    service_codes: Sequence[str] = (),
    statuses: Sequence[str] = (),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    locale: str = "ko",
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    query = select(Submission).where(Submission.kind.in_(REQUEST_KINDS))
    if ids:
        # The spec: with service_request_id, the other parameters are ignored.
        query = query.where(Submission.id.in_(list(ids)))
    else:
        end = end or (start + MAX_SPAN if start else (now or utcnow()))
        start = start or end - MAX_SPAN
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > MAX_SPAN:
            raise Open311Error(400, "the date range may span at most 90 days")
        query = query.where(Submission.created_at >= start, Submission.created_at <= end)
        if service_codes:
            query = query.where(Submission.category.in_(list(service_codes)))
        unknown = set(statuses) - {"open", "closed"}
        if unknown:
            raise Open311Error(400, "status is open and/or closed")
        if statuses and len(set(statuses)) == 1:
            closed = Submission.status.in_(sorted(CLOSED))
            query = query.where(closed if statuses[0] == "closed" else ~closed)
    query = query.order_by(Submission.created_at.desc(), Submission.id.desc()).limit(MAX_RECORDS)
    with db.read() as session:
        rows = session.scalars(query).all()
        names = _names(session, locale)
    return [as_request(s, names, locale) for s in rows]


# --- HTTP ------------------------------------------------------------------------------


# What the served schema states of the date and status parameters: a safe subset of
# what is accepted (any W3C time from 2000 to 2100 is; a schema cannot say "a real
# day", so it names days up to the 28th). An end before the start, or a range over
# 90 days, is still a 400 the schema cannot state.
_W3C_TIME: dict[str, Any] = {
    "pattern": r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?)?$"
}
_STATUSES: dict[str, Any] = {"pattern": r"^(open|closed)(,(open|closed))?$"}


def routes(db: Database) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["open311"])

    def _answer(work: Any) -> JSONResponse:
        try:
            return JSONResponse(work())
        except Open311Error as exc:
            return error(exc.status, exc.description)

    @router.get("/services.json", summary="GeoReport v2: service list")
    async def service_list(locale: str = "ko", jurisdiction_id: str = "") -> JSONResponse:
        return await run_in_threadpool(_answer, lambda: services(db, locale))

    @router.get("/services/{service_code}.json", summary="GeoReport v2: service definition")
    async def service_definition(service_code: str, jurisdiction_id: str = "") -> JSONResponse:
        return await run_in_threadpool(_answer, lambda: definition(db, service_code[:64]))

    @router.get("/requests.json", summary="GeoReport v2: service requests")
    async def request_list(
        service_request_id: str | None = Query(None, max_length=4000),
        service_code: str | None = Query(None, max_length=2000),
        start_date: str | None = Query(None, max_length=40, json_schema_extra=_W3C_TIME),
        end_date: str | None = Query(None, max_length=40, json_schema_extra=_W3C_TIME),
        status: str | None = Query(None, max_length=40, json_schema_extra=_STATUSES),
        jurisdiction_id: str = "",
        locale: str = "ko",
    ) -> JSONResponse:
        def work() -> list[dict[str, Any]]:
            return find_requests(
                db,
                ids=_list(service_request_id),
                service_codes=_list(service_code),
                statuses=_list(status),
                start=parse_time(start_date, "start_date"),
                end=parse_time(end_date, "end_date"),
                locale=locale,
            )

        return await run_in_threadpool(_answer, work)

    @router.get("/requests/{service_request_id}.json", summary="GeoReport v2: one request")
    async def one_request(
        service_request_id: str, jurisdiction_id: str = "", locale: str = "ko"
    ) -> JSONResponse:
        def work() -> list[dict[str, Any]]:
            found = find_requests(db, ids=[service_request_id[:64]], locale=locale)
            if not found:
                raise Open311Error(404, f"no service request {service_request_id[:64]!r}")
            return found

        return await run_in_threadpool(_answer, work)

    @router.post("/requests.json", summary="GeoReport v2: not accepted here", status_code=403)
    async def no_posting() -> JSONResponse:
        return error(403, "requests are filed at the kiosks; this endpoint is read-only")

    return router
