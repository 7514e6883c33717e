"""Staff web pages and the public status page, rendered on the server (Jinja2).

- ``site``        shared page machinery: templates, language, who is logged in, CSRF
- ``sessions``    session rows behind signed cookies (the words are server/texts.json)
- ``auth_pages``  log in / out, language; ``status_page`` the public receipt look-up
- ``submission_pages``, ``event_pages``, ``device_pages``, ``user_pages``,
  ``forwarding_pages``, ``dashboard``: one module per part of the staff site
- ``headers``     security headers on every response
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from server.config import ServerSettings
from server.db import Database
from server.keys import ServerKeys
from server.web import (
    auth_pages,
    dashboard,
    device_pages,
    event_pages,
    forwarding_pages,
    message_pages,
    status_page,
    submission_pages,
    user_pages,
)
from server.web.headers import SecurityHeaders
from server.web.site import LoginRequired, PageError, Web

STATIC = Path(__file__).resolve().parent.parent / "static"


def install(app: FastAPI, db: Database, keys: ServerKeys, settings: ServerSettings) -> Web:
    web = Web(db, keys, settings)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        auth_pages,
        status_page,
        dashboard,
        submission_pages,
        event_pages,
        device_pages,
        user_pages,
        forwarding_pages,
        message_pages,
    ):
        app.include_router(module.routes(web))

    @app.exception_handler(LoginRequired)
    async def _login(_request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import quote

        return web.redirect("/login?next=" + quote(exc.next_path, safe="/"))

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError) -> Response:
        return web.render(request, "error.html", {"message": exc.key}, status=exc.status)

    return web
