"""Services: list, create, enable/disable, flags, functions from the catalog, authorised users."""

from __future__ import annotations

from aiohttp import web

from services.auth.accounts import AccountError
from services.auth.console.context import CONSOLE, Admin, Form, admin_action, admin_page
from services.auth.console.layout import (
    action_button,
    checkbox,
    field,
    page,
    select,
    sesskey_field,
    table,
    yesno,
)
from services.auth.console.render import html
from shared.records import ServiceRecord

__all__ = ["register"]


async def _list_page(request: web.Request, admin: Admin, message: str = "") -> web.Response:
    console = request.app[CONSOLE]
    sk = admin.session.sesskey
    rows: list[list[object]] = []
    for s in await console.store.list_services():
        functions = await console.store.service_functions(s.id)
        rows.append(
            [
                s.id,
                html("<a href='/admin/services/{id}'>{n}</a>", id=s.id, n=s.shortname),
                s.name,
                yesno(s.enabled),
                yesno(s.restrictedusers),
                yesno(s.downloadfiles),
                yesno(s.uploadfiles),
                len(functions),
            ]
        )
    body = html(
        "{table}<h2>Create a service</h2><form id='createservice' method='post' "
        "action='/admin/services/create'>{sk}{short}{name}{enabled}{restricted}{down}{up}{cap}"
        "<button type='submit' id='createservice-submit'>Create service</button></form>",
        table=table(
            [
                "id",
                "shortname",
                "name",
                "enabled",
                "restricted",
                "download files",
                "upload files",
                "functions",
            ],
            rows,
            "services",
        ),
        sk=sesskey_field(sk),
        short=field("Short name", "shortname", id="service-shortname"),
        name=field("Name", "name", id="service-name"),
        enabled=checkbox("Enabled", "enabled", True),
        restricted=checkbox("Authorised users only", "restrictedusers"),
        down=checkbox("Can download files", "downloadfiles"),
        up=checkbox("Can upload files", "uploadfiles"),
        cap=field("Required capability", "requiredcapability", id="service-capability"),
    )
    return page("Services", body, message=message)


@admin_page
async def services(request: web.Request, admin: Admin) -> web.StreamResponse:
    return await _list_page(request, admin)


