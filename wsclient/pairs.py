"""``key=value`` and ``key:=json`` command-line arguments, into nested parameters.

Keys use PHP's bracket syntax (``courseids[0]=2``, ``options[0][name]=x``, ``ids[]=5`` appends),
so a call typed for ``wscall`` reads like the REST form it becomes. ``key=value`` gives a
string; ``key:=json`` a JSON value (number, boolean, list, object), as httpie does. Containers
whose keys are all list indices become lists in index order, so the JSON API receives lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import msgspec

__all__ = ["PairError", "parse_pairs"]

_KEY = re.compile(r"([^\[\]=:]+)((?:\[[^\[\]]*\])*)")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


class PairError(ValueError):
    """An argument that is not ``key=value`` or ``key:=json``, or keys that clash."""


def _split(item: str) -> tuple[str, list[str], Any]:
    name, sep, value = item.partition("=")
    if not sep:
        raise PairError(f"{item!r} is not key=value or key:=json")
    typed = name.endswith(":")
    if typed:
        name = name[:-1]
    match = _KEY.fullmatch(name)
    if match is None:
        raise PairError(f"{name!r} is not a parameter name (name, name[key], name[0][key] ...)")
    path = [match[1], *_SEGMENT.findall(match[2])]
    if not typed:
        return name, path, value
    try:
        return name, path, msgspec.json.decode(value)
    except msgspec.DecodeError as exc:
        raise PairError(f"{name}: invalid JSON {value!r} ({exc})") from None


class _Tree(dict[str, Any]):
    """A container built from bracket keys (distinct from dicts given as JSON values)."""


def _listify(value: Any) -> Any:
    # Only containers built from bracket keys: a JSON object given with := stays as typed.
    if not isinstance(value, _Tree):
        return value
    items = {k: _listify(v) for k, v in value.items()}
    if items and all(isinstance(k, str) and k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def parse_pairs(items: Iterable[str]) -> dict[str, Any]:
    """Parse ``key=value`` / ``key:=json`` arguments into one parameters dict."""
    root = _Tree()
    for item in items:
        name, path, value = _split(item)
        node = root
        for segment in path[:-1]:
            child = node.get(segment)
            if child is None:
                child = node[segment] = _Tree()
            elif not isinstance(child, _Tree):
                raise PairError(f"{name}: {segment!r} already holds a value, not nested keys")
            node = child
        last = path[-1] or str(len(node))  # "name[]" appends at the next index
        if last in node:
            raise PairError(f"{name} is given twice (or clashes with another key)")
        node[last] = value
    return {k: _listify(v) for k, v in root.items()}
