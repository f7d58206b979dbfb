"""Users: list, create, suspend/unsuspend, unlock (the lockout of repeated wrong passwords)."""

from __future__ import annotations

import time

from aiohttp import web

from services.auth.accounts import AccountError
from services.auth.console.context import CONSOLE, Admin, Form, admin_action, admin_page
from services.auth.console.layout import action_button, checkbox, field, page, sesskey_field, table
from services.auth.console.render import html, join

__all__ = ["register"]


async def _users_page(request: web.Request, admin: Admin, message: str = "") -> web.Response:
    console = request.app[CONSOLE]
    now = int(time.time())
    sk = admin.session.sesskey
    rows: list[list[object]] = []
    for user in await console.store.list_users():
        locked = await console.lockout.is_locked(user.id, now)
        flags = [
            name
            for name, on in (
                ("admin", user.siteadmin),
                ("suspended", user.suspended),
                ("locked", locked),
                ("deleted", user.deleted),
            )
            if on
        ]
        verb = "unsuspend" if user.suspended else "suspend"
        actions = [
            action_button(
                f"/admin/users/{verb}",
                verb.capitalize(),
                sk,
                f"{verb}-{user.username}",
                username=user.username,
            )
        ]
        if locked:
            actions.append(
                action_button(
                    "/admin/users/unlock",
                    "Unlock",
                    sk,
                    f"unlock-{user.username}",
                    username=user.username,
                )
            )
        rows.append(
            [
                user.id,
                user.username,
                user.fullname,
                user.email,
                ", ".join(flags) or "-",
                join(actions, " "),
            ]
        )
    body = html(
        "{table}<h2>Create a user</h2><form id='createuser' method='post' "
        "action='/admin/users/create'>{sk}{username}{password}{first}{last}{email}{admin}"
        "<button type='submit' id='createuser-submit'>Create user</button></form>",
        table=table(["id", "username", "name", "email", "flags", "actions"], rows, "users"),
        sk=sesskey_field(sk),
        username=field("Username", "username", autocomplete="off"),
        password=field("Password", "password", type_="password", autocomplete="new-password"),
        first=field("First name", "firstname"),
        last=field("Last name", "lastname"),
        email=field("Email", "email", type_="email"),
        admin=checkbox("Site administrator", "siteadmin"),
    )
    return page("Users", body, message=message)


@admin_page
async def users(request: web.Request, admin: Admin) -> web.StreamResponse:
    return await _users_page(request, admin)


@admin_action
async def create(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    user = await console.accounts.create_user(
        str(form.get("username", "")).strip(),
        str(form.get("password", "")),
        firstname=str(form.get("firstname", "")),
        lastname=str(form.get("lastname", "")),
        email=str(form.get("email", "")),
        siteadmin=form.get("siteadmin") == "1",
    )
    await console.record("user_created", admin, relateduserid=user.id)
    return await _users_page(request, admin, f"Created user {user.username} (id {user.id}).")


@admin_action
async def suspend(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    username = str(form.get("username", ""))
    suspended = request.path.endswith("/suspend")
    if suspended and username == admin.user.username:
        raise AccountError("You cannot suspend your own account.")
    user = await console.accounts.get_user(username)
    if suspended and user.siteadmin:
        raise AccountError("Site administrators cannot be suspended.")
    await console.accounts.set_suspended(username, suspended)
    state = "suspended" if suspended else "reactivated"
    return await _users_page(request, admin, f"User {username} {state}.")


@admin_action
async def unlock(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    user = await console.accounts.get_user(str(form.get("username", "")))
    cleared = await console.lockout.clear(user.id)
    await console.record("user_lockout_cleared", admin, relateduserid=user.id)
    suffix = "" if cleared else " (was not locked)"
    return await _users_page(request, admin, f"User {user.username} unlocked{suffix}.")


def register(app: web.Application) -> None:
    app.router.add_get("/admin/users", users)
    app.router.add_post("/admin/users/create", create)
    app.router.add_post("/admin/users/suspend", suspend)
    app.router.add_post("/admin/users/unsuspend", suspend)
    app.router.add_post("/admin/users/unlock", unlock)