@admin_action
async def create(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    service = await console.accounts.create_service(
        str(form.get("shortname", "")).strip(),
        name=str(form.get("name", "")).strip(),
        enabled=form.get("enabled") == "1",
        restrictedusers=form.get("restrictedusers") == "1",
        downloadfiles=form.get("downloadfiles") == "1",
        uploadfiles=form.get("uploadfiles") == "1",
        requiredcapability=str(form.get("requiredcapability", "")).strip(),
    )
    return await _service_page(request, admin, service, f"Created service {service.shortname}.")


async def _service(request: web.Request, ident: object) -> ServiceRecord:
    try:
        serviceid = int(str(ident))
    except ValueError:
        raise web.HTTPNotFound() from None
    service = await request.app[CONSOLE].store.get_service(serviceid)
    if service is None:
        raise web.HTTPNotFound()
    return service


async def _service_page(
    request: web.Request, admin: Admin, service: ServiceRecord, message: str = ""
) -> web.Response:
    console = request.app[CONSOLE]
    sk = admin.session.sesskey
    base = f"/admin/services/{service.id}"
    functions = sorted(await console.store.service_functions(service.id))
    catalog = await console.store.get_catalog()
    fn_rows: list[list[object]] = [
        [
            name,
            catalog[name].description if name in catalog else "(not in the catalog)",
            action_button(f"{base}/removefunction", "Remove", sk, f"remove-{name}", function=name),
        ]
        for name in functions
    ]
    users = {u.id: u for u in await console.store.list_users()}
    au_rows: list[list[object]] = []
    for auth in await console.store.list_authorised_users(service.id):
        user = users.get(auth.userid)
        username = user.username if user is not None else f"#{auth.userid}"
        au_rows.append(
            [
                username,
                auth.iprestriction or "-",
                auth.validuntil or "never",
                action_button(
                    f"{base}/deauthorise",
                    "Remove",
                    sk,
                    f"deauthorise-{username}",
                    username=username,
                ),
            ]
        )
    available = [(n, n) for n in sorted(catalog) if n not in functions]
    verb = "disable" if service.enabled else "enable"
    body = html(
        "<p>Short name: <code id='shortname'>{short}</code>; enabled: <b id='enabled'>{on}</b> "
        "{toggle}</p>"
        "<h2>Settings</h2><form id='settings' method='post' action='{base}/settings'>{sk}{name}"
        "{restricted}{down}{up}{cap}<button type='submit'>Save</button></form>"
        "<h2>Functions</h2>{fns}"
        "<form id='addfunction' method='post' action='{base}/addfunction'>{sk}{pick}"
        "<button type='submit' id='addfunction-submit'>Add function</button></form>"
        "<h2>Authorised users</h2><p>Checked only when the service is restricted to them.</p>"
        "{aus}<form id='authorise' method='post' action='{base}/authorise'>{sk}{user}{ip}{until}"
        "<button type='submit'>Authorise</button></form>",
        short=service.shortname,
        on=yesno(service.enabled),
        toggle=action_button(f"{base}/{verb}", verb.capitalize(), sk, f"service-{verb}"),
        base=base,
        sk=sesskey_field(sk),
        name=field("Name", "name", service.name, id="service-name"),
        restricted=checkbox("Authorised users only", "restrictedusers", service.restrictedusers),
        down=checkbox("Can download files", "downloadfiles", service.downloadfiles),
        up=checkbox("Can upload files", "uploadfiles", service.uploadfiles),
        cap=field(
            "Required capability",
            "requiredcapability",
            service.requiredcapability,
            id="service-capability",
        ),
        fns=table(["function", "description", ""], fn_rows, "functions"),
        pick=select("Function", "function", available),
        aus=table(["user", "IP restriction", "valid until", ""], au_rows, "authorised"),
        user=field("Username", "username", id="authorise-username"),
        ip=field("IP restriction", "iprestriction", id="authorise-ip"),
        until=field("Valid until (UNIX time, 0 = never)", "validuntil", 0, type_="number"),
    )
    return page(f"Service {service.name}", body, message=message)


@admin_page
async def service_page(request: web.Request, admin: Admin) -> web.StreamResponse:
    return await _service_page(request, admin, await _service(request, request.match_info["id"]))


@admin_action
async def update(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    """Every POST under /admin/services/{id}/: enable, disable, settings, functions, users."""
    console = request.app[CONSOLE]
    service = await _service(request, request.match_info["id"])
    action = request.match_info["action"]
    accounts, store = console.accounts, console.store
    if action in ("enable", "disable"):
        service = await accounts.set_enabled(service.shortname, action == "enable")
        message = f"Service {service.shortname} {action}d."
    elif action == "settings":
        service.name = str(form.get("name", "")).strip() or service.shortname
        service.restrictedusers = form.get("restrictedusers") == "1"
        service.downloadfiles = form.get("downloadfiles") == "1"
        service.uploadfiles = form.get("uploadfiles") == "1"
        service.requiredcapability = str(form.get("requiredcapability", "")).strip()
        await store.save_service(service)
        await console.record(
            "webservice_service_updated",
            admin,
            objectid=service.id,
            other={"shortname": service.shortname, "settings": True},
        )
        message = "Settings saved."
    elif action == "addfunction":
        name = str(form.get("function", ""))
        if name not in await store.get_catalog():
            raise AccountError(f"no function {name!r} in the catalog")
        await accounts.add_functions(service.shortname, [name])
        message = f"Function {name} added."
    elif action == "removefunction":
        name = str(form.get("function", ""))
        if not await store.remove_service_functions(service.id, [name]):
            raise AccountError(f"{name!r} is not in the service")
        await console.record(
            "webservice_service_updated",
            admin,
            objectid=service.id,
            other={"shortname": service.shortname, "functions_removed": [name]},
        )
        message = f"Function {name} removed."
    elif action == "authorise":
        try:
            validuntil = int(str(form.get("validuntil", "0")) or 0)
        except ValueError:
            raise AccountError("valid until is a UNIX time") from None
        username = str(form.get("username", "")).strip()
        await accounts.authorise_user(
            service.shortname,
            username,
            iprestriction=str(form.get("iprestriction", "")),
            validuntil=validuntil,
        )
        message = f"User {username} authorised."
    elif action == "deauthorise":
        username = str(form.get("username", ""))
        await accounts.deauthorise_user(service.shortname, username)
        message = f"User {username} removed."
    else:
        raise web.HTTPNotFound()
    return await _service_page(request, admin, service, message)


def register(app: web.Application) -> None:
    app.router.add_get("/admin/services", services)
    app.router.add_post("/admin/services/create", create)
    app.router.add_get(r"/admin/services/{id:\d+}", service_page)
    app.router.add_post(r"/admin/services/{id:\d+}/{action:[a-z]+}", update)
