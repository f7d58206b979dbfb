"""PARAM cleaning (``clean_param``) and validation (``validate_param``), spec §1.3–§1.4.

Types that need a Moodle installation get the closest rule that does not:

* ``lang``: SAFEDIR, then it must look like a language code (``^[a-z]{2,3}(_[a-z0-9]+)*$``)
  instead of naming an installed language pack;
* ``theme``, ``auth``: the PLUGIN rule instead of "the plugin exists";
* ``capability``: ``^[a-z][a-z0-9_]*/[a-z][a-z0-9_]*:[a-z0-9_]+$`` instead of "is in the
  capability table";
* ``cleanhtml`` (and the deprecated ``clean``): instead of HTML Purifier, removes
  ``script/style/iframe/object/embed`` elements and ``on*=`` event attributes, then trims;
* ``localisedfloat``: the English locale (decimal separator ``.``).

Site-dependent rules read :data:`site` (``wwwroot`` for LOCALURL, ``extendedusernamechars``
for USERNAME); a service sets it once at start-up with :func:`configure`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from shared.errors import InvalidParameterException
from shared.external import constants as c
from shared.external.netparams import clean_email, clean_host, clean_localurl, clean_url
from shared.external.php import (
    fix_utf8,
    is_numeric,
    is_scalar,
    php_empty,
    php_float,
    php_int,
    php_str,
    php_trim,
)
from shared.external.striptags import strip_tags

__all__ = [
    "CLEANERS",
    "REJECT",
    "SiteConfig",
    "check_param",
    "clean_param",
    "configure",
    "site",
    "validate_param",
]


class SiteConfig:
    """The few site settings PARAM cleaning depends on."""

    def __init__(self) -> None:
        self.wwwroot = "http://localhost"
        #: The wwwroot given to :func:`configure`; URLs under it pass PARAM_URL even when
        #: Moodle's syntax rule would refuse its host (``localhost``). Empty until configured.
        self.own_urls = ""
        self.extendedusernamechars = False


site = SiteConfig()


def configure(*, wwwroot: str | None = None, extendedusernamechars: bool | None = None) -> None:
    """Set the site settings used by LOCALURL and USERNAME cleaning (call once at start-up)."""
    if wwwroot is not None:
        site.wwwroot = wwwroot.rstrip("/")
        site.own_urls = site.wwwroot
    if extendedusernamechars is not None:
        site.extendedusernamechars = extendedusernamechars


def _stripper(pattern: str) -> Callable[[Any], str]:
    regex = re.compile(pattern)
    return lambda value: regex.sub("", php_str(value))


def _matcher(pattern: str, flags: int = 0) -> Callable[[Any], Any]:
    """Types whose cleaner keeps a matching value unchanged (type included) and else gives ''."""
    regex = re.compile(pattern, flags)

    def clean(value: Any) -> Any:
        value = fix_utf8(value)
        return value if regex.search(php_str(value)) else ""

    return clean


# Unicode whitespace as PCRE's \s under PHP's /u (UCP): Python's \s minus \x1c-\x1f.
_USPACE = r"[^\S\x1c-\x1f]"
_TAGLIKE = re.compile(r"<.*?>", re.DOTALL)
_LANG_OPEN = re.compile(rf'<lang lang="[a-zA-Z0-9_-]+"{_USPACE}*>\Z')
_SPAN_OPEN = re.compile(
    rf'<span(?:{_USPACE}+lang="[a-zA-Z0-9_-]+"|{_USPACE}+class="multilang"){{2}}{_USPACE}*>\Z'
)


def _multilang_ok(text: str, closing: str, opening: re.Pattern[str]) -> bool:
    tags = _TAGLIKE.findall(text)
    if not tags:
        return False
    is_open = False
    for tag in tags:
        if tag == closing:
            if not is_open:
                return False
            is_open = False
        elif opening.match(tag):
            is_open = True
        else:
            return False
    return not is_open


def _clean_text(value: Any) -> str:
    text = php_str(fix_utf8(value))
    # Only balanced multilang markup survives; anything else loses every tag.
    if "</lang>" in text:
        text = strip_tags(text, "<lang>")
        if _multilang_ok(text, "</lang>", _LANG_OPEN):
            return text
    elif "</span>" in text:
        text = strip_tags(text, "<span>")
        if _multilang_ok(text, "</span>", _SPAN_OPEN):
            return text
    return strip_tags(text)


def _clean_bool(value: Any) -> int:
    word = php_str(value)
    word = word.lower() if word.isascii() else word
    if word in ("on", "yes", "true"):
        return 1
    if word in ("off", "no", "false"):
        return 0
    return 0 if php_empty(value) else 1


_FILE_BAD = re.compile("[\x00-\x1f\x7f-\x9f&<>\"`|':\\\\/]")


def _clean_file(value: Any) -> str:
    text = _FILE_BAD.sub("", php_str(fix_utf8(value)))
    return "" if text in (".", "..") else text


_SLASHES = re.compile("//+")
_DOTSEGMENTS = re.compile(r"/(?:\./)+")


def _clean_path(value: Any) -> str:
    crumbs = php_str(fix_utf8(value)).replace("\\", "/").split("/")
    cleaned = [
        crumb if index == 0 and crumb == "." else _clean_file(crumb)
        for index, crumb in enumerate(crumbs)
    ]
    return _DOTSEGMENTS.sub("/", _SLASHES.sub("/", "/".join(cleaned)))


_USERNAME_BAD = re.compile(r"[^-.@_a-z0-9]")


def _clean_username(value: Any) -> str:
    text = php_trim(php_str(fix_utf8(value))).lower()
    if not site.extendedusernamechars:
        text = _USERNAME_BAD.sub("", text.replace(" ", ""))
    return text


_PLUGIN = re.compile(r"^[a-z](?:[a-z0-9_](?!__))*[a-z0-9]+$")
_COMPONENT = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z][a-z0-9_]*)?[a-z0-9]+$")


def _clean_plugin(value: Any) -> Any:
    return value if _PLUGIN.match(php_str(value)) else ""


def _clean_component(value: Any) -> Any:
    text = php_str(value)
    if not _COMPONENT.match(text) or "__" in text:
        return ""
    if text.startswith("mod_") and text.count("_") != 1:
        return ""  # module names cannot contain "_": it would clash with plugin types
    return value


_LANGCODE = re.compile(r"^[a-z]{2,3}(?:_[a-z0-9]+)*$")
_clean_safedir = _stripper(r"[^a-zA-Z0-9_-]")


def _clean_lang(value: Any) -> str:
    text = _clean_safedir(value)
    return text if _LANGCODE.match(text) else ""


_TAG_BAD = re.compile("[\x00-\x1f\x7f-\x9f<>`]")
_USPACE_RUN = re.compile(f"{_USPACE}+")
TAG_MAX_LENGTH = 50


def _clean_tag(value: Any) -> str:
    text = _USPACE_RUN.sub(" ", _TAG_BAD.sub("", php_str(fix_utf8(value))))
    return php_trim(text)[:TAG_MAX_LENGTH]


def _clean_taglist(value: Any) -> str:
    tags = (_clean_tag(tag) for tag in php_str(fix_utf8(value)).split(","))
    return ",".join(tag for tag in tags if tag != "")


def _clean_permission(value: Any) -> int:
    number = php_int(value)
    return number if number in (0, 1, -1, -1000) else 0


_BASE64_CHARS = re.compile(r"^[\s\w/+=]+$", re.ASCII)
_BASE64_SPLIT = re.compile(r"\s+", re.ASCII)
_PEM = re.compile(r"^-----BEGIN CERTIFICATE-----([\s\w/+=]+)-----END CERTIFICATE-----$", re.ASCII)


def _clean_base64(value: Any) -> str:
    if php_empty(value):
        return ""
    text = php_str(value)
    if not _BASE64_CHARS.match(php_trim(text)):
        return ""
    lines = [line for line in _BASE64_SPLIT.split(text) if line]
    if not lines:
        return ""
    if any(len(line) != 64 for line in lines[:-1]) or len(lines[-1]) > 64:
        return ""  # every line but the last has exactly 64 characters
    return "\n".join(lines)


def _clean_pem(value: Any) -> str:
    match = _PEM.match(php_trim(php_str(value)))
    if match is None:
        return ""
    body = _clean_base64(match.group(1))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n" if body else ""


_DANGEROUS = re.compile(r"<(script|style|iframe|object|embed)\b.*?</\1\s*>", re.I | re.S)
_EVENT_ATTR = re.compile(r"""\s+on[a-z]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.I)


