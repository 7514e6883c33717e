"""Submissions for officers: the filtered list, one case, status changes, CSV export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from core.clock import SEOUL
from core.dongs import dong_of
from core.reference import POLICY_AREAS, SEOUL_DISTRICTS
from server import submissions
from server.accounts import list_users
from server.catalogue import list_categories
from server.devices import DeviceSummary, list_devices
from server.models import Category, SubmissionKind
from server.submissions import Filters, SubmissionError
from server.web.site import PageError, Web


def parse_filters(params: Mapping[str, str]) -> Filters:
    """Filters from the query string; values we do not know are dropped, not guessed."""

    def choice(name: str, allowed: tuple[str, ...]) -> str:
        value = params.get(name, "")
        return value if value in allowed else ""

    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None

    def text(name: str, limit: int = 200) -> str:
        return params.get(name, "").strip()[:limit]

    return Filters(
        kind=choice("kind", submissions.KINDS),
        status=choice("status", submissions.STATUSES),
        category=text("category", 64),
        district=text("district", 32),
        office=text("office"),
        device_id=text("device", 64),
        date_from=day("from"),
        date_to=day("to"),
    )


def filter_query(filters: Filters) -> str:
    pairs = {
        "kind": filters.kind,
        "status": filters.status,
        "category": filters.category,
        "district": filters.district,
        "office": filters.office,
        "device": filters.device_id,
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
    }
    given = {k: v for k, v in pairs.items() if v}
    return "?" + urlencode(given) if given else ""


def labels(
    categories: list[Category], lang: str
) -> tuple[Callable[[str, str], str], Callable[[str, str], str]]:
    """Names for category and place codes in the page's language (codes if unknown)."""
    complaint = {c.code: c.name_ko if lang == "ko" else c.name_en for c in categories}
    areas = {a.code: a.name(lang) for a in POLICY_AREAS}
    districts = {d.code: d.name(lang) for d in SEOUL_DISTRICTS}

    def category_name(kind: str, code: str) -> str:
        names = areas if kind == SubmissionKind.PROPOSAL else complaint
        return names.get(code, code or "–")

    def district_name(code: str, dong: str = "") -> str:
        """The district, and its dong after a middle dot when one was given."""
        name = districts.get(code, code or "–")
        if not dong:
            return name
        known = dong_of(code, dong)
        return f"{name} · {known.name(lang) if known else dong}"

    return category_name, district_name


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/staff/submissions", response_class=HTMLResponse)
    async def submission_list(request: Request) -> Response:
        await web.staff(request)
        filters = parse_filters(request.query_params)
        cursor = request.query_params.get("after", "")
        page = await run_in_threadpool(submissions.list_page, web.db, filters, cursor)
        categories = await run_in_threadpool(list_categories, web.db)
        devices: list[DeviceSummary] = await run_in_threadpool(list_devices, web.db)
        category_name, district_name = labels(categories, web.language(request))
        all_categories = [(c.code, category_name("complaint", c.code)) for c in categories]
        all_categories += [(a.code, a.name(web.language(request))) for a in POLICY_AREAS]
        return web.render(
            request,
            "submissions.html",
            {
                "page": page,
                "filters": filters,
                "query": filter_query(filters),
                "cursor": cursor,
                "kinds": submissions.KINDS,
                "statuses": submissions.STATUSES,
                "categories": all_categories,
                "offices": sorted({d.office for d in devices}),
                "devices": devices,
                "category_name": category_name,
                "district_name": district_name,
            },
        )

    @router.get("/staff/submissions.csv")
    async def submission_csv(request: Request) -> Response:
        await web.staff(request)
        filters = parse_filters(request.query_params)
        stamp = dt.datetime.now(SEOUL).strftime("%Y%m%d-%H%M")
        return StreamingResponse(
            submissions.csv_lines(web.db, filters),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="submissions-{stamp}.csv"'},
        )

    @router.get("/staff/submissions/{submission_id}", response_class=HTMLResponse)
    async def submission_detail(request: Request, submission_id: str) -> Response:
        await web.staff(request)
        return await _detail_page(web, request, submission_id)

    @router.get("/staff/submissions/{submission_id}/photo.jpg")
    async def submission_photo(request: Request, submission_id: str) -> Response:
        # The same staff who read the case may see its photo; nobody else.
        await web.staff(request)
        jpeg = await run_in_threadpool(submissions.photo, web.db, submission_id[:36])
        if jpeg is None:
            raise PageError(404, "error.not_found")
        return Response(
            jpeg,
            media_type="image/jpeg",
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": "inline",
            },
        )

    @router.post("/staff/submissions/{submission_id}/status")
    async def submission_status(request: Request, submission_id: str) -> Response:
        active, form = await web.form(request)
        try:
            await run_in_threadpool(
                submissions.change_status,
                web.db,
                submission_id,
                str(form.get("status", "")),
                str(form.get("note", "")),
                active.staff.id,
                publish_note=form.get("publish_note") == "yes",
            )
        except SubmissionError as exc:
            if exc.key == "not_found":
                raise PageError(404, "error.not_found") from None
            return await _detail_page(web, request, submission_id, f"error.{exc.key}", 400)
        return web.redirect(f"/staff/submissions/{submission_id}?done=status_changed")

    return router


async def _detail_page(
    web: Web, request: Request, submission_id: str, error: str | None = None, status: int = 200
) -> Response:
    found = await run_in_threadpool(submissions.detail, web.db, submission_id[:36])
    if found is None:
        raise PageError(404, "error.not_found")
    categories = await run_in_threadpool(list_categories, web.db)
    staff = await run_in_threadpool(list_users, web.db)
    users = {u.id: u.display_name or u.username for u in staff}
    category_name, district_name = labels(categories, web.language(request))
    return web.render(
        request,
        "submission.html",
        {
            "s": found.submission,
            "details": found.submission.details,
            "device": found.device,
            "updates": found.updates,
            "deliveries": found.deliveries,
            "allowed": found.allowed,
            "users": users,
            "category_name": category_name,
            "district_name": district_name,
            "error": error,
            "has_photo": found.has_photo,
        },
        status=status,
    )
