"""The REST server's XML documents (spec §4.2).

Moodle builds them by string concatenation, so they are built the same way here: every
described key of a single structure is written (absent ones as null values or empty
MULTIPLEs), booleans as ``1``/``0``, text escaped with ``htmlspecialchars`` (ENT_COMPAT).
"""

from __future__ import annotations

from typing import Any

from shared.errors import ErrorInfo
from shared.external.model import (
    Description,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
)
from shared.external.php import htmlspecialchars, php_str

__all__ = ["render_xml", "render_xml_error"]

_PROLOG = '<?xml version="1.0" encoding="UTF-8" ?>\n'


def _xmlize(value: Any, desc: Description, out: list[str]) -> None:
    if isinstance(desc, ExternalValue):
        if value is None:
            out.append('<VALUE null="null"/>\n')
        elif value is True or value is False:
            out.append("<VALUE>1</VALUE>\n" if value else "<VALUE>0</VALUE>\n")
        else:
            out.append(f"<VALUE>{htmlspecialchars(php_str(value))}</VALUE>\n")
    elif isinstance(desc, ExternalMultipleStructure):
        out.append("<MULTIPLE>\n")
        if value:
            items = value.values() if isinstance(value, dict) else value
            for item in items:
                _xmlize(item, desc.content, out)
        out.append("</MULTIPLE>\n")
    elif isinstance(desc, ExternalSingleStructure):
        out.append("<SINGLE>\n")
        get = value.get if isinstance(value, dict) else _absent
        for key, sub in desc.keys.items():
            out.append(f'<KEY name="{key}">')
            _xmlize(get(key), sub, out)
            out.append("</KEY>\n")
        out.append("</SINGLE>\n")


def _absent(key: str) -> None:
    return None


def render_xml(value: Any, description: Description | None) -> str:
    """The XML success document for an already cleaned value (``None`` description: void)."""
    out = [_PROLOG, "<RESPONSE>\n"]
    if description is not None:
        _xmlize(value, description, out)
    out.append("</RESPONSE>\n")
    return "".join(out)


def render_xml_error(info: ErrorInfo, *, debuginfo: bool) -> str:
    """The XML error document; ``debuginfo`` says whether site debugging shows it."""
    out = [
        _PROLOG,
        f'<EXCEPTION class="{info.exception}">\n',
        f"<ERRORCODE>{htmlspecialchars(info.errorcode)}</ERRORCODE>\n",
        f"<MESSAGE>{htmlspecialchars(info.message)}</MESSAGE>\n",
    ]
    if debuginfo and info.debuginfo is not None:
        out.append(f"<DEBUGINFO>{htmlspecialchars(info.debuginfo)}</DEBUGINFO>\n")
    out.append("</EXCEPTION>\n")
    return "".join(out)
