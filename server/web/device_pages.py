"""Kiosks for admins: the device list, revoking one, and one-time enrolment codes.

A new enrolment code is shown once, in the answer to the POST that made it
(as text and as a QR code a kiosk camera reads): the database keeps only its
hash, so it cannot be shown again later.
"""

from __future__ import annotations

import base64
import datetime as dt
import io

import qrcode
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from server.db import Database
from server.devices import UnknownDevice, admissions_on_key, list_devices, revoke_device
from server.enrolment import create_enrollment_code
from server.models import EnrollmentCode, StaffRole
from server.web.site import PageError, Web

MAX_TTL_HOURS = 24 * 14


def qr_data_uri(text: str) -> str:
    """A PNG QR code of ``text`` as a data: URI (the page's CSP allows data: images only)."""
    image = qrcode.make(text, box_size=8, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def recent_codes(db: Database, limit: int = 20) -> list[EnrollmentCode]:
    with db.read() as session:
        return list(
            session.scalars(
                select(EnrollmentCode).order_by(EnrollmentCode.created_at.desc()).limit(limit)
            )
        )


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def devices_page(
        request: Request, error: str | None = None, status: int = 200
    ) -> Response:
        devices = await run_in_threadpool(list_devices, web.db)
        cannot_print = sum(d.cannot_print for d in devices)
        return web.render(
            request,
            "devices.html",
            {"devices": devices, "error": error, "cannot_print": cannot_print},
            status=status,
        )

    @router.get("/staff/devices", response_class=HTMLResponse)
    async def device_list(request: Request) -> Response:
        await web.staff(request, StaffRole.ADMIN)
        return await devices_page(request)

    @router.get("/staff/devices/{device_id}", response_class=HTMLResponse)
    async def device_page(request: Request, device_id: str) -> Response:
        await web.staff(request, StaffRole.ADMIN)
        try:
            device, admissions = await run_in_threadpool(admissions_on_key, web.db, device_id[:64])
        except UnknownDevice:
            raise PageError(404, "error.not_found") from None
        return web.render(request, "device.html", {"device": device, "admissions": admissions})

    @router.post("/staff/devices/{device_id}/revoke")
    async def revoke(request: Request, device_id: str) -> Response:
        await web.form(request, StaffRole.ADMIN)
        try:
            await run_in_threadpool(revoke_device, web.db, device_id[:64])
        except UnknownDevice:
            raise PageError(404, "error.not_found") from None
        return web.redirect("/staff/devices?done=device_revoked")

    async def codes_page(
        request: Request,
        new_code: str | None = None,
        office: str = "",
        expires: dt.datetime | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        codes = await run_in_threadpool(recent_codes, web.db)
        offices = sorted({d.office for d in await run_in_threadpool(list_devices, web.db)})
        return web.render(
            request,
            "enrolment.html",
            {
                "codes": codes,
                "new_code": new_code,
                "office": office,
                "expires": expires,
                "qr": qr_data_uri(new_code) if new_code else "",
                "offices": offices,
                "error": error,
            },
            status=status,
        )

    @router.get("/staff/enrolment-codes", response_class=HTMLResponse)
    async def code_form(request: Request) -> Response:
        await web.staff(request, StaffRole.ADMIN)
        return await codes_page(request)

    @router.post("/staff/enrolment-codes", response_class=HTMLResponse)
    async def make_code(request: Request) -> Response:
        _active, form = await web.form(request, StaffRole.ADMIN)
        office = str(form.get("office", "")).strip()[:200]
        try:
            hours = float(str(form.get("ttl_hours", "24")))
        except ValueError:
            hours = -1
        if not office:
            return await codes_page(request, error="enrolment.error.office", status=400)
        if not 0 < hours <= MAX_TTL_HOURS:
            return await codes_page(request, office=office, error="enrolment.error.ttl", status=400)
        ttl = dt.timedelta(hours=hours)
        code = await run_in_threadpool(create_enrollment_code, web.db, office, ttl)
        expires = dt.datetime.now(dt.UTC) + ttl
        return await codes_page(request, new_code=code, office=office, expires=expires)

    return router
