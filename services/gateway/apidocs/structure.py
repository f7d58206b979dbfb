"""Walking function descriptions in their JSON (catalog) form.

The catalog stores each description as plain JSON: a ``value`` (a PARAM type), a ``single``
(ordered ``keys``) or a ``multiple`` (one ``content``), each with ``desc``, ``required``,
``default`` and ``allownull``. This module reads that form directly (never the validator
package) and produces the text renderings Moodle's documentation page shows:

* :func:`structure_lines` - the *General structure* tree (``list of (``, ``object {``,
  scalars as ``int`` / ``double`` / ``string``);
* :func:`rest_post_lines` - the *REST (POST parameters)* lines (``options[0][name]= string``);
* :func:`rest_xml_skeleton` - the REST XML response skeleton (``<RESPONSE><MULTIPLE>...``).

Catalog data is written by plugins, so a malformed node degrades to something printable instead
of failing the whole page: an unknown ``type`` is read as a value, a missing field takes the
constructor default Moodle would have used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

__all__ = [
    "VALUE_DEFAULT",
    "VALUE_OPTIONAL",
    "VALUE_REQUIRED",
    "Desc",
    "allows_null",
    "could_be_empty",
    "desc_text",
    "doc_type",
    "keys_of",
    "kind",
    "param_type",
    "print_r",
    "required_mode",
    "rest_post_lines",
    "rest_xml_skeleton",
    "structure_lines",
    "top_level_marker",
]

VALUE_REQUIRED = 1
VALUE_OPTIONAL = 2
VALUE_DEFAULT = 0

#: A description node in its JSON form.
Desc = Mapping[str, Any]

Kind = Literal["value", "single", "multiple"]

#: PARAM aliases Moodle resolves before cleaning; the docs and schemas use the canonical name.
_PARAM_ALIASES = {
    "integer": "int",
    "number": "float",
    "action": "alphanumext",
    "format": "alphanumext",
    "multilang": "text",
    "cleanfile": "file",
}

_INDENT = "    "
_WHITESPACE = re.compile(r"\s+")


def kind(desc: Desc) -> Kind:
    """The node's class; anything unrecognised is treated as a scalar value."""
    node_type = desc.get("type")
    if node_type == "single" and isinstance(desc.get("keys"), Mapping):
        return "single"
    if node_type == "multiple" and isinstance(desc.get("content"), Mapping):
        return "multiple"
    return "value"


def keys_of(desc: Desc) -> Mapping[str, Desc]:
    """The ordered keys of a single structure (empty for anything else)."""
    keys = desc.get("keys")
    return keys if isinstance(keys, Mapping) else {}


def param_type(desc: Desc) -> str:
    """The canonical, lower-case PARAM type of a value node (``raw`` when missing)."""
    raw = desc.get("param")
    name = raw.lower() if isinstance(raw, str) and raw else "raw"
    return _PARAM_ALIASES.get(name, name)


def doc_type(desc: Desc) -> str:
    """Moodle's documentation type name: BOOL shows as ``int`` because REST sends 0/1."""
    ptype = param_type(desc)
    if ptype in ("int", "bool"):
        return "int"
    if ptype == "float":
        return "double"
    return "string"


def required_mode(desc: Desc) -> int:
    """VALUE_REQUIRED, VALUE_OPTIONAL or VALUE_DEFAULT; Moodle reads ``false`` as DEFAULT."""
    mode = desc.get("required", VALUE_REQUIRED)
    if mode is False:
        return VALUE_DEFAULT
    if mode in (VALUE_REQUIRED, VALUE_OPTIONAL, VALUE_DEFAULT):
        return int(mode)
    return VALUE_REQUIRED


def allows_null(desc: Desc) -> bool:
    """Scalars allow null unless told otherwise; structures do not (Moodle's constructors)."""
    default = kind(desc) == "value"
    return bool(desc.get("allownull", default))


def desc_text(desc: Desc) -> str:
    """The node's description folded to one line, so it cannot break a tree or a comment."""
    text = desc.get("desc")
    return _WHITESPACE.sub(" ", text).strip() if isinstance(text, str) else ""


def could_be_empty(desc: Desc) -> bool:
    """Whether return cleaning can leave a single structure with no keys at all.

    PHP cannot tell an empty map from an empty list, so such a result is encoded ``[]``. A key
    survives cleaning when it is required, or when it is VALUE_DEFAULT on a scalar (the default
    is inserted); a VALUE_DEFAULT structure that is missing is simply omitted.
    """
    for sub in keys_of(desc).values():
        mode = required_mode(sub)
        if mode == VALUE_REQUIRED or (mode == VALUE_DEFAULT and kind(sub) == "value"):
            return False
    return True


def print_r(value: Any) -> str:
    """PHP ``print_r``-style text of a default, on one line; ``None`` shows as ``null``."""
    if value is None:
        return "null"
    return _print_r(value)


