"""Short builders for function descriptions: the core plugin declares dozens of structures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.external import (
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    VALUE_REQUIRED,
    Description,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
)

__all__ = ["NODEFAULT", "m", "s", "v"]

NODEFAULT: Any = object()


def _required(opt: bool, default: Any) -> int:
    if default is not NODEFAULT:
        return VALUE_DEFAULT
    return VALUE_OPTIONAL if opt else VALUE_REQUIRED


def v(
    param: str, desc: str = "", *, opt: bool = False, default: Any = NODEFAULT, null: bool = True
) -> ExternalValue:
    """A value: required, optional (``opt=True``) or with a default (``default=...``)."""
    required = _required(opt, default)
    return ExternalValue(param, desc, required, None if default is NODEFAULT else default, null)


def s(
    keys: Mapping[str, Description], desc: str = "", *, opt: bool = False, default: Any = NODEFAULT
) -> ExternalSingleStructure:
    required = _required(opt, default)
    return ExternalSingleStructure(keys, desc, required, None if default is NODEFAULT else default)


def m(
    item: Description, desc: str = "", *, opt: bool = False, default: Any = NODEFAULT
) -> ExternalMultipleStructure:
    required = _required(opt, default)
    return ExternalMultipleStructure(
        item, desc, required, None if default is NODEFAULT else default
    )
