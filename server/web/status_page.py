"""The public status page a receipt QR points at: the case, its history and its answer.

Anyone holding the receipt code may read it, so it shows nothing personal:
no name, contact, description or address, only what staff wrote as the
answer (server/cases.py decides what). The citizen can act on it here:
cancel a sign-up, ask again about a complaint that is not solved (once,
within 14 days), and stop messages. A code that fails its check character is
told apart from an unknown one without touching the database.

The SMS provider posts replies to ``/hooks/sms/<token>``: a stop word there
stops messages to that phone.
"""

from __future__ import annotations

import base64
import io
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from core.links import status_page_url as status_url
from core.receipts import format_code, is_valid_code, normalize_code
from core.tickets import manual_code_of_text, ticket_qr_image
from server import cases, claims, optouts
from server.models import Registration
from server.ratelimits import LocalWindow
from server.web.site import PageError, Web, same_origin
from sync.protocol import CaseView

ACTIONS = ("cancel", "ask-again", "stop-messages")

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
                {"code": code, "found": None, "error": "status.invalid"},
                status=404,
            )
        found = await run_in_threadpool(cases.cases, web.db, code)
        if not found:
            return web.render(
                request,
                "status.html",
                {"code": format_code(code), "found": None, "error": "status.unknown"},
                status=404,
            )
        lang = web.language(request)
        tickets = await run_in_threadpool(_tickets, web, code)
        shown = [_shown(case, lang, tickets) for case in found]
        return web.render(
            request,
            "status.html",
            {
                "code": format_code(code),
                "raw_code": code,
                "found": shown,
                "link": status_url(web.settings.public_url, code),
            },
        )

    @router.post("/status/{code}/{action}")
    async def act(request: Request, code: str, action: str) -> Response:
        code = normalize_code(code)[:16]
        if action not in ACTIONS or not is_valid_code(code) or not same_origin(request):
            raise PageError(400, "error.not_found")
        if action == "cancel":
            done = await run_in_threadpool(lambda: claims.cancel(web.db, code))
            key = "signup_cancelled" if done is not None else None
        elif action == "ask-again":
            asked = await run_in_threadpool(cases.ask_again, web.db, code)
            key = "asked_again" if asked else None
        else:
            await run_in_threadpool(optouts.stop_by_receipt, web.db, code)
            key = "messages_stopped"
        if key is None:
            raise PageError(409, "error.status_not_allowed")
        return web.redirect(f"/status/{code}?done={key}")

    @router.post("/hooks/sms/{token}")
    async def sms_reply(request: Request, token: str) -> Response:
        expected = web.settings.sms_inbound_token
        if not expected or not secrets.compare_digest(token, expected):
            return JSONResponse({"error": "unknown hook"}, status_code=404)
        try:
            body = await request.json()
        except ValueError:
            body = dict(await request.form())
        phone = str(body.get("from", ""))[:32] if isinstance(body, dict) else ""
        text = str(body.get("text", ""))[:2000] if isinstance(body, dict) else ""
        stopped = await run_in_threadpool(
            optouts.stop_by_reply, web.db, web.keys.contact_key, phone, text
        )
        return JSONResponse({"stopped": stopped})

    return router


def _tickets(web: Web, code: str) -> dict[str, str]:
    """Entry code -> QR (PNG data URI) of the confirmed sign-ups under this receipt code."""
    with web.db.read() as session:
        texts = session.scalars(
            select(Registration.ticket).where(
                Registration.receipt_code == code, Registration.status == "confirmed"
            )
        ).all()
    found = {}
    for text in texts:
        if text:
            buffer = io.BytesIO()
            ticket_qr_image(text, box_size=6).save(buffer, format="PNG")
            encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
            found[manual_code_of_text(text)] = f"data:image/png;base64,{encoded}"
    return found


def _shown(case: CaseView, lang: str, tickets: dict[str, str]) -> dict[str, object]:
    return {
        "kind": case.kind,
        "status": case.status,
        "title": case.title_ko if lang == "ko" else case.title_en,
        "answer": case.answer,
        "received_at": case.received_at,
        "updated_at": case.updated_at,
        "history": case.history,
        "starts_at": case.starts_at,
        "place": case.place_ko if lang == "ko" else case.place_en,
        "manual_code": format_code(case.manual_code) if case.manual_code else "",
        "ticket_qr": tickets.get(case.manual_code, ""),
        "can_cancel": case.can_cancel,
        "can_ask_again": case.can_ask_again,
    }