def _print_r(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float):
        return _php_float(value)
    if isinstance(value, Mapping):
        inner = " ".join(f"[{k}] => {_print_r(v)}" for k, v in value.items())
        return f"Array ( {inner} )" if inner else "Array ( )"
    if isinstance(value, list | tuple):
        inner = " ".join(f"[{i}] => {_print_r(v)}" for i, v in enumerate(value))
        return f"Array ( {inner} )" if inner else "Array ( )"
    return str(value)


def _php_float(value: float) -> str:
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def top_level_marker(desc: Desc) -> str:
    """``(Required)``, ``(Default to "x")`` or ``(Optional)`` for an argument heading."""
    mode = required_mode(desc)
    if mode == VALUE_DEFAULT:
        return f'(Default to "{print_r(desc.get("default"))}")'
    if mode == VALUE_OPTIONAL:
        return "(Optional)"
    return "(Required)"


def _key_marker(desc: Desc) -> str:
    mode = required_mode(desc)
    if mode == VALUE_DEFAULT:
        return f'Default to "{print_r(desc.get("default"))}"'
    if mode == VALUE_OPTIONAL:
        return "Optional"
    return ""


def _line(depth: int, head: str, marker: str, comment: str) -> str:
    parts = [head]
    if marker:
        parts.append(marker)
    if comment:
        parts.append("//" + comment)
    return _INDENT * depth + "  ".join(parts)


def structure_lines(desc: Desc) -> list[str]:
    """The *General structure* tree of one description, one string per line.

    The root carries its description as a comment; every key line reads
    ``<key> <type> [Default to "x" | Optional]  //desc``, with structures opening a nested
    block (``list of (`` ... ``)``, ``object {`` ... ``}``).
    """
    return list(_tree(desc, 0, None, ""))


def _tree(desc: Desc, depth: int, key: str | None, marker: str) -> Iterator[str]:
    node = kind(desc)
    comment = desc_text(desc)
    label = f"{key} " if key is not None else ""
    if node == "value":
        yield _line(depth, label + doc_type(desc), marker, comment)
    elif node == "multiple":
        yield _line(depth, label + "list of (", marker, comment)
        yield from _tree(desc["content"], depth + 1, None, "")
        yield _INDENT * depth + ")"
    else:
        yield _line(depth, label + "object {", marker, comment)
        for name, sub in keys_of(desc).items():
            yield from _tree(sub, depth + 1, str(name), _key_marker(sub))
        yield _INDENT * depth + "}"


def rest_post_lines(name: str, desc: Desc) -> list[str]:
    """One ``name[0][key]= type`` line per scalar leaf, as a REST client posts it."""
    return list(_post(name, desc))


def _post(prefix: str, desc: Desc) -> Iterator[str]:
    node = kind(desc)
    if node == "value":
        yield f"{prefix}= {doc_type(desc)}"
    elif node == "multiple":
        yield from _post(f"{prefix}[0]", desc["content"])
    else:
        for key, sub in keys_of(desc).items():
            yield from _post(f"{prefix}[{key}]", sub)


def rest_xml_skeleton(desc: Desc | None) -> str:
    """The REST XML document a call returns, with type names in place of values.

    Every described key appears, optional or not: the XML writer emits all keys (absent ones as
    null values), unlike JSON where absent optional keys are left out.
    """
    lines = ['<?xml version="1.0" encoding="UTF-8" ?>', "<RESPONSE>"]
    if desc is not None:
        lines.extend(_xml(desc, 1))
    lines.append("</RESPONSE>")
    return "\n".join(lines)


def _xml(desc: Desc, depth: int) -> Iterator[str]:
    pad = _INDENT * depth
    node = kind(desc)
    if node == "value":
        yield f"{pad}<VALUE>{doc_type(desc)}</VALUE>"
    elif node == "multiple":
        yield f"{pad}<MULTIPLE>"
        yield from _xml(desc["content"], depth + 1)
        yield f"{pad}</MULTIPLE>"
    else:
        yield f"{pad}<SINGLE>"
        for key, sub in keys_of(desc).items():
            open_tag = f'<KEY name="{_xml_attr(str(key))}">'
            if kind(sub) == "value":
                yield f"{pad}{_INDENT}{open_tag}<VALUE>{doc_type(sub)}</VALUE></KEY>"
            else:
                yield f"{pad}{_INDENT}{open_tag}"
                yield from _xml(sub, depth + 2)
                yield f"{pad}{_INDENT}</KEY>"
        yield f"{pad}</SINGLE>"


def _xml_attr(text: str) -> str:
    # The same escaping the XML writer applies to attribute values (htmlspecialchars, ENT_COMPAT).
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = text.replace(char, entity)
    return text
