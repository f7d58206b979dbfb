"""Constants of Moodle's function description language (spec §1.1, §1.3).

The PARAM_* values are Moodle's own lower-case strings: they appear verbatim in error debuginfo
(``the server was expecting "int" type``) and in the catalog's JSON form. Aliases carry the value
of the type they stand for, exactly as Moodle defines them (``PARAM_INTEGER == "int"``).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "FORMAT_HTML",
    "FORMAT_MARKDOWN",
    "FORMAT_MOODLE",
    "FORMAT_PLAIN",
    "FORMAT_WIKI",
    "NULL_ALLOWED",
    "NULL_NOT_ALLOWED",
    "PARAM_ACTION",
    "PARAM_ALPHA",
    "PARAM_ALPHAEXT",
    "PARAM_ALPHANUM",
    "PARAM_ALPHANUMEXT",
    "PARAM_AREA",
    "PARAM_AUTH",
    "PARAM_BASE64",
    "PARAM_BOOL",
    "PARAM_CAPABILITY",
    "PARAM_CLEAN",
    "PARAM_CLEANFILE",
    "PARAM_CLEANHTML",
    "PARAM_COMPONENT",
    "PARAM_EMAIL",
    "PARAM_FILE",
    "PARAM_FLOAT",
    "PARAM_FORMAT",
    "PARAM_HOST",
    "PARAM_INT",
    "PARAM_INTEGER",
    "PARAM_LANG",
    "PARAM_LOCALISEDFLOAT",
    "PARAM_LOCALURL",
    "PARAM_MULTILANG",
    "PARAM_NOTAGS",
    "PARAM_NUMBER",
    "PARAM_PATH",
    "PARAM_PEM",
    "PARAM_PERMISSION",
    "PARAM_PLUGIN",
    "PARAM_RAW",
    "PARAM_RAW_TRIMMED",
    "PARAM_SAFEDIR",
    "PARAM_SAFEPATH",
    "PARAM_SEQUENCE",
    "PARAM_STRINGID",
    "PARAM_TAG",
    "PARAM_TAGLIST",
    "PARAM_TEXT",
    "PARAM_THEME",
    "PARAM_TIMEZONE",
    "PARAM_TYPES",
    "PARAM_URL",
    "PARAM_USERNAME",
    "VALUE_DEFAULT",
    "VALUE_OPTIONAL",
    "VALUE_REQUIRED",
]

VALUE_REQUIRED: Final = 1
VALUE_OPTIONAL: Final = 2
VALUE_DEFAULT: Final = 0
NULL_ALLOWED: Final = True
NULL_NOT_ALLOWED: Final = False

FORMAT_MOODLE: Final = 0
FORMAT_HTML: Final = 1
FORMAT_PLAIN: Final = 2
FORMAT_WIKI: Final = 3
FORMAT_MARKDOWN: Final = 4

PARAM_ALPHA: Final = "alpha"
PARAM_ALPHAEXT: Final = "alphaext"
PARAM_ALPHANUM: Final = "alphanum"
PARAM_ALPHANUMEXT: Final = "alphanumext"
PARAM_AREA: Final = "area"
PARAM_AUTH: Final = "auth"
PARAM_BASE64: Final = "base64"
PARAM_BOOL: Final = "bool"
PARAM_CAPABILITY: Final = "capability"
PARAM_CLEAN: Final = "clean"  # deprecated in Moodle; behaves like CLEANHTML here
PARAM_CLEANHTML: Final = "cleanhtml"
PARAM_COMPONENT: Final = "component"
PARAM_EMAIL: Final = "email"
PARAM_FILE: Final = "file"
PARAM_FLOAT: Final = "float"
PARAM_HOST: Final = "host"
PARAM_INT: Final = "int"
PARAM_LANG: Final = "lang"
PARAM_LOCALISEDFLOAT: Final = "localisedfloat"
PARAM_LOCALURL: Final = "localurl"
PARAM_NOTAGS: Final = "notags"
PARAM_PATH: Final = "path"
PARAM_PEM: Final = "pem"
PARAM_PERMISSION: Final = "permission"
PARAM_PLUGIN: Final = "plugin"
PARAM_RAW: Final = "raw"
PARAM_RAW_TRIMMED: Final = "raw_trimmed"
PARAM_SAFEDIR: Final = "safedir"
PARAM_SAFEPATH: Final = "safepath"
PARAM_SEQUENCE: Final = "sequence"
PARAM_STRINGID: Final = "stringid"
PARAM_TAG: Final = "tag"
PARAM_TAGLIST: Final = "taglist"
PARAM_TEXT: Final = "text"
PARAM_THEME: Final = "theme"
PARAM_TIMEZONE: Final = "timezone"
PARAM_URL: Final = "url"
PARAM_USERNAME: Final = "username"

# Aliases: Moodle defines them with the value of the type they stand for.
PARAM_INTEGER: Final = PARAM_INT
PARAM_NUMBER: Final = PARAM_FLOAT
PARAM_ACTION: Final = PARAM_ALPHANUMEXT
PARAM_FORMAT: Final = PARAM_ALPHANUMEXT
PARAM_MULTILANG: Final = PARAM_TEXT
PARAM_CLEANFILE: Final = PARAM_FILE

#: Every PARAM type string a description may use.
PARAM_TYPES: Final[frozenset[str]] = frozenset(
    {
        PARAM_ALPHA, PARAM_ALPHAEXT, PARAM_ALPHANUM, PARAM_ALPHANUMEXT, PARAM_AREA, PARAM_AUTH,
        PARAM_BASE64, PARAM_BOOL, PARAM_CAPABILITY, PARAM_CLEAN, PARAM_CLEANHTML,
        PARAM_COMPONENT, PARAM_EMAIL, PARAM_FILE, PARAM_FLOAT, PARAM_HOST, PARAM_INT, PARAM_LANG,
        PARAM_LOCALISEDFLOAT, PARAM_LOCALURL, PARAM_NOTAGS, PARAM_PATH, PARAM_PEM,
        PARAM_PERMISSION, PARAM_PLUGIN, PARAM_RAW, PARAM_RAW_TRIMMED, PARAM_SAFEDIR,
        PARAM_SAFEPATH, PARAM_SEQUENCE, PARAM_STRINGID, PARAM_TAG, PARAM_TAGLIST, PARAM_TEXT,
        PARAM_THEME, PARAM_TIMEZONE, PARAM_URL, PARAM_USERNAME,
    }
)  # fmt: skip
