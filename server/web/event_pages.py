"""Events for officers: create, edit, cancel, per-kiosk offline blocks, attendees, CSV."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from core.clock import SEOUL
from server import attendance, catalogue, claims
from server.capacity import Places, places
from server.catalogue import CatalogueError, NewEvent, Problem
from server.devices import list_devices
from server.models import Event
from server.web.site import PageError, Web


class FormProblem(ValueError):
    """A field staff typed cannot be read (a date, a number); ``key`` is the message key.

    Only reading is checked here: whether an event may have these values is
    the catalogue's rule (``CatalogueError``), shown with its own key.
    """

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _local_time(text: str, required: bool) -> dt.datetime | None:
    """A datetime-local field (Seoul time, as staff type it) as an aware datetime."""
    text = text.strip()
    if not text:
        if required:
            raise FormProblem("event.error.starts")
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FormProblem("event.error.time") from None
    return value.replace(tzinfo=SEOUL) if value.tzinfo is None else value


def _number(text: str, key: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise FormProblem(key) from None


def parse_event(form: Mapping[str, Any]) -> NewEvent:
    def text(name: str, limit: int = 300) -> str:
        return str(form.get(name, "")).strip()[:limit]

    starts = _local_time(text("starts"), required=True)
    if starts is None:
        raise FormProblem("event.error.starts")
    return NewEvent(
        title_ko=text("title_ko"),
        title_en=text("title_en"),
        place_ko=text("place_ko"),
        place_en=text("place_en"),
        starts_at=starts,
        ends_at=_local_time(text("ends"), required=False),
        capacity=_number(text("capacity"), "event.error.capacity"),
        offline_block=_number(text("offline_block") or "0", "event.error.block"),
        office=text("office", 200),
    )


def _form_values(event: Event | None, form: FormData | None = None) -> dict[str, str]:
    if form is not None:
        return {k: str(v) for k, v in form.items() if k != "csrf_token"}
    if event is None:
        return {"offline_block": "0"}

    def local(value: dt.datetime | None) -> str:
        return value.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M") if value else ""

    return {
        "title_ko": event.title_ko,
        "title_en": event.title_en,
        "place_ko": event.place_ko,
        "place_en": event.place_en,
        "starts": local(event.starts_at),
        "ends": local(event.ends_at),
        "capacity": str(event.capacity),
        "offline_block": str(event.offline_block),
        "office": event.office,
    }


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def offices() -> list[str]:
        return sorted({d.office for d in await run_in_threadpool(list_devices, web.db)})

    async def form_page(
        request: Request,
        event: Event | None,
        values: dict[str, str],
        error: str | None = None,
        status: int = 200,
        error_values: Mapping[str, str | int] | None = None,
    ) -> Response:
        return web.render(
            request,
            "event_form.html",
            {
                "event": event,
                "values": values,
                "offices": await offices(),
                "error": error,
                "error_values": error_values or {},
            },
            status=status,
        )

    async def refused(
        request: Request, event: Event | None, form: FormData, problem: Exception
    ) -> Response:
        """The form again, as typed, with what was wrong in the staff member's language."""
        values = _form_values(event, form)
        if isinstance(problem, FormProblem):
            return await form_page(request, event, values, problem.key, 400)
        assert isinstance(problem, CatalogueError)
        if problem.problem is Problem.EVENT_UNKNOWN:
            # Removed while the form was open: nothing is left to edit.
            raise PageError(404, "error.not_found")
        return await form_page(request, event, values, problem.problem, 400, problem.values)

    async def load(event_id: int) -> Event:
        try:
            return await run_in_threadpool(catalogue.get_event, web.db, event_id)
        except CatalogueError:
            raise PageError(404, "error.not_found") from None

    @router.get("/staff/events", response_class=HTMLResponse)
    async def event_list(request: Request) -> Response:
        await web.staff(request)
        events = await run_in_threadpool(catalogue.list_events, web.db)
        return web.render(request, "events.html", {"events": events})

    @router.get("/staff/events/new", response_class=HTMLResponse)
    async def new_event_form(request: Request) -> Response:
        await web.staff(request)
        return await form_page(request, None, _form_values(None))

    @router.post("/staff/events/new")
    async def create_event(request: Request) -> Response:
        _active, form = await web.form(request)
        try:
            new = parse_event(form)
            event_id = await run_in_threadpool(catalogue.add_event, web.db, new)
        except (FormProblem, CatalogueError) as problem:
            return await refused(request, None, form, problem)
        return web.redirect(f"/staff/events/{event_id}?done=event_created")

    @router.get("/staff/events/{event_id}", response_class=HTMLResponse)
    async def event_page(request: Request, event_id: int) -> Response:
        await web.staff(request)
        return await _event_page(web, request, await load(event_id))

    @router.get("/staff/events/{event_id}/edit", response_class=HTMLResponse)
    async def edit_form(request: Request, event_id: int) -> Response:
        await web.staff(request)
        event = await load(event_id)
        return await form_page(request, event, _form_values(event))

    @router.post("/staff/events/{event_id}/edit")
    async def edit_event(request: Request, event_id: int) -> Response:
        _active, form = await web.form(request)
        event = await load(event_id)
        try:
            await run_in_threadpool(catalogue.update_event, web.db, event_id, parse_event(form))
        except (FormProblem, CatalogueError) as problem:
            return await refused(request, event, form, problem)
        return web.redirect(f"/staff/events/{event_id}?done=event_saved")

    @router.post("/staff/events/{event_id}/cancel")
    async def cancel_event(request: Request, event_id: int) -> Response:
        await web.form(request)
        await load(event_id)
        await run_in_threadpool(catalogue.cancel_event, web.db, event_id)
        return web.redirect(f"/staff/events/{event_id}?done=event_cancelled")

    @router.post("/staff/events/{event_id}/blocks")
    async def set_block(request: Request, event_id: int) -> Response:
        _active, form = await web.form(request)
        event = await load(event_id)
        try:
            places = _number(str(form.get("places", "")), "event.error.block")
            await run_in_threadpool(
                catalogue.set_device_block,
                web.db,
                event_id,
                str(form.get("device", ""))[:64],
                places,
            )
        except FormProblem as problem:
            return await _event_page(web, request, event, problem.key, 400)
        except CatalogueError as refusal:
            return await _event_page(web, request, event, refusal.problem, 400, refusal.values)
        return web.redirect(f"/staff/events/{event_id}?done=block_saved")

    @router.post("/staff/events/{event_id}/registrations/{registration_id}/{action}")
    async def registration_action(
        request: Request, event_id: int, registration_id: str, action: str
    ) -> Response:
        await web.form(request)
        await load(event_id)
        if action == "cancel":
            done = await run_in_threadpool(
                lambda: claims.cancel(web.db, registration_id=registration_id[:36])
            )
            key = "registration_cancelled" if done is not None else None
        elif action == "confirm":
            promoted = await run_in_threadpool(
                claims.promote, web.db, event_id, registration_id[:36]
            )
            key = "registration_confirmed" if promoted else None
        else:
            raise PageError(404, "error.not_found")
        if key is None:
            event = await load(event_id)
            return await _event_page(web, request, event, "event.error.no_place", 409)
        return web.redirect(f"/staff/events/{event_id}?done={key}")

    @router.post("/staff/events/{event_id}/promote")
    async def promote_first(request: Request, event_id: int) -> Response:
        await web.form(request)
        event = await load(event_id)
        if not await run_in_threadpool(claims.promote, web.db, event_id):
            return await _event_page(web, request, event, "event.error.no_place", 409)
        return web.redirect(f"/staff/events/{event_id}?done=registration_confirmed")

    @router.get("/staff/events/{event_id}/attendees.csv")
    async def attendee_csv(request: Request, event_id: int) -> Response:
        await web.staff(request)
        await load(event_id)
        return StreamingResponse(
            attendance.attendee_csv(web.db, event_id),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="event-{event_id}.csv"'},
        )

    return router


async def _event_page(
    web: Web,
    request: Request,
    event: Event,
    error: str | None = None,
    status: int = 200,
    error_values: Mapping[str, str | int] | None = None,
) -> Response:
    people = await run_in_threadpool(attendance.attendees, web.db, event.id)
    blocks = await run_in_threadpool(catalogue.event_blocks, web.db, event.id)
    devices = await run_in_threadpool(list_devices, web.db)
    names = {d.id: f"{d.name} · {d.office}" for d in devices}
    counted = await run_in_threadpool(_places, web, event.id)
    return web.render(
        request,
        "event.html",
        {
            "event": event,
            "attendees": people,
            "blocks": blocks,
            "devices": devices,
            "device_names": names,
            "error": error,
            "error_values": error_values or {},
            "confirmed": sum(a.status == "confirmed" for a in people),
            "waitlisted": sum(a.status == "waitlisted" for a in people),
            "checked_in": sum(bool(a.checkins) for a in people),
            "places": counted,
        },
        status=status,
    )


def _places(web: Web, event_id: int) -> Places:
    with web.db.read() as session:
        event = session.get(Event, event_id)
        assert event is not None
        return places(session, event)
