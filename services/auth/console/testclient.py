"""The web service test client: pick a function, fill a form built from its description, run it.

The call is real: it goes to the gateway's REST endpoint (``/webservice/rest/server.php``,
JSON format) with a token of the administrator for the chosen service, so it passes every check
a client's call passes (service functions, capabilities, maintenance mode). The token is a
permanent token named :data:`TOKEN_NAME`, valid for ``console_token_lifetime`` seconds and
reused until shortly before it expires; its value never leaves the auth service.
"""

from __future__ import annotations

import json
import time

import aiohttp
from aiohttp import web

from services.auth.accounts import AccountError
from services.auth.console.context import CONSOLE, Admin, Console, Form, admin_action, admin_page
from services.auth.console.layout import page, select, sesskey_field
from services.auth.console.paramform import MAX_ITEMS, call_arguments, parameter_form
from services.auth.console.render import Markup, attrs, html
from shared.records import TOKEN_PERMANENT, ServiceRecord, UserRecord

__all__ = ["TOKEN_NAME", "register"]

TOKEN_NAME = "Admin console test client"  # noqa: S105  (a label, not a secret)
#: A token this close to its expiry is replaced rather than reused.
_MARGIN = 60
_CALL_TIMEOUT = 60.0


async def _token_for(console: Console, admin: UserRecord, service: ServiceRecord) -> str:
    now = int(time.time())
    for token, _ in await console.store.user_tokens(admin.id):
        if token.name != TOKEN_NAME or token.tokentype != TOKEN_PERMANENT:
            continue
        if token.validuntil and token.validuntil < now + _MARGIN:
            await console.store.delete_token(token)  # expired or about to: tidy it away
        elif token.serviceid == service.id:
            return console.accounts.token_value(token)
    lifetime = console.console.console_token_lifetime
    token, value = await console.accounts.create_token(
        admin, service, validuntil=now + lifetime, creatorid=admin.id, name=TOKEN_NAME
    )
    if console.audit is not None:
        await console.audit.record(
            "webservice_token_created",
            userid=admin.id,
            objectid=token.id,
            relateduserid=admin.id,
            origin="admin-console",
            other={"auto": True, "service": service.shortname},
        )
    return value


def _gateway(console: Console) -> str:
    return (console.console.console_gateway_url or console.settings.wwwroot).rstrip("/")


async def _call(
    console: Console, token: str, function: str, args: list[tuple[str, str]]
) -> tuple[int, str]:
    if console.http is None:
        raise AccountError("the test client is not running (no HTTP client)")
    data = [("wstoken", token), ("wsfunction", function), ("moodlewsrestformat", "json"), *args]
    url = f"{_gateway(console)}/webservice/rest/server.php"
    try:
        async with console.http.post(
            url, data=data, timeout=aiohttp.ClientTimeout(total=_CALL_TIMEOUT)
        ) as resp:
            return resp.status, await resp.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise AccountError(f"the gateway at {url} did not answer: {exc!r}") from None


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


async def _render(
    request: web.Request,
    admin: Admin,
    *,
    function: str,
    service: str,
    items: int,
    values: dict[str, str],
    result: Markup | None = None,
) -> web.Response:
    console = request.app[CONSOLE]
    catalog = await console.store.get_catalog()
    services = await console.store.list_services()
    info = catalog.get(function)
    if info is not None and not service:
        for s in services:  # default: a service that offers the function
            if s.enabled and await console.store.service_has_function(s.id, function):
                service = s.shortname
                break
    chooser = html(
        "<form id='choose' method='get' action='/admin/testclient'>{fn}{sv}{it}"
        "<button type='submit' id='choose-submit'>Select</button></form>",
        fn=select(
            "Function", "wsfunction", [("", "-"), *[(n, n) for n in sorted(catalog)]], function
        ),
        sv=select("Service", "wsservice", [(s.shortname, s.name) for s in services], service),
        it=select(
            "List entries",
            "wsitems",
            [(str(i), str(i)) for i in range(1, MAX_ITEMS + 1)],
            str(items),
        ),
    )
    form = html("")
    if info is not None:
        form = html(
            "<h2>{name}</h2><p id='fndescription'>{desc}</p><form id='testclient' method='post' "
            "action='/admin/testclient'>{sk}<input{fn}><input{sv}><input{it}>{fields}"
            "<button type='submit' id='testclient-submit'>Execute</button></form>",
            name=info.name,
            desc=info.description,
            sk=sesskey_field(admin.session.sesskey),
            fn=attrs(type="hidden", name="wsfunction", value=info.name),
            sv=attrs(type="hidden", name="wsservice", value=service),
            it=attrs(type="hidden", name="wsitems", value=items),
            fields=parameter_form(info.parameters, values, items),
        )
    body = html("{chooser}{form}{result}", chooser=chooser, form=form, result=result or "")
    return page("Web service test client", body)


def _items(text: object) -> int:
    try:
        return max(1, min(MAX_ITEMS, int(str(text))))
    except ValueError:
        return 1


@admin_page
async def testclient(request: web.Request, admin: Admin) -> web.StreamResponse:
    q = request.query
    return await _render(
        request,
        admin,
        function=q.get("wsfunction", ""),
        service=q.get("wsservice", ""),
        items=_items(q.get("wsitems", "1")),
        values={},
    )


@admin_action
async def execute(request: web.Request, admin: Admin, form: Form) -> web.StreamResponse:
    console = request.app[CONSOLE]
    function = str(form.get("wsfunction", ""))
    if function not in await console.store.get_catalog():
        raise AccountError(f"no function {function!r} in the catalog")
    service = await console.accounts.get_service(str(form.get("wsservice", "")))
    args = call_arguments(form.items())
    token = await _token_for(console, admin.user, service)
    status, text = await _call(console, token, function, args)
    result = html(
        "<h2>Result</h2><p>HTTP {status} from {url}</p><pre id='result'>{body}</pre>",
        status=status,
        url="/webservice/rest/server.php",
        body=_pretty(text),
    )
    return await _render(
        request,
        admin,
        function=function,
        service=service.shortname,
        items=_items(form.get("wsitems", "1")),
        values=dict(args),
        result=result,
    )


def register(app: web.Application) -> None:
    app.router.add_get("/admin/testclient", testclient)
    app.router.add_post("/admin/testclient", execute)
