"""Browser sessions: Moodle's ``/login/index.php`` form and ``/login/logout.php``.

A successful form login sets the ``MoodleSession`` cookie (HttpOnly, SameSite=Lax, Secure over
HTTPS) backed by :class:`shared.sessions.SessionStore`; pages learn the session's ``sesskey``
from ``M.cfg.sesskey`` in the page, as Moodle pages expose it, and send it with every AJAX call.
The form itself is protected against login CSRF with a double-submitted ``logintoken``.
Credentials are checked by the same code as token.php (lockout, uniform failures).
"""

from __future__ import annotations

import html
import json
import secrets
import time

from aiohttp import web

from services.auth.login import Login
from services.auth.request import client_origin, read_params
from services.auth.settings import AuthSettings
from shared.errors import WSError
from shared.sessions import SessionRecord, SessionStore
from shared.store import Store

__all__ = ["LOGIN_TOKEN_COOKIE", "SESSION_COOKIE", "register_session_routes"]

SESSION_COOKIE = "MoodleSession"
LOGIN_TOKEN_COOKIE = "MoodleLoginToken"  # noqa: S105  (a cookie name)
SESSIONS = web.AppKey("sessions", SessionStore)

_HTML = "text/html"
_NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "SAMEORIGIN"}


def _page(title: str, body: str, script: str = "") -> web.Response:
    text = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>{script}</head><body>{body}</body></html>"
    )
    return web.Response(text=text, content_type=_HTML, headers=_NO_STORE)


def _safe_target(wantsurl: str) -> str:
    """Only local paths: an open redirect would hand the session to phishing pages."""
    if wantsurl.startswith("/") and not wantsurl.startswith("//") and "\\" not in wantsurl:
        return wantsurl
    return "/login/index.php"


def _form(logintoken: str, wantsurl: str, error: str = "") -> str:
    message = f"<p id='loginerrormessage' role='alert'>{html.escape(error)}</p>" if error else ""
    return (
        f"<h1>Log in</h1>{message}"
        "<form id='login' method='post' action='/login/index.php'>"
        f"<input type='hidden' name='logintoken' value='{html.escape(logintoken)}'>"
        f"<input type='hidden' name='wantsurl' value='{html.escape(wantsurl)}'>"
        "<label>Username <input id='username' name='username' autocomplete='username'></label>"
        "<label>Password <input id='password' name='password' type='password' "
        "autocomplete='current-password'></label>"
        "<button id='loginbtn' type='submit'>Log in</button></form>"
    )


def _set_cookie(
    response: web.StreamResponse, name: str, value: str, *, secure: bool, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
        max_age=max_age,
    )


async def _current(request: web.Request) -> SessionRecord | None:
    return await request.app[SESSIONS].get(request.cookies.get(SESSION_COOKIE, ""))


async def login_page(request: web.Request) -> web.Response:
    """GET: the form, or, with a live session, the logged-in page carrying ``M.cfg``."""
    session = await _current(request)
    if session is not None:
        return await _logged_in_page(request, session)
    _, https = client_origin(request, request.app[_SETTINGS].trusted_proxies)
    logintoken = secrets.token_urlsafe(24)
    response = _page(
        "Log in", _form(logintoken, _safe_target(request.query.get("wantsurl", "/login/index.php")))
    )
    _set_cookie(response, LOGIN_TOKEN_COOKIE, logintoken, secure=https, max_age=3600)
    return response


async def _logged_in_page(request: web.Request, session: SessionRecord) -> web.Response:
    user = await request.app[_STORE].get_user(session.userid)
    name = user.fullname if user is not None else ""
    cfg = {"sesskey": session.sesskey, "userid": session.userid}
    # json.dumps output is safe inside <script> once "<" cannot open a tag.
    script = "<script>var M = {cfg: " + json.dumps(cfg).replace("<", "\\u003c") + "};</script>"
    body = (
        f"<p id='loggedin'>You are logged in as {html.escape(name)}</p>"
        f"<a id='logout' href='/login/logout.php?sesskey={session.sesskey}'>Log out</a>"
    )
    return _page("Dashboard", body, script)


async def login_submit(request: web.Request) -> web.Response:
    """POST: check the credentials and open a session; the form again on failure."""
    settings = request.app[_SETTINGS]
    params = await read_params(request)
    remote, https = client_origin(request, settings.trusted_proxies)
    wantsurl = _safe_target(params.get("wantsurl", "/login/index.php"))
    token = params.get("logintoken", "")
    expected = request.cookies.get(LOGIN_TOKEN_COOKIE, "")
    if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
        response = _page(
            "Log in",
            _form(
                expected or secrets.token_urlsafe(24),
                wantsurl,
                "Your session has expired. Please log in again.",
            ),
        )
        response.set_status(403)
        return response
    login = request.app[_LOGIN]
    try:
        user = await login._authenticate(  # the one credential check (lockout, uniform failures)
            params.get("username", "").strip().lower(),
            params.get("password", ""),
            remote,
            int(time.time()),
        )
    except WSError:
        response = _page("Log in", _form(expected, wantsurl, "Invalid login, please try again"))
        response.set_status(401)
        return response
    sid, _record = await request.app[SESSIONS].create(user.id)
    response = web.HTTPSeeOther(wantsurl)
    _set_cookie(response, SESSION_COOKIE, sid, secure=https, max_age=None)
    response.del_cookie(LOGIN_TOKEN_COOKIE, path="/")
    raise response


async def logout(request: web.Request) -> web.Response:
    """End the session (with its sesskey, as Moodle requires) and its embedded tokens."""
    session = await _current(request)
    params = await read_params(request)
    if session is None:
        raise web.HTTPSeeOther("/login/index.php")
    if not secrets.compare_digest(params.get("sesskey", "").encode(), session.sesskey.encode()):
        body = (
            "<p>Do you really want to log out?</p>"
            f"<a id='confirm' href='/login/logout.php?sesskey={session.sesskey}'>Log out</a>"
        )
        return _page("Log out", body)
    await request.app[SESSIONS].destroy(session, request.app[_STORE])
    response = web.HTTPSeeOther("/login/index.php")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


_SETTINGS = web.AppKey("session_settings", AuthSettings)
_STORE = web.AppKey("session_store", Store)
_LOGIN = web.AppKey("session_login", Login)


def register_session_routes(
    app: web.Application, settings: AuthSettings, store: Store, login: Login
) -> None:
    """Add the browser login and logout pages to the auth app."""
    app[_SETTINGS] = settings
    app[_STORE] = store
    app[_LOGIN] = login
    app[SESSIONS] = SessionStore(store.redis, store.names, settings.session_ttl)
    for path, get, post in (
        ("login/index.php", login_page, login_submit),
        ("login/logout.php", logout, logout),
    ):
        app.router.add_route("GET", r"/{lead:/*}" + path, get)
        app.router.add_route("POST", r"/{lead:/*}" + path, post)
