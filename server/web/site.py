"""What every staff page shares: templates, the language, who is logged in, CSRF checks.

Pages are plain functions of a request: ``Web.staff(request, role)`` says who
is asking (or sends them to log in), ``Web.form(request, role)`` also checks
the CSRF token of a POST, and ``Web.render`` fills a template with the
translations, the CSRF token and the navigation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from core.clock import in_seoul
from core.reference import POLICY_AREAS, SEOUL_DISTRICTS
from server.accounts import Staff
from server.config import ServerSettings
from server.db import Database
from server.keys import ServerKeys
from server.models import StaffRole
from server.texts import CATALOG, LANGUAGES, translate
from server.web.sessions import ActiveSession, cookie_secret, csrf_matches, load_session, unsign

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SESSION_COOKIE = "civic_session"
# Browsers accept a __Host- cookie only with Secure, Path=/ and no Domain: it
# cannot be set or overwritten by a sibling sub-domain.
SECURE_SESSION_COOKIE = "__Host-civic_session"
LANG_COOKIE = "civic_lang"
SESSION_PURPOSE = "session"


_UNSET = object()


class LoginRequired(Exception):
    """No live session: the page sends the browser to the log-in form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageError(Exception):
    """A page cannot be shown; ``key`` is the message key, ``status`` the HTTP status."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


def safe_next(value: object, default: str = "/staff") -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if (
        not isinstance(value, str)
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 32 for c in value)
    ):
        return default
    return value


def kst(value: dt.datetime | None, with_time: bool = True) -> str:
    if value is None:
        return "–"
    local = in_seoul(value)
    if local is None:  # no Seoul day for it (core.clock.in_seoul): show it as stored
        return value.isoformat(timespec="minutes")
    return local.strftime("%Y-%m-%d %H:%M") if with_time else local.strftime("%Y-%m-%d")


@dataclass
class Web:
    db: Database
    keys: ServerKeys
    settings: ServerSettings
    secret: bytes = b""
    env: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.secret = cookie_secret(self.keys)
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(kst=kst, districts=SEOUL_DISTRICTS, policy_areas=POLICY_AREAS)

    # --- cookies -------------------------------------------------------------------------

    def secure(self, request: Request) -> bool:
        mode = self.settings.cookie_secure
        if mode == "always":
            return True
        if mode == "never":
            return False
        return request.url.scheme == "https"

    def session_cookie(self, request: Request) -> str:
        return SECURE_SESSION_COOKIE if self.secure(request) else SESSION_COOKIE

    def set_cookie(
        self,
        response: Response,
        request: Request,
        name: str,
        value: str,
        max_age: int | None = None,
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
        )

    # --- who is asking -------------------------------------------------------------------

    async def session(self, request: Request) -> ActiveSession | None:
        cached = getattr(request.state, "web_session", _UNSET)
        if cached is not _UNSET:
            return cast(ActiveSession | None, cached)
        token = unsign(
            self.secret, SESSION_PURPOSE, request.cookies.get(self.session_cookie(request))
        )
        active = None if token is None else await run_in_threadpool(load_session, self.db, token)
        request.state.web_session = active
        return active

    async def staff(self, request: Request, role: StaffRole = StaffRole.OFFICER) -> ActiveSession:
        active = await self.session(request)
        if active is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(path)
        if not active.staff.may(role):
            raise PageError(403, "error.forbidden")
        return active

    async def form(
        self, request: Request, role: StaffRole = StaffRole.OFFICER
    ) -> tuple[ActiveSession, FormData]:
        """The POSTed form of a logged-in staff member whose CSRF token matches."""
        active = await self.staff(request, role)
        form = await request.form()
        if not csrf_matches(active.csrf_token, form.get("csrf_token")) or not same_origin(request):
            raise PageError(403, "error.csrf")
        return active, form

    # --- pages ---------------------------------------------------------------------------

    def language(self, request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, "")
        return lang if lang in LANGUAGES else "ko"

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        lang = self.language(request)
        active: ActiveSession | None = getattr(request.state, "web_session", None) or None
        staff: Staff | None = active.staff if active else None

        def t(key: str, **values: Any) -> str:
            return translate(lang, key, **values)

        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        done = request.query_params.get("done", "")
        values: dict[str, Any] = {
            # Only messages we have: a crafted ?done= cannot put text on the page.
            "done": done if f"done.{done}" in CATALOG else None,
            "error": None,
            # The values an error's text names ({confirmed}, {device}), if any.
            "error_values": {},
            **(context or {}),
        }
        page = self.env.get_template(template).render(
            t=t,
            lang=lang,
            staff=staff,
            csrf_token=active.csrf_token if active else "",
            here=quote(here, safe=""),
            path=request.url.path,
            **values,
        )
        return HTMLResponse(page, status_code=status)

    def redirect(self, path: str) -> RedirectResponse:
        # 303: the browser follows a POST's answer with a GET.
        return RedirectResponse(path, status_code=303)


def same_origin(request: Request) -> bool:
    """A browser's Origin (when sent) must be this site: a second wall behind the token."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host
