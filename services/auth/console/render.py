"""A tiny escaping renderer: every value is HTML-escaped unless it is already :class:`Markup`.

Pages are composed from :func:`html` fragments, so escaping is the default and forgetting it
cannot happen by omission: only fragments built here (or :func:`raw` for constant text) pass
through untouched.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable

__all__ = ["Markup", "attrs", "escape", "html", "join", "raw"]


class Markup(str):
    """Text that is already safe HTML."""

    __slots__ = ()


def escape(value: object) -> Markup:
    """``value`` as safe HTML: Markup unchanged, anything else converted and escaped."""
    if isinstance(value, Markup):
        return value
    return Markup(_html.escape("" if value is None else str(value), quote=True))


def raw(text: str) -> Markup:
    """Constant HTML written in this package (never data)."""
    return Markup(text)


def html(template: str, /, **values: object) -> Markup:
    """``template`` (constant HTML with ``{name}`` fields) with each value escaped."""
    return Markup(template.format(**{k: escape(v) for k, v in values.items()}))


def join(parts: Iterable[object], sep: str = "") -> Markup:
    return Markup(sep.join(escape(p) for p in parts))


def attrs(**values: object) -> Markup:
    """HTML attributes; ``True`` writes the bare name, ``False``/``None`` leaves it out.

    A trailing underscore is dropped (``class_``); other underscores become dashes.
    """
    out = []
    for name, value in values.items():
        key = name.rstrip("_").replace("_", "-")
        if value is True:
            out.append(f" {key}")
        elif value is not False and value is not None:
            out.append(f' {key}="{escape(value)}"')
    return Markup("".join(out))
