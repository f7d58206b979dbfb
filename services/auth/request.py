"""Reading token.php requests the way PHP does, and where they came from.

PHP merges ``$_GET`` and ``$_POST`` (POST wins), keeps the last of repeated keys, and Moodle's
PARAM cleaning drops invalid UTF-8 rather than rejecting it; clients depend on all three
(see reference/clients-in-the-wild.md).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web

from shared.errors import InvalidParameterException
from shared.iprestriction import forwarded_client, ip_matches

__all__ = ["client_origin", "read_params"]

_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def _parse_query(text: str) -> dict[str, str]:
    # errors="ignore" is Moodle's fix_utf8(): invalid byte sequences vanish.
    return dict(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="ignore"))


async def read_params(request: web.Request) -> dict[str, str]:
    """Query and form parameters merged, the body winning on a clash.

    Raises :class:`InvalidParameterException` for a body over the app's ``client_max_size`` or
    a malformed multipart body; other bodies (JSON, ...) are ignored, as PHP ignores them.
    """
    params = _parse_query(request.rel_url.raw_query_string)
    if request.method != "POST" or not request.body_exists:
        return params
    try:
        if request.content_type == _MULTIPART:
            form = await request.post()
            params.update((k, v) for k, v in form.items() if isinstance(v, str))
        elif request.content_type == _FORM or "Content-Type" not in request.headers:
            # PHP would ignore a body without Content-Type; reading it as a form is harmless
            # and helps clients that post a bare "username=...&password=..." string.
            body = await request.read()
            params.update(_parse_query(body.decode("utf-8", errors="ignore")))
    except web.HTTPRequestEntityTooLarge:
        raise InvalidParameterException("request body too large") from None
    except ValueError as exc:  # malformed multipart framing
        raise InvalidParameterException(f"malformed request body: {exc}") from None
    return params


def _first_hop(value: str) -> str:
    return value.split(",", maxsplit=1)[0].strip().lower()


def client_origin(request: web.Request, trusted_proxies: str) -> tuple[str, bool]:
    """The client's address and whether it reached the site over HTTPS.

    Forwarding headers are believed only from ``trusted_proxies`` (the gateway forwards
    token.php here and adds them); anyone else could forge them to pass IP restrictions.
    """
    peer = request.remote or ""
    if not trusted_proxies or not ip_matches(peer, trusted_proxies):
        return peer, request.scheme == "https"
    remote = forwarded_client(peer, request.headers.getall("X-Forwarded-For", []), trusted_proxies)
    proto = request.headers.get("X-Forwarded-Proto")
    https = _first_hop(proto) == "https" if proto else request.scheme == "https"
    return remote, https
