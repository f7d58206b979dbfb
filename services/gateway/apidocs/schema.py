"""JSON Schema (2020-12, as OpenAPI 3.1 uses it) from descriptions in their JSON form.

Two directions, because Moodle treats them differently:

* ``request`` - what a client sends to the JSON API. Unknown keys are rejected
  (``additionalProperties: false``); a key is ``required`` only when VALUE_REQUIRED; VALUE_DEFAULT
  keys carry their ``default``.
* ``response`` - what the cleaned return value looks like. Unknown keys are dropped by cleaning,
  so ``additionalProperties: true`` (a newer server may add keys); besides VALUE_REQUIRED keys,
  VALUE_DEFAULT *scalar* keys are always present too (cleaning inserts their default).

Scalar mapping: ``int`` -> integer, ``float`` -> number, ``bool`` -> boolean (the REST form
encoding carries 0/1 instead; that is the REST path's business, not the JSON schema's);
everything else -> string, with ``format`` where the PARAM type is a well-known format and
``pattern`` only where the PARAM rule is exactly a character class (or an exact regex). Formats
are annotations in 2020-12 and Moodle's URL/email cleaners accept ``""``, so nothing false is
asserted. ``raw`` in a response admits any scalar, since Moodle returns RAW values with their PHP
type (an int stays an int). ``allownull`` -> ``type: [x, "null"]``.
"""

from __future__ import annotations

from typing import Any, Literal

from services.gateway.apidocs.structure import (
    VALUE_DEFAULT,
    VALUE_REQUIRED,
    Desc,
    allows_null,
    could_be_empty,
    desc_text,
    keys_of,
    kind,
    param_type,
    required_mode,
)

__all__ = ["Direction", "description_schema"]

Direction = Literal["request", "response"]

_NUMERIC = {"int": "integer", "float": "number", "bool": "boolean"}

#: Formats that describe a PARAM type well enough (annotation only; ``""`` is still accepted).
_FORMATS = {"email": "email", "url": "uri", "localurl": "uri-reference"}

#: PARAM types whose validation is exactly "matches this pattern" (clean() removing every other
#: character, then the value must be unchanged), or whose cleaner returns "" unless a regex
#: matches. Types with extra rules (component, lang, timezone, ...) get no pattern.
_PATTERNS = {
    "alpha": "^[a-zA-Z]*$",
    "alphaext": "^[a-zA-Z_-]*$",
    "alphanum": "^[A-Za-z0-9]*$",
    "alphanumext": "^[A-Za-z0-9_-]*$",
    "sequence": "^[0-9,]*$",
    "safedir": "^[a-zA-Z0-9_-]*$",
    "safepath": "^[a-zA-Z0-9/_-]*$",
    "plugin": "^$|^[a-z](?:[a-z0-9_](?!__))*[a-z0-9]+$",
    "area": "^$|^[a-z](?:[a-z0-9_](?!__))*[a-z0-9]+$",
    "stringid": "^$|^[a-zA-Z][a-zA-Z0-9.:/_-]*$",
}

_ANY_SCALAR = ["string", "integer", "number", "boolean"]


def description_schema(desc: Desc, direction: Direction) -> dict[str, Any]:
    """The JSON Schema of one description node (recursively)."""
    node = kind(desc)
    if node == "value":
        schema = _value_schema(desc, direction)
    elif node == "multiple":
        schema = {
            "type": _nullable("array", desc),
            "items": description_schema(desc["content"], direction),
        }
    else:
        schema = _single_schema(desc, direction)
    text = desc_text(desc)
    if text:
        schema["description"] = text
    if required_mode(desc) == VALUE_DEFAULT and "default" in desc:
        schema["default"] = desc["default"]
    return schema


def _nullable(json_type: str, desc: Desc) -> str | list[str]:
    return [json_type, "null"] if allows_null(desc) else json_type


def _value_schema(desc: Desc, direction: Direction) -> dict[str, Any]:
    ptype = param_type(desc)
    if ptype in _NUMERIC:
        return {"type": _nullable(_NUMERIC[ptype], desc)}
    if ptype == "raw" and direction == "response":
        types = [*_ANY_SCALAR, "null"] if allows_null(desc) else list(_ANY_SCALAR)
        return {"type": types}
    schema: dict[str, Any] = {"type": _nullable("string", desc)}
    if ptype in _FORMATS:
        schema["format"] = _FORMATS[ptype]
    if ptype in _PATTERNS:
        schema["pattern"] = _PATTERNS[ptype]
    return schema


def _single_schema(desc: Desc, direction: Direction) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for key, sub in keys_of(desc).items():
        name = str(key)
        properties[name] = description_schema(sub, direction)
        mode = required_mode(sub)
        if mode == VALUE_REQUIRED or (
            direction == "response" and mode == VALUE_DEFAULT and kind(sub) == "value"
        ):
            required.append(name)
    obj: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        obj["required"] = required
    obj["additionalProperties"] = direction == "response"
    if direction == "response" and could_be_empty(desc):
        # PHP encodes a structure left without keys as [] - accept that shape too.
        variants: list[dict[str, Any]] = [obj, {"type": "array", "maxItems": 0}]
        if allows_null(desc):
            variants.append({"type": "null"})
        return {"anyOf": variants}
    if allows_null(desc):
        obj["type"] = ["object", "null"]
    return obj
