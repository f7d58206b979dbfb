"""Forms built from a function's parameter description (the catalog's JSON form).

Scalars become inputs (booleans a yes/no choice), single structures fieldsets, and multiple
structures fieldsets holding ``items`` numbered entries. Field names are PHP's bracket form
(``users[0][customfields][0][type]``), exactly what the REST endpoint reads, so a submitted form
can be forwarded as it is once its empty fields are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from services.auth.console.render import Markup, attrs, html, join

__all__ = ["CONTROL_FIELDS", "MAX_ITEMS", "call_arguments", "parameter_form"]

#: Fields of the test client form that are not arguments of the function.
CONTROL_FIELDS = frozenset({"sesskey", "wsfunction", "wsservice", "wsitems"})
#: Entries offered per list, at most.
MAX_ITEMS = 5
#: Nesting rendered at most; deeper levels are not offered (no real function goes that far).
_MAX_DEPTH = 8
_REQUIRED = {1: "required", 2: "optional", 0: "default"}


def _hint(desc: Mapping[str, Any]) -> str:
    required = int(desc.get("required", 1))
    text = _REQUIRED.get(required, "")
    if required == 0 and desc.get("default") is not None:
        text += f": {desc['default']}"
    return text


def _value_input(desc: Mapping[str, Any], name: str, values: Mapping[str, str]) -> Markup:
    current = values.get(name, "")
    param = str(desc.get("param", ""))
    if param == "bool":
        opts = join(
            html("<option{a}>{t}</option>", a=attrs(value=v, selected=v == current), t=t)
            for v, t in (("", "-"), ("1", "true"), ("0", "false"))
        )
        control = html("<select{a}>{o}</select>", a=attrs(name=name, id=f"param-{name}"), o=opts)
    else:
        kind = "number" if param == "int" else "text"
        control = html(
            "<input{a}>", a=attrs(type=kind, name=name, id=f"param-{name}", value=current)
        )
    return html(
        "<label>{name} <small>({param}, {hint})</small> {control}</label>{desc}",
        name=name,
        param=param,
        hint=_hint(desc),
        control=control,
        desc=html("<small class='desc'>{d}</small>", d=desc["desc"]) if desc.get("desc") else "",
    )


def _render(
    desc: Mapping[str, Any], name: str, values: Mapping[str, str], items: int, depth: int
) -> Markup:
    kind = desc.get("type")
    if depth > _MAX_DEPTH:
        return html("<p>{n}: nested too deeply for this form</p>", n=name)
    if kind == "value":
        return _value_input(desc, name, values)
    if kind == "multiple":
        content = desc.get("content", {})
        entries = join(
            _render(content, f"{name}[{i}]", values, items, depth + 1) for i in range(items)
        )
        return html(
            "<fieldset><legend>{n} <small>(list, {h})</small></legend>{e}</fieldset>",
            n=name,
            h=_hint(desc),
            e=entries,
        )
    keys: Mapping[str, Any] = desc.get("keys", {})
    inner = join(
        _render(sub, f"{name}[{key}]" if name else key, values, items, depth + 1)
        for key, sub in keys.items()
    )
    if not name:  # the function's parameters themselves
        return inner
    return html(
        "<fieldset><legend>{n} <small>(object, {h})</small></legend>{i}</fieldset>",
        n=name,
        h=_hint(desc),
        i=inner,
    )


def parameter_form(
    parameters: Mapping[str, Any], values: Mapping[str, str] | None = None, items: int = 1
) -> Markup:
    """The inputs for a function's parameters (without the surrounding <form>)."""
    items = max(1, min(MAX_ITEMS, items))
    return _render(parameters, "", values or {}, items, 0)


def call_arguments(fields: Iterable[tuple[str, object]]) -> list[tuple[str, str]]:
    """The submitted fields that are arguments: control fields and empty values dropped."""
    return [
        (name, value)
        for name, value in fields
        if isinstance(value, str) and value != "" and name not in CONTROL_FIELDS
    ]
