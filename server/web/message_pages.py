"""Messages to citizens for officers: how many in each state, and every one not yet sent."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from server import outbox_view
from server.models import NotificationState
from server.web.site import PageError, Web


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/staff/messages", response_class=HTMLResponse)
    async def messages(request: Request) -> Response:
        await web.staff(request)
        return web.render(
            request,
            "messages.html",
            {
                "counts": await run_in_threadpool(outbox_view.counts, web.db),
                "open": await run_in_threadpool(outbox_view.unsent, web.db),
                "states": [str(s) for s in NotificationState],
            },
        )

    @router.post("/staff/messages/{notification_id}/retry")
    async def retry(request: Request, notification_id: int) -> Response:
        await web.form(request)
        if not await run_in_threadpool(outbox_view.retry, web.db, notification_id):
            raise PageError(404, "error.not_found")
        return web.redirect("/staff/messages?done=message_retried")

    return router
