"""Logging in and out, and switching the page language."""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from server.accounts import LoginOutcome, begin_login, finish_login
from server.texts import LANGUAGES
from server.web.hashing import HashingPool, PoolBusy
from server.web.sessions import csrf_matches, end_session, sign, start_session, unsign
from server.web.site import LANG_COOKIE, SESSION_PURPOSE, PageError, Web, safe_next, same_origin

LOGIN_COOKIE = "civic_login"
LOGIN_PURPOSE = "login"
log = logging.getLogger("server.web.login")


def routes(web: Web, pool: HashingPool | None = None) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    pool = pool or HashingPool()

    @router.get("/")
    async def home(request: Request) -> Response:
        return web.redirect("/staff" if await web.session(request) else "/login")

    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> Response:
        if await web.session(request):
            return web.redirect(safe_next(request.query_params.get("next")))
        return _login_page(web, request, safe_next(request.query_params.get("next")))

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        nonce = unsign(web.secret, LOGIN_PURPOSE, request.cookies.get(LOGIN_COOKIE))
        next_path = safe_next(form.get("next"))
        # The log-in form has no session yet: its token must match the signed
        # cookie set with the form (double submit), so another site cannot log
        # a browser into an account of its choosing.
        if (
            nonce is None
            or not csrf_matches(nonce, form.get("csrf_token"))
            or not same_origin(request)
        ):
            raise PageError(403, "error.csrf")
        username = str(form.get("username", ""))
        address = request.client.host if request.client else "unknown"
        # Counted and judged before any hashing (server/accounts.py says how).
        result = await run_in_threadpool(begin_login, web.db, username, address)
        if result is None:
            try:
                async with pool.slot():
                    result = await run_in_threadpool(
                        finish_login, web.db, username, str(form.get("password", "")), address
                    )
            except PoolBusy:
                log.warning(
                    "503 on log-in: the password hashing pool is full",
                    extra={"fields": {"reason": "hashing_pool_full", "status": 503}},
                )
                page = _login_page(web, request, next_path, "login.busy", username[:64], 503)
                page.headers["Retry-After"] = "5"
                return page
        if result.outcome != LoginOutcome.OK or result.staff is None:
            error, status = {
                LoginOutcome.THROTTLED: ("login.throttled", 429),
                LoginOutcome.DISABLED: ("login.disabled", 401),
            }.get(result.outcome, ("login.wrong", 401))
            page = _login_page(web, request, next_path, error, username[:64], status=status)
            if result.retry_after_s is not None:
                page.headers["Retry-After"] = str(result.retry_after_s)
            return page
        token = await run_in_threadpool(start_session, web.db, result.staff)
        response = web.redirect(next_path)
        web.set_cookie(
            response, request, web.session_cookie(request), sign(web.secret, SESSION_PURPOSE, token)
        )
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        active, _form = await web.form(request)
        await run_in_threadpool(end_session, web.db, active.token_hash)
        response = web.redirect("/login?done=logged_out")
        response.delete_cookie(web.session_cookie(request), path="/")
        return response

    @router.get("/lang/{lang}")
    async def language(request: Request, lang: str) -> Response:
        response = web.redirect(safe_next(request.query_params.get("next"), "/"))
        if lang in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                lang,
                max_age=365 * 86400,
                path="/",
                samesite="lax",
                secure=web.secure(request),
                httponly=True,
            )
        return response

    return router


def _login_page(
    web: Web,
    request: Request,
    next_path: str,
    error: str | None = None,
    username: str = "",
    status: int = 200,
) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = web.render(
        request,
        "login.html",
        {
            "login_token": nonce,
            "next": next_path,
            "username": username,
            "error": error,
        },
        status=status,
    )
    web.set_cookie(
        response, request, LOGIN_COOKIE, sign(web.secret, LOGIN_PURPOSE, nonce), max_age=3600
    )
    return response
