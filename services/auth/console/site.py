"""Site switches and maintenance mode, the audit stream, per-function call statistics."""

from __future__ import annotations

from collections import Counter

from aiohttp import web

from services.auth.admin_config import SWITCHES, list_switches, set_switch
from services.auth.console.context import CONSOLE, Admin, Form, admin_action, admin_page
from services.auth.console.layout import action_button, field, page, table
from services.auth.console.render import html
from services.auth.console.tokens import when
from shared.audit import read_events

__all__ = ["register"]

_AUDIT_LIMIT = 200


@admin_page
async def overview(request: web.Request, admin: Admin) -> web.StreamResponse:
    console = request.app[CONSOLE]
    config = {e.name: e.value for e in await list_switches(console.store)}
    body = html(
        "<p>Logged in as <b id='adminname'>{name}</b>.</p><ul>"
        "<li>Users: {users}</li><li>Services: {services}</li><li>Tokens: {tokens}</li>"
        "<li>Functions in the catalog: {functions}</li>"
        "<li>Web services: {ws}; maintenance mode: <b id='maintenance'>{maint}</b></li></ul>"
        "<p>The <a href='/docs'>API documentation</a> lists every function.</p>",
        name=admin.user.fullname,
        users=len(await console.store.list_users()),
        services=len(await console.store.list_services()),
        tokens=len(await console.store.list_tokens()),
        functions=len(await console.store.get_catalog()),
        ws="on" if config.get("enablewebservices") == "1" else "off",
        maint="on" if config.get("maintenance_enabled") == "1" else "off",
    )
    return page("Administration", body)


async def _site_page(request: web.Request, admin: Admin, message: str = "") -> web.Response:
    console = request.app[CONSOLE]
    sk = admin.session.sesskey
    rows: list[list[object]] = []
    for entry in await list_switches(console.store):
        if SWITCHES[entry.name].kind == "bool":
            on = entry.value == "1"
            change = action_button(
                "/admin/site/set",
                "Turn off" if on else "Turn on",
                sk,
                f"switch-{entry.name}",
                name=entry.name,
                value="0" if on else "1",
            )
            value: object = "on" if on else "off"
        else:
            change = html(
                "<form class='inline' method='post' action='/admin/site/set'>"
                "<input type='hidden' name='sesskey' value='{sk}'>"
                "<input type='hidden' name='name' value='{n}'>{f}<button type='submit'>Set</button>"
                "</form>",
                sk=sk,
                n=entry.name,
                f=field("", "value", entry.value, id=f"value-{entry.name}"),
            )
            value = entry.value
        rows.append(
            [
                entry.name,
                html("<span id='{i}'>{v}</span>", i=f"state-{entry.name}", v=value),
                entry.help,
                change,
            ]
        )
    return page(
        "Site", table(["setting", "value", "meaning", ""], rows, "switches"), message=message
    )


@admin_page
async def site(request: web.Request, admin: Admin) -> web.StreamResponse:
    return await _site_page(request, admin)


@admin_action
async def set_config(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    name = str(form.get("name", ""))
    stored = await set_switch(console.store, name, str(form.get("value", "")))
    await console.record("config_log_created", admin, other={"name": name, "value": stored})
    return await _site_page(request, admin, f"{name} = {stored}")


@admin_page
async def audit(request: web.Request, admin: Admin) -> web.StreamResponse:
    del admin
    console = request.app[CONSOLE]
    eventname = request.query.get("event", "")[:100]
    events = await read_events(
        console.store.redis, console.store.names, limit=_AUDIT_LIMIT, eventname=eventname
    )
    rows: list[list[object]] = [
        [
            when(e.timecreated),
            e.eventname,
            e.reason or "",
            e.userid or "",
            e.relateduserid or "",
            e.objectid or "",
            e.remoteaddr,
            e.origin,
            ", ".join(f"{k}={v}" for k, v in sorted(e.other.items())),
        ]
        for e in reversed(events)
    ]
    body = html(
        "<form method='get' action='/admin/audit'>{f}<button type='submit'>Filter</button></form>"
        "<p>The newest {n} events, newest first.</p>{table}",
        f=field("Event name", "event", eventname),
        n=_AUDIT_LIMIT,
        table=table(
            [
                "time",
                "event",
                "reason",
                "user",
                "related user",
                "object",
                "address",
                "origin",
                "details",
            ],
            rows,
            "audit",
        ),
    )
    return page("Audit", body)


@admin_page
async def stats(request: web.Request, admin: Admin) -> web.StreamResponse:
    """Calls per function and protocol, counted from the audit stream's
    ``webservice_function_called`` events (the newest ``console_stats_events`` of them)."""
    del admin
    console = request.app[CONSOLE]
    events = await read_events(
        console.store.redis,
        console.store.names,
        limit=console.console.console_stats_events,
        eventname="webservice_function_called",
    )
    calls: Counter[tuple[str, str]] = Counter()
    last: dict[tuple[str, str], float] = {}
    users: dict[tuple[str, str], set[int]] = {}
    for e in events:
        key = (str(e.other.get("function", "")), str(e.other.get("protocol", "")))
        calls[key] += 1
        last[key] = max(last.get(key, 0.0), e.timecreated)
        users.setdefault(key, set()).add(e.userid)
    rows: list[list[object]] = [
        [fn, proto, count, len(users[(fn, proto)]), when(last[(fn, proto)])]
        for (fn, proto), count in sorted(calls.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    since = when(events[0].timecreated) if events else "-"
    body = html(
        "<p>{total} calls since {since} (from the audit stream).</p>{table}",
        total=len(events),
        since=since,
        table=table(["function", "protocol", "calls", "users", "last call"], rows, "stats"),
    )
    return page("Call statistics", body)


def register(app: web.Application) -> None:
    app.router.add_get("/admin", overview)
    app.router.add_get("/admin/", overview)
    app.router.add_get("/admin/site", site)
    app.router.add_post("/admin/site/set", set_config)
    app.router.add_get("/admin/audit", audit)
    app.router.add_get("/admin/stats", stats)
