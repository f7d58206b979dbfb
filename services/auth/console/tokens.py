"""Tokens: list (never their values), create (the value is shown once, on the result page), revoke.

Token values are derived from the record's nonce and the site secret, so the console *could*
show them again; it never does: the only page that carries a value is the answer to the POST
that created it, sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aiohttp import web

from services.auth.accounts import AccountError
from services.auth.console.context import CONSOLE, Admin, Form, admin_action, admin_page
from services.auth.console.layout import action_button, field, page, select, sesskey_field, table
from services.auth.console.render import html

__all__ = ["register", "when"]


def when(timestamp: float, zero: str = "never") -> str:
    if not timestamp:
        return zero
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


async def _tokens_page(
    request: web.Request, admin: Admin, message: str = "", created: str = ""
) -> web.Response:
    console = request.app[CONSOLE]
    sk = admin.session.sesskey
    users = {u.id: u.username for u in await console.store.list_users()}
    services = await console.store.list_services()
    names = {s.id: s.shortname for s in services}
    rows: list[list[object]] = [
        [
            t.id,
            users.get(t.userid, f"#{t.userid}"),
            names.get(t.serviceid, f"#{t.serviceid}"),
            t.name,
            when(t.timecreated),
            when(t.validuntil),
            when(lastaccess),
            t.iprestriction or "-",
            action_button("/admin/tokens/revoke", "Revoke", sk, f"revoke-{t.id}", id=t.id),
        ]
        for t, lastaccess in await console.accounts.tokens()
    ]
    shown = html("")
    if created:
        shown = html(
            "<div id='newtoken'><p>Copy the token now: it is not shown again.</p>"
            "<p><code id='tokenvalue'>{v}</code></p></div>",
            v=created,
        )
    body = html(
        "{shown}{table}<h2>Create a token</h2><form id='createtoken' method='post' "
        "action='/admin/tokens/create'>{sk}{user}{service}{name}{days}{ip}"
        "<button type='submit' id='createtoken-submit'>Create token</button></form>",
        shown=shown,
        table=table(
            [
                "id",
                "user",
                "service",
                "name",
                "created",
                "valid until",
                "last access",
                "IP restriction",
                "",
            ],
            rows,
            "tokens",
        ),
        sk=sesskey_field(sk),
        user=field("Username", "username", id="token-username"),
        service=select("Service", "service", [(s.shortname, s.name) for s in services]),
        name=field("Name", "name", id="token-name"),
        days=field("Valid for days (0 = no expiry)", "days", 0, type_="number", min="0"),
        ip=field("IP restriction", "iprestriction", id="token-ip"),
    )
    return page("Tokens", body, message=message)


@admin_page
async def tokens(request: web.Request, admin: Admin) -> web.StreamResponse:
    return await _tokens_page(request, admin)


@admin_action
async def create(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    accounts = console.accounts
    user = await accounts.get_user(str(form.get("username", "")).strip())
    service = await accounts.get_service(str(form.get("service", "")))
    try:
        days = int(str(form.get("days", "0")) or 0)
    except ValueError:
        raise AccountError("valid for days is a whole number") from None
    if days < 0:
        raise AccountError("valid for days cannot be negative")
    token, value = await accounts.create_token(
        user,
        service,
        validuntil=int(time.time()) + days * 86400 if days else 0,
        iprestriction=str(form.get("iprestriction", "")),
        creatorid=admin.user.id,
        name=str(form.get("name", "")).strip(),
    )
    await console.record(
        "webservice_token_created",
        admin,
        objectid=token.id,
        relateduserid=user.id,
        other={"auto": False, "service": service.shortname},
    )
    message = f"Created token {token.id} for {user.username} on {service.shortname}."
    return await _tokens_page(request, admin, message, created=value)


@admin_action
async def revoke(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    accounts = request.app[CONSOLE].accounts
    try:
        tokenid = int(str(form.get("id", "")))
    except ValueError:
        raise AccountError("no token id given") from None
    token = await accounts.find_token_by_id(tokenid)
    await accounts.revoke_token(token)
    return await _tokens_page(request, admin, f"Revoked token {tokenid}.")


def register(app: web.Application) -> None:
    app.router.add_get("/admin/tokens", tokens)
    app.router.add_post("/admin/tokens/create", create)
    app.router.add_post("/admin/tokens/revoke", revoke)
