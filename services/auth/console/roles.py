"""Roles: list, create, grant/revoke capabilities, assign/unassign users (in a context)."""

from __future__ import annotations

import re

from aiohttp import web

from services.auth.accounts import AccountError
from services.auth.console.context import CONSOLE, Admin, Form, admin_action, admin_page
from services.auth.console.layout import action_button, field, page, select, sesskey_field, table
from services.auth.console.render import html, join
from shared.contexts import SYSTEM_CONTEXT_ID
from shared.roles import RoleRecord

__all__ = ["register"]

_CAPABILITY = re.compile(r"[a-z][a-z0-9_]*/[a-z0-9_]+:[a-z0-9_]+")


def _capabilities(text: str) -> list[str]:
    caps = [c.strip() for c in re.split(r"[\s,]+", text) if c.strip()]
    bad = [c for c in caps if not _CAPABILITY.fullmatch(c)]
    if bad:
        raise AccountError(f"not capability names (like moodle/site:config): {', '.join(bad)}")
    return caps


async def _roles_page(request: web.Request, admin: Admin, message: str = "") -> web.Response:
    console = request.app[CONSOLE]
    sk = admin.session.sesskey
    roles = await console.roles.list_roles()
    byid = {r.id: r for r in roles}
    holders: dict[int, list[str]] = {r.id: [] for r in roles}
    for user in await console.store.list_users():
        for a in await console.roles.assignments(user.id):
            if a.roleid in holders:
                remove = action_button(
                    "/admin/roles/unassign",
                    "x",
                    sk,
                    f"unassign-{a.roleid}-{user.username}",
                    role=byid[a.roleid].shortname,
                    username=user.username,
                    contextid=a.contextid,
                )
                holders[a.roleid].append(
                    html("{u} (context {c}) {x}", u=user.username, c=a.contextid, x=remove)
                )
    rows: list[list[object]] = []
    for role in roles:
        caps = join(
            (
                html(
                    "<li>{c} {x}</li>",
                    c=cap,
                    x=action_button(
                        "/admin/roles/revoke",
                        "revoke",
                        sk,
                        f"revoke-{role.shortname}-{cap}",
                        role=role.shortname,
                        capability=cap,
                    ),
                )
                for cap in role.capabilities
            ),
        )
        rows.append(
            [
                role.id,
                role.shortname,
                role.name,
                html("<ul>{c}</ul>", c=caps),
                join(holders[role.id], ", ") or "-",
            ]
        )
    options = [(r.shortname, f"{r.name} ({r.shortname})") for r in roles]
    body = html(
        "{table}"
        "<h2>Create a role</h2><form id='createrole' method='post' action='/admin/roles/create'>"
        "{sk}{short}{name}{desc}{caps}<button type='submit'>Create role</button></form>"
        "<h2>Grant a capability</h2><form id='grant' method='post' action='/admin/roles/grant'>"
        "{sk}{role_g}{cap}<button type='submit'>Grant</button></form>"
        "<h2>Assign a role</h2><form id='assign' method='post' action='/admin/roles/assign'>"
        "{sk}{role_a}{user}{ctx}<button type='submit'>Assign</button></form>",
        table=table(["id", "shortname", "name", "capabilities", "assigned to"], rows, "roles"),
        sk=sesskey_field(sk),
        short=field("Short name", "shortname", id="role-shortname"),
        name=field("Name", "name", id="role-name"),
        desc=field("Description", "description", id="role-description"),
        caps=field("Capabilities (comma-separated)", "capabilities", id="role-capabilities"),
        role_g=select("Role", "role", options),
        cap=field("Capability", "capability", id="grant-capability"),
        role_a=select("Role", "role", options),
        user=field("Username", "username", id="assign-username"),
        ctx=field("Context id", "contextid", SYSTEM_CONTEXT_ID, type_="number", id="assign-ctx"),
    )
    return page("Roles", body, message=message)


@admin_page
async def roles(request: web.Request, admin: Admin) -> web.StreamResponse:
    return await _roles_page(request, admin)


async def _role(request: web.Request, form: Form) -> RoleRecord:
    shortname = str(form.get("role", ""))
    role = await request.app[CONSOLE].roles.get_role_by_shortname(shortname)
    if role is None:
        raise AccountError(f"unknown role {shortname!r}")
    return role


@admin_action
async def create(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    shortname = str(form.get("shortname", "")).strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", shortname):
        raise AccountError(f"invalid role shortname {shortname!r}: lower-case letters, digits, _")
    try:
        role = await console.roles.create_role(
            shortname,
            str(form.get("name", "")).strip(),
            _capabilities(str(form.get("capabilities", ""))),
            str(form.get("description", "")),
        )
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    await console.record("role_created", admin, objectid=role.id, other={"shortname": shortname})
    return await _roles_page(request, admin, f"Created role {role.shortname}.")


@admin_action
async def grant(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    role = await _role(request, form)
    caps = _capabilities(str(form.get("capability", "")))
    if not caps:
        raise AccountError("no capability given")
    granting = request.path.endswith("/grant")
    current = set(role.capabilities)
    wanted = current | set(caps) if granting else current - set(caps)
    await console.roles.set_capabilities(role, wanted)
    verb = "grant" if granting else "revoke"
    await console.record(
        "role_capabilities_updated",
        admin,
        objectid=role.id,
        other={"shortname": role.shortname, verb: sorted(caps)},
    )
    done = "granted to" if granting else "revoked from"
    return await _roles_page(request, admin, f"{', '.join(caps)} {done} {role.shortname}.")


@admin_action
async def assign(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    role = await _role(request, form)
    user = await console.accounts.get_user(str(form.get("username", "")).strip())
    try:
        contextid = int(str(form.get("contextid", SYSTEM_CONTEXT_ID)) or SYSTEM_CONTEXT_ID)
    except ValueError:
        raise AccountError("the context id is a number") from None
    if await console.contexts.get(contextid) is None:
        raise AccountError(f"unknown context id {contextid}")
    other = {"contextid": contextid}
    if request.path.endswith("/assign"):
        await console.roles.assign(user.id, role.id, contextid)
        await console.record(
            "role_assigned", admin, objectid=role.id, relateduserid=user.id, other=other
        )
        message = f"Role {role.shortname} assigned to {user.username} in context {contextid}."
    else:
        if not await console.roles.unassign(user.id, role.id, contextid):
            raise AccountError(
                f"{user.username} has no role {role.shortname} in context {contextid}"
            )
        await console.record(
            "role_unassigned", admin, objectid=role.id, relateduserid=user.id, other=other
        )
        message = f"Role {role.shortname} unassigned from {user.username} in context {contextid}."
    return await _roles_page(request, admin, message)


def register(app: web.Application) -> None:
    app.router.add_get("/admin/roles", roles)
    app.router.add_post("/admin/roles/create", create)
    app.router.add_post("/admin/roles/grant", grant)
    app.router.add_post("/admin/roles/revoke", grant)
    app.router.add_post("/admin/roles/assign", assign)
    app.router.add_post("/admin/roles/unassign", assign)
