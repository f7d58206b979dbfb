"""The console's page frame and form pieces (all through the escaping renderer)."""

from __future__ import annotations

from aiohttp import web

from services.auth.console.render import Markup, attrs, escape, html, join, raw

__all__ = [
    "NAV",
    "action_button",
    "checkbox",
    "error_page",
    "field",
    "page",
    "select",
    "sesskey_field",
    "table",
]

#: Pages are never cached (tokens appear once), never framed, and run no script at all.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}

NAV: tuple[tuple[str, str], ...] = (
    ("/admin/", "Overview"),
    ("/admin/users", "Users"),
    ("/admin/roles", "Roles"),
    ("/admin/services", "Services"),
    ("/admin/tokens", "Tokens"),
    ("/admin/site", "Site"),
    ("/admin/audit", "Audit"),
    ("/admin/stats", "Statistics"),
    ("/admin/testclient", "Test client"),
    ("/docs", "API documentation"),
)

_STYLE = raw(
    "<style>body{font-family:sans-serif;margin:1em 2em}nav a{margin-right:1em}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
    "text-align:left;vertical-align:top}fieldset{margin:.5em 0}label{display:block;margin:.2em 0}"
    ".message{background:#dfd;padding:.5em}.error{background:#fdd;padding:.5em}"
    "form.inline{display:inline}</style>"
)


def page(
    title: str,
    body: Markup,
    *,
    message: str = "",
    error: str = "",
    status: int = 200,
    nav: bool = True,
) -> web.Response:
    """A whole console page."""
    links = join(html("<a href='{href}'>{label}</a>", href=h, label=t) for h, t in NAV)
    notes = Markup("")
    if message:
        notes = html("<p id='message' class='message' role='status'>{m}</p>", m=message)
    if error:
        notes = Markup(notes + html("<p id='error' class='error' role='alert'>{m}</p>", m=error))
    text = html(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>{title} - Administration</title>{style}</head><body>"
        "<nav>{links}</nav><h1>{title}</h1>{notes}{body}</body></html>",
        title=title,
        style=_STYLE,
        links=links if nav else Markup(""),
        notes=notes,
        body=body,
    )
    return web.Response(text=text, status=status, content_type="text/html", headers=HEADERS)


def error_page(title: str, message: str, *, status: int) -> web.Response:
    return page(title, Markup(""), error=message, status=status, nav=status != 403)


def sesskey_field(sesskey: str) -> Markup:
    return html("<input type='hidden' name='sesskey' value='{v}'>", v=sesskey)


def field(
    label: str, name: str, value: object = "", *, type_: str = "text", **extra: object
) -> Markup:
    return html(
        "<label>{label} <input{a}></label>",
        label=label,
        a=attrs(name=name, id=extra.pop("id", name), type=type_, value=value, **extra),
    )


def checkbox(label: str, name: str, checked: bool = False) -> Markup:
    return html(
        "<label><input{a}> {label}</label>",
        label=label,
        a=attrs(type="checkbox", name=name, id=name, value="1", checked=checked),
    )


def select(label: str, name: str, options: list[tuple[str, str]], selected: str = "") -> Markup:
    opts = join(
        html("<option{a}>{text}</option>", a=attrs(value=v, selected=v == selected), text=t)
        for v, t in options
    )
    return html(
        "<label>{label} <select{a}>{opts}</select></label>",
        label=label,
        a=attrs(name=name, id=name),
        opts=opts,
    )


def action_button(
    action: str, label: str, sesskey: str, button_id: str = "", **hidden: object
) -> Markup:
    """A one-button POST form (suspend, revoke, remove ...)."""
    fields = join(
        html("<input type='hidden' name='{n}' value='{v}'>", n=n, v=v) for n, v in hidden.items()
    )
    return html(
        "<form class='inline' method='post' action='{action}'>{sk}{fields}"
        "<button{a}>{label}</button></form>",
        action=action,
        sk=sesskey_field(sesskey),
        fields=fields,
        a=attrs(type="submit", id=button_id or None),
        label=label,
    )


def table(header: list[str], rows: list[list[object]], table_id: str = "") -> Markup:
    head = join(html("<th>{h}</th>", h=h) for h in header)
    body = join(
        html("<tr>{cells}</tr>", cells=join(html("<td>{c}</td>", c=c) for c in row)) for row in rows
    )
    return html(
        "<table{a}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
        a=attrs(id=table_id or None),
        head=head,
        body=body,
    )


def yesno(flag: bool) -> str:
    return "yes" if flag else "no"


__all__ += ["HEADERS", "escape", "yesno"]