def _clean_html(value: Any) -> str:
    text = _DANGEROUS.sub("", php_str(fix_utf8(value)))
    return php_trim(_EVENT_ATTR.sub("", text))


def _clean_localisedfloat(value: Any) -> float | bool | None:
    text = php_trim(php_str(value))
    if text == "":
        return None
    text = text.replace(" ", "")
    return php_float(text) if is_numeric(text) else False


def _clean_raw_trimmed(value: Any) -> str:
    return php_trim(php_str(fix_utf8(value)))


def _clean_notags(value: Any) -> str:
    return strip_tags(php_str(fix_utf8(value)))


#: PARAM type -> cleaner; LOCALURL is looked up separately because it needs the wwwroot.
CLEANERS: dict[str, Callable[[Any], Any]] = {
    c.PARAM_INT: php_int,
    c.PARAM_FLOAT: php_float,
    c.PARAM_BOOL: _clean_bool,
    c.PARAM_RAW: fix_utf8,
    c.PARAM_RAW_TRIMMED: _clean_raw_trimmed,
    c.PARAM_TEXT: _clean_text,
    c.PARAM_NOTAGS: _clean_notags,
    c.PARAM_CLEANHTML: _clean_html,
    c.PARAM_CLEAN: _clean_html,
    c.PARAM_ALPHA: _stripper(r"[^a-zA-Z]"),
    c.PARAM_ALPHAEXT: _stripper(r"[^a-zA-Z_-]"),
    c.PARAM_ALPHANUM: _stripper(r"[^A-Za-z0-9]"),
    c.PARAM_ALPHANUMEXT: _stripper(r"[^A-Za-z0-9_-]"),
    c.PARAM_SEQUENCE: _stripper(r"[^0-9,]"),
    c.PARAM_SAFEDIR: _clean_safedir,
    c.PARAM_SAFEPATH: _stripper(r"[^a-zA-Z0-9/_-]"),
    c.PARAM_FILE: _clean_file,
    c.PARAM_PATH: _clean_path,
    c.PARAM_URL: lambda value: clean_url(value, site.own_urls),
    c.PARAM_LOCALURL: lambda value: clean_localurl(value, site.wwwroot),
    c.PARAM_EMAIL: clean_email,
    c.PARAM_USERNAME: _clean_username,
    c.PARAM_PLUGIN: _clean_plugin,
    c.PARAM_AREA: _clean_plugin,
    c.PARAM_THEME: _clean_plugin,
    c.PARAM_AUTH: _clean_plugin,
    c.PARAM_COMPONENT: _clean_component,
    c.PARAM_LANG: _clean_lang,
    c.PARAM_TAG: _clean_tag,
    c.PARAM_TAGLIST: _clean_taglist,
    c.PARAM_CAPABILITY: _matcher(r"^[a-z][a-z0-9_]*/[a-z][a-z0-9_]*:[a-z0-9_]+$"),
    c.PARAM_PERMISSION: _clean_permission,
    c.PARAM_TIMEZONE: _matcher(
        r"^(([+-]?(0?[0-9](\.[5|0])?|1[0-3](\.0)?|1[0-2]\.5))|(99)|[A-Za-z0-9]+(/?[A-Za-z_-])+)$"
    ),
    c.PARAM_STRINGID: _matcher(r"^[a-zA-Z][a-zA-Z0-9.:/_-]*$"),
    c.PARAM_HOST: clean_host,
    c.PARAM_BASE64: _clean_base64,
    c.PARAM_PEM: _clean_pem,
    c.PARAM_LOCALISEDFLOAT: _clean_localisedfloat,
}
assert set(CLEANERS) == c.PARAM_TYPES


