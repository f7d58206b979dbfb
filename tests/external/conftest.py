"""Helpers for the description-language tests: run a value through every validator path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared.errors import WSError
from shared.external import (
    clean_returnvalue,
    compile_parameters,
    compile_returns,
    validate_parameters,
)
from shared.external.cleaners import site
from shared.external.model import Description

MODES = (False, True)


def outcome(call: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """``("ok", result)`` or ``("error", (class, errorcode, message, debuginfo))``."""
    try:
        return "ok", call(*args, **kwargs)
    except WSError as error:
        return "error", (type(error).__name__, error.errorcode, error.message, error.debuginfo)


def validate_all(desc: Description, value: Any, *, developer: bool) -> tuple[str, Any]:
    """Input validation through the interpreter and the compiled form, which must agree."""
    interpreted = outcome(validate_parameters, desc, value, developer=developer)
    compiled = outcome(compile_parameters(desc, developer=developer), value)
    assert interpreted == compiled
    return interpreted


def clean_all(desc: Description, value: Any, *, developer: bool) -> tuple[str, Any]:
    """Return cleaning through the interpreter and the compiled form, which must agree."""
    interpreted = outcome(clean_returnvalue, desc, value, developer=developer)
    compiled = outcome(compile_returns(desc, developer=developer), value)
    assert interpreted == compiled
    return interpreted


@pytest.fixture
def wwwroot() -> Iterator[str]:
    """A site wwwroot for LOCALURL tests, restored afterwards."""
    saved = site.wwwroot
    site.wwwroot = "http://www.example.com/moodle"
    yield site.wwwroot
    site.wwwroot = saved
