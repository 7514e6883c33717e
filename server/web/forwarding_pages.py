"""Forwarding for admins: destinations, routes, delivery counts and failed deliveries."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from server import destinations
from server.models import DeliveryState, StaffRole
from server.web.site import PageError, Web


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/staff/forwarding", response_class=HTMLResponse)
    async def forwarding(request: Request) -> Response:
        await web.staff(request, StaffRole.ADMIN)
        return web.render(
            request,
            "forwarding.html",
            {
                "destinations": await run_in_threadpool(destinations.list_destinations, web.db),
                "routes": await run_in_threadpool(destinations.list_routes, web.db),
                "counts": await run_in_threadpool(destinations.delivery_counts, web.db),
                "troubled": await run_in_threadpool(destinations.troubled_deliveries, web.db),
                "states": [str(s) for s in DeliveryState],
            },
        )

    @router.post("/staff/forwarding/deliveries/{delivery_id}/retry")
    async def retry(request: Request, delivery_id: int) -> Response:
        await web.form(request, StaffRole.ADMIN)
        if not await run_in_threadpool(destinations.retry_delivery, web.db, delivery_id):
            raise PageError(404, "error.not_found")
        return web.redirect("/staff/forwarding?done=delivery_retried")

    return router