def clean_param(value: Any, paramtype: str, *, wwwroot: str | None = None) -> Any:
    """Moodle ``clean_param()`` for a scalar: convert/strip to the type's rule, never raise.

    ``wwwroot`` overrides :data:`site`'s for LOCALURL. Arrays and objects are programming
    errors (``TypeError``), unknown types too (``ValueError``).
    """
    if not is_scalar(value):
        raise TypeError("clean_param() can not process arrays or objects")
    cleaner = CLEANERS.get(paramtype)
    if cleaner is None:
        raise ValueError(f"Unknown param type: {paramtype!r}")
    if wwwroot is not None and paramtype == c.PARAM_LOCALURL:
        return clean_localurl(value, wwwroot.rstrip("/"))
    return cleaner(value)


_FLOAT_SYNTAX = re.compile(r"^[+-]?[0-9]*\.?[0-9]*(e[-+]?[0-9]+)?$", re.IGNORECASE)

#: Returned by :func:`check_param` for a value that cleaning would change.
REJECT: Any = object()


def check_param(value: Any, paramtype: str) -> Any:
    """The cleaned form of a non-null scalar if validation accepts it, else :data:`REJECT`."""
    cleaned = clean_param(value, paramtype)
    if paramtype == c.PARAM_FLOAT:
        # Numbers always fit; strings need numeric syntax (precision loss is not checked).
        if type(value) not in (int, float) and (
            not is_numeric(value) or not _FLOAT_SYNTAX.match(php_str(value))
        ):
            return REJECT
    elif php_str(value) != php_str(cleaned):
        return REJECT
    return cleaned


def validate_param(
    value: Any,
    paramtype: str,
    allownull: bool = c.NULL_NOT_ALLOWED,
    debuginfo: str = "",
    *,
    developer: bool = False,
) -> Any:
    """Moodle ``validate_param()``: clean, and reject if cleaning changed the value.

    Raises :class:`InvalidParameterException` carrying ``debuginfo``.
    """
    if value is None:
        if allownull:
            return None
        raise InvalidParameterException(debuginfo, developer=developer)
    if not is_scalar(value):
        raise InvalidParameterException(debuginfo, developer=developer)
    cleaned = check_param(value, paramtype)
    if cleaned is REJECT:
        raise InvalidParameterException(debuginfo, developer=developer)
    return cleaned
