"""The dashboard: submissions per day and kind, per district, check-ins per event."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from core.reference import SEOUL_DISTRICTS
from server import charts, stats
from server.attendance import checkin_counts
from server.models import utcnow
from server.submissions import KINDS
from server.texts import translate
from server.web.site import Web

DAYS = 30


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/staff", response_class=HTMLResponse)
    async def dashboard(request: Request) -> Response:
        await web.staff(request)
        lang = web.language(request)
        now = utcnow()
        per_day = await run_in_threadpool(stats.per_day_per_kind, web.db, DAYS, now)
        districts = await run_in_threadpool(stats.per_district, web.db, DAYS, now)
        events = await run_in_threadpool(checkin_counts, web.db, now - dt.timedelta(days=DAYS))
        names = {d.code: d.name(lang) for d in SEOUL_DISTRICTS}
        legend = {k: translate(lang, f"kind.{k}") for k in KINDS}
        # Safe: server/charts.py escapes every label of the SVG itself.
        per_day_svg = charts.stacked_columns(
            per_day, KINDS, legend, translate(lang, "dashboard.per_day", days=DAYS)
        )
        district_svg = charts.horizontal_bars(
            [
                (names.get(code, code or translate(lang, "dashboard.no_district")), n)
                for code, n in districts
            ],
            translate(lang, "dashboard.per_district", days=DAYS),
        )
        event_svg = charts.horizontal_bars(
            [(e.title_ko if lang == "ko" else e.title_en, n) for e, n in events],
            translate(lang, "dashboard.per_event"),
        )
        return web.render(
            request,
            "dashboard.html",
            {
                "per_day": Markup(per_day_svg),  # noqa: S704
                "per_district": Markup(district_svg),  # noqa: S704
                "per_event": Markup(event_svg),  # noqa: S704
                "totals": {k: sum(v.get(k, 0) for _, v in per_day) for k in KINDS},
                "days": DAYS,
            },
        )

    return router
