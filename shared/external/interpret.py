"""``validate_parameters`` and ``clean_returnvalue``: Moodle's recursive algorithms (§1.5, §1.6).

This is the reference form, a direct walk of the description tree that mirrors Moodle step by
step. Hot paths use :mod:`shared.external.compiler`, whose closures must agree with these
functions on every input (the test suite checks it with generated descriptions and values).
"""

from __future__ import annotations

from typing import Any

from shared.errors import InvalidParameterException, InvalidResponseException, WSError
from shared.external import constants as c
from shared.external.cleaners import validate_param
from shared.external.model import (
    Description,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
)
from shared.external.php import (
    array_items,
    gettype,
    is_array,
    is_scalar,
    object_items,
    php_str,
    print_r,
)

__all__ = [
    "bool_fast_path",
    "clean_returnvalue",
    "php_key",
    "php_keyed",
    "validate_parameters",
    "wrap_debuginfo",
]


def bool_fast_path(value: Any) -> bool:
    """PARAM_BOOL values returned as real booleans without validation.

    For these, PHP's ``(bool)`` is true exactly for ``True``, ``1`` and ``"1"``.
    """
    if value is True or value is False:
        return True
    kind = type(value)
    return (kind is int and value in (0, 1)) or (kind is str and value in ("0", "1"))


def php_key(key: Any) -> str:
    return key if type(key) is str else php_str(key)


def php_keyed(value: Any) -> dict[str, Any]:
    """A PHP array or object as a map with PHP's string forms of its keys, in order."""
    pairs = array_items(value) if is_array(value) else object_items(value)
    return {php_key(key): item for key, item in pairs}


def _finish_single(description: ExternalSingleStructure, result: dict[str, Any]) -> Any:
    # An empty PHP array is a list to json_encode: "[]". Call arguments stay a mapping.
    if not result and not isinstance(description, ExternalFunctionParameters):
        return []
    return result


def wrap_debuginfo(key: str, error: WSError) -> str:
    """Moodle's key-path wrapper: ``<key> => <inner message>: <inner debuginfo>``."""
    return f"{key} => {error.message}: {error.debuginfo or ''}"


def validate_parameters(description: Description, params: Any, *, developer: bool = False) -> Any:
    """Validate and clean call parameters; raises :class:`InvalidParameterException`.

    ``developer`` selects Moodle's developer-debugging message mode (debuginfo appended to the
    message, and so to every key-path wrapper).
    """

    def fail(debuginfo: str) -> InvalidParameterException:
        return InvalidParameterException(debuginfo, developer=developer)

    if params is None and description.allownull:
        return None
    if isinstance(description, ExternalValue):
        if not is_scalar(params):
            raise fail("Scalar type expected, array or object received.")
        if description.type == c.PARAM_BOOL and bool_fast_path(params):
            return params in (True, 1, "1")
        debuginfo = (
            f'Invalid external api parameter: the value is "{php_str(params)}", '
            f'the server was expecting "{description.type}" type'
        )
        return validate_param(
            params, description.type, description.allownull, debuginfo, developer=developer
        )
    if isinstance(description, ExternalSingleStructure):
        if not is_array(params):
            raise fail(f"Only arrays accepted. The bad value is: '{print_r(params)}'")
        remaining = php_keyed(params)
        result: dict[str, Any] = {}
        for key, sub in description.keys.items():
            if key not in remaining:
                if sub.required == c.VALUE_REQUIRED:
                    raise fail(f"Missing required key in single structure: {key}")
                if sub.required == c.VALUE_DEFAULT:
                    try:
                        result[key] = validate_parameters(sub, sub.default, developer=developer)
                    except InvalidParameterException as error:
                        raise fail(wrap_debuginfo(key, error)) from None
            else:
                try:
                    result[key] = validate_parameters(sub, remaining.pop(key), developer=developer)
                except InvalidParameterException as error:
                    raise fail(wrap_debuginfo(key, error)) from None
        if remaining:
            unexpected = ", ".join(remaining)
            raise fail(f"Unexpected keys ({unexpected}) detected in parameter array.")
        return _finish_single(description, result)
    if isinstance(description, ExternalMultipleStructure):
        if not is_array(params):
            raise fail(f"Only arrays accepted. The bad value is: '{print_r(params)}'")
        return [
            validate_parameters(description.content, item, developer=developer)
            for _, item in array_items(params)
        ]
    raise fail("Invalid external api description")


def clean_returnvalue(
    description: Description | None, response: Any, *, developer: bool = False
) -> Any:
    """Validate and clean a function's return value; raises :class:`InvalidResponseException`.

    Unknown keys are dropped; single structures also accept objects (their public fields). A
    ``None`` description (a void function) gives ``None`` whatever the function returned.
    """
    if description is None:
        return None

    def fail(debuginfo: str) -> InvalidResponseException:
        return InvalidResponseException(debuginfo, developer=developer)

    if response is None and description.allownull:
        return None
    if isinstance(description, ExternalValue):
        if not is_scalar(response):
            raise fail("Scalar type expected, array or object received.")
        if description.type == c.PARAM_BOOL and bool_fast_path(response):
            return response in (True, 1, "1")
        debuginfo = (
            f'Invalid external api response: the value is "{php_str(response)}" of PHP type '
            f'"{gettype(response)}", the server was expecting "{description.type}" type'
        )
        try:
            return validate_param(response, description.type, description.allownull, debuginfo)
        except InvalidParameterException as error:
            raise fail(error.debuginfo or "") from None
    if isinstance(description, ExternalSingleStructure):
        if is_scalar(response):
            raise fail(f"Only arrays/objects accepted. The bad value is: '{print_r(response)}'")
        source = php_keyed(response)
        result: dict[str, Any] = {}
        for key, sub in description.keys.items():
            if key not in source:
                if sub.required == c.VALUE_REQUIRED:
                    raise fail(
                        "Error in response - Missing following required key in a single "
                        f"structure: {key}"
                    )
                # Only scalar defaults are filled in on output; structures stay absent.
                if isinstance(sub, ExternalValue) and sub.required == c.VALUE_DEFAULT:
                    try:
                        result[key] = clean_returnvalue(sub, sub.default, developer=developer)
                    except InvalidResponseException as error:
                        raise fail(wrap_debuginfo(key, error)) from None
            else:
                try:
                    result[key] = clean_returnvalue(sub, source[key], developer=developer)
                except InvalidResponseException as error:
                    raise fail(wrap_debuginfo(key, error)) from None
        return _finish_single(description, result)
    if isinstance(description, ExternalMultipleStructure):
        if not is_array(response):
            raise fail(f"Only arrays accepted. The bad value is: '{print_r(response)}'")
        return [
            clean_returnvalue(description.content, item, developer=developer)
            for _, item in array_items(response)
        ]
    raise fail("Invalid external api response description")
