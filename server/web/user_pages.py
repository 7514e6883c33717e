"""Staff accounts for admins: list, add, disable or enable, unlock."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from server import accounts
from server.accounts import AccountError
from server.models import StaffRole, utcnow
from server.web.site import PageError, Web


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def users_page(
        request: Request,
        error: str | None = None,
        status: int = 200,
        values: dict[str, str] | None = None,
    ) -> Response:
        users = await run_in_threadpool(accounts.list_users, web.db)
        return web.render(
            request,
            "users.html",
            {
                "users": users,
                "roles": [str(r) for r in StaffRole],
                "error": error,
                "values": values or {},
                "now": utcnow(),
            },
            status=status,
        )

    @router.get("/staff/users", response_class=HTMLResponse)
    async def user_list(request: Request) -> Response:
        await web.staff(request, StaffRole.ADMIN)
        return await users_page(request)

    @router.post("/staff/users")
    async def add_user(request: Request) -> Response:
        _active, form = await web.form(request, StaffRole.ADMIN)
        values = {k: str(form.get(k, "")) for k in ("username", "display_name", "role")}
        try:
            await run_in_threadpool(
                accounts.create_user,
                web.db,
                values["username"],
                str(form.get("password", "")),
                values["role"],
                values["display_name"],
            )
        except AccountError as exc:
            return await users_page(request, f"account.error.{exc.key}", 400, values)
        return web.redirect("/staff/users?done=user_added")

    @router.post("/staff/users/{username}/{action}")
    async def change_user(request: Request, username: str, action: str) -> Response:
        active, _form = await web.form(request, StaffRole.ADMIN)
        if action not in ("disable", "enable", "unlock"):
            raise PageError(404, "error.not_found")
        if action == "disable" and accounts.normalize_username(username) == active.staff.username:
            return await users_page(request, "account.error.self", 400)
        try:
            if action == "unlock":
                await run_in_threadpool(accounts.unlock, web.db, username)
            else:
                await run_in_threadpool(
                    accounts.set_disabled, web.db, username, action == "disable"
                )
        except AccountError:
            raise PageError(404, "error.not_found") from None
        return web.redirect(f"/staff/users?done=user_{action}d")

    return router
