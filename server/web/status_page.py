"""The public status page a receipt QR points at: kind, category, status and the answer.

Anyone holding the receipt code may read it, so it shows nothing personal:
no name, contact, description or address, only what staff wrote as the
answer. A code that fails its check character is told apart from an unknown
one without touching the database.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from core.receipts import format_code, is_valid_code, normalize_code
from server import submissions
from server.catalogue import list_categories, list_events
from server.ratelimits import LocalWindow
from server.web.site import Web
from server.web.submission_pages import labels

# Receipt codes have 7 random characters (31**7): guessing needs billions of
# tries, and a citizen looks up a few. 30 a minute per address (per worker
# process) stops a probe at 300 requests a second and never a person.
STATUS_LOOKUPS_PER_MINUTE = 30


def routes(web: Web, lookups: LocalWindow | None = None) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    lookups = lookups or LocalWindow(STATUS_LOOKUPS_PER_MINUTE, 60.0)

    @router.get("/status", response_class=HTMLResponse)
    async def status_form(request: Request) -> Response:
        code = request.query_params.get("code", "")
        if code:
            # The form is a GET, so the code lands in the URL the QR uses too.
            return web.redirect(f"/status/{normalize_code(code)[:16]}")
        return web.render(request, "status.html", {"code": "", "found": None})

    @router.get("/status/{code}", response_class=HTMLResponse)
    async def status(request: Request, code: str) -> Response:
        retry_after = lookups.hit(request.client.host if request.client else "unknown")
        if retry_after is not None:
            page = web.render(
                request,
                "status.html",
                {"code": "", "found": None, "error": "status.throttled"},
                status=429,
            )
            page.headers["Retry-After"] = str(retry_after)
            return page
        code = normalize_code(code)[:16]
        if not is_valid_code(code):
            return web.render(
                request,
                "status.html",
                {
                    "code": code,
                    "found": None,
                    "error": "status.invalid",
                },
                status=404,
            )
        found = await run_in_threadpool(submissions.public_status, web.db, code)
        if not found:
            return web.render(
                request,
                "status.html",
                {
                    "code": format_code(code),
                    "found": None,
                    "error": "status.unknown",
                },
                status=404,
            )
        lang = web.language(request)
        categories = await run_in_threadpool(list_categories, web.db)
        category_name, _ = labels(categories, lang)
        events = {
            f"event:{e.id}": e.title_ko if lang == "ko" else e.title_en
            for e in await run_in_threadpool(list_events, web.db)
        }
        shown = [
            {
                "kind": f.kind,
                "status": f.status,
                "answer": f.answer,
                "updated_at": f.updated_at,
                "category": events.get(f.category, "")
                if f.kind == "signup"
                else category_name(f.kind, f.category),
            }
            for f in found
        ]
        return web.render(request, "status.html", {"code": format_code(code), "found": shown})

    return router
