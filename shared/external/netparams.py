"""Validators for the network-shaped PARAM types: URL, LOCALURL, EMAIL, HOST.

Moodle delegates these to third-party code (``validateUrlSyntax()``, PHPMailer); the rules
below restate what those accept for the options Moodle passes:

* URL: optional ``http``/``https``/``ftp`` scheme; no user or password; an optional address
  that is a dotted IPv4 or a domain with at least one dot and a TLD starting with a letter
  (so ``http://localhost/`` is invalid, as in Moodle); optional port after an address; a path
  of non-empty ``/``-segments of RFC 2396 ``pchar`` with an optional final ``/``; optional
  query and fragment. A scheme-less,
  address-less value must therefore be a root-relative path (``/a/b``).
* LOCALURL: a valid URL that equals the site's wwwroot, starts with ``wwwroot/``, is
  root-relative, or is a relative path with nothing but path/query/fragment characters and no
  ``javascript:``.
* EMAIL: dot-atom local part (≤ 64 chars) ``@`` a dotted domain (TLD starting with a letter) or
  an ``[IPv4]`` literal; no ``<``/``>``; at most 254 characters.
* HOST: characters outside ``[.0-9A-Za-z_-]`` are removed; if a dotted quad occurs it must have
  octets ≤ 255; otherwise the host must not start or end with ``.`` or ``-``.
"""

from __future__ import annotations

import re
from typing import Any

from shared.external.php import fix_utf8, php_empty, php_str

__all__ = ["clean_email", "clean_host", "clean_localurl", "clean_url", "valid_email", "valid_url"]

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"(?:{_OCTET}\.){{3}}{_OCTET}"
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_DOMAIN = rf"(?:{_LABEL}\.)+[a-zA-Z](?:[a-zA-Z0-9-]{{0,61}}[a-zA-Z0-9])?"
# RFC 2396 characters: pchar = unreserved | escaped | ":@&=+$,;"; uric adds "/" and "?".
# Written as runs of plain characters between %XX escapes with possessive quantifiers: the
# parse is unambiguous, so this only removes backtracking (URL checks dominate return cleaning).
_PCHARS = r"a-zA-Z0-9\-_.!~*'():@&=+$,;"
_ESCAPED = r"%[0-9a-fA-F]{2}"
_SEGMENT = rf"(?=[{_PCHARS}%])[{_PCHARS}]*+(?:{_ESCAPED}[{_PCHARS}]*+)*+"
_URICS = rf"[{_PCHARS}/?]*+(?:{_ESCAPED}[{_PCHARS}/?]*+)*+"
_PATH = rf"(?:/{_SEGMENT})*+/?"
_QUERY = rf"(?:\?{_URICS})?"
_FRAGMENT = rf"(?:\#{_URICS})?"
_SCHEME = r"(?:[hH][tT][tT][pP][sS]?|[fF][tT][pP])://"

# ``$`` (not ``\Z``) on purpose: the PHP patterns end in ``$`` too, which also matches before a
# final newline.
_URL = re.compile(
    rf"^(?:{_SCHEME})?(?:(?:{_IPV4}|{_DOMAIN})(?::[0-9]{{1,5}})?)?{_PATH}{_QUERY}{_FRAGMENT}$"
)
_RELATIVE = re.compile(rf"^(?:/{_SEGMENT})++/?{_QUERY}{_FRAGMENT}$")
_JAVASCRIPT = re.compile("javascript:", re.IGNORECASE)

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_EMAIL = re.compile(
    rf"^(?P<local>{_ATEXT}+(?:\.{_ATEXT}+)*)@(?:{_DOMAIN}|\[{_IPV4}\])\Z", re.IGNORECASE
)

_HOST_CHARS = re.compile(r"[^.0-9A-Za-z_-]")
_QUAD = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})")
_HOSTNAME = re.compile(r"^[0-9A-Za-z_.-]+$")


def valid_url(text: str) -> bool:
    return bool(_URL.match(text))


def clean_url(value: Any, wwwroot: str = "") -> Any:
    """Moodle's URL rule, plus: the site's own URLs are always valid.

    Moodle's syntax check refuses dotless hosts such as ``localhost``, so a site served from
    one would fail to return its own URLs (site info's ``userpictureurl``, file URLs). URLs
    under the configured wwwroot are accepted whatever its host looks like.
    """
    value = fix_utf8(value)
    if php_empty(value):
        return ""
    text = php_str(value)
    if valid_url(text) or (wwwroot and _under(text, wwwroot)):
        return value
    return ""


def _under(text: str, wwwroot: str) -> bool:
    lowered = text.lower()
    root = wwwroot.lower()
    return lowered == root or lowered.startswith((root + "/", root + "?"))


def clean_localurl(value: Any, wwwroot: str) -> Any:
    value = clean_url(value, wwwroot)
    if php_empty(value):
        return value
    text = php_str(value)
    if text == wwwroot or text.startswith("/"):
        return value
    if text.lower().startswith(wwwroot.lower() + "/"):
        return value
    if _RELATIVE.match("/" + text) and not _JAVASCRIPT.search(text):
        return value
    return ""


def valid_email(text: str) -> bool:
    if len(text) > 254 or "\n" in text or "\r" in text:
        return False
    match = _EMAIL.match(text)
    return match is not None and len(match.group("local")) <= 64


def clean_email(value: Any) -> Any:
    value = fix_utf8(value)
    if value is None or value is False or value == "":
        return ""
    return value if valid_email(php_str(value)) else ""


def clean_host(value: Any) -> str:
    text = _HOST_CHARS.sub("", php_str(value))
    quad = _QUAD.search(text)
    if quad is not None:
        return "" if any(int(octet) > 255 for octet in quad.groups()) else text
    if _HOSTNAME.match(text) and text[0] not in ".-" and text[-1] not in ".-":
        return text
    return ""
