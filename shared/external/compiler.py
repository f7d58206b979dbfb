"""Descriptions compiled once into closures: the fast form of validation and return cleaning.

``compile_parameters(desc)`` and ``compile_returns(desc)`` walk the description tree once and
return a function that validates a value with no further look at the tree. Semantics are those
of :func:`~shared.external.interpret.validate_parameters` and
:func:`~shared.external.interpret.clean_returnvalue` exactly (same results, same errors); the
closures only add fast paths for values that are already clean (an ``int`` for PARAM_INT, a
string of allowed characters for PARAM_ALPHANUMEXT, ...) and fall back to the full PARAM rule
otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from shared.errors import InvalidParameterException, InvalidResponseException, WSError
from shared.external import constants as c
from shared.external.cleaners import CLEANERS, REJECT, check_param
from shared.external.interpret import bool_fast_path, php_key, php_keyed, wrap_debuginfo
from shared.external.model import (
    Description,
    ExternalDescription,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
)
from shared.external.php import PHP_INT_MAX, PHP_INT_MIN, gettype, is_scalar, php_str, print_r

__all__ = ["Validator", "compile_parameters", "compile_returns"]

Validator = Callable[[Any], Any]

_MISSING: Any = object()
_BAD = "\x00\ufffe\uffff\ud800-\udfff"
# Strings these types keep unchanged, so validation can return them at once.
_PLAIN: dict[str, Callable[[str], object]] = {
    c.PARAM_RAW: re.compile(f"[^{_BAD}]*\\Z").match,
    c.PARAM_RAW_TRIMMED: re.compile(
        f"(?![ \\t\\n\\r\\x0b])[^{_BAD}]*(?<![ \\t\\n\\r\\x0b])\\Z"
    ).match,
    c.PARAM_TEXT: re.compile(f"[^<{_BAD}]*\\Z").match,
    c.PARAM_NOTAGS: re.compile(f"[^<{_BAD}]*\\Z").match,
    c.PARAM_ALPHA: re.compile(r"[a-zA-Z]*\Z").match,
    c.PARAM_ALPHAEXT: re.compile(r"[a-zA-Z_-]*\Z").match,
    c.PARAM_ALPHANUM: re.compile(r"[A-Za-z0-9]*\Z").match,
    c.PARAM_ALPHANUMEXT: re.compile(r"[A-Za-z0-9_-]*\Z").match,
    c.PARAM_SEQUENCE: re.compile(r"[0-9,]*\Z").match,
    c.PARAM_SAFEDIR: re.compile(r"[a-zA-Z0-9_-]*\Z").match,
    c.PARAM_SAFEPATH: re.compile(r"[a-zA-Z0-9/_-]*\Z").match,
    c.PARAM_FILE: re.compile(f"(?!\\.\\.?\\Z)[^\x00-\x1f\x7f-\x9f&<>\"`|':\\\\/{_BAD}]*\\Z").match,
}
# Types whose cleaner may return something other than a string for a string.
_NON_STRING_RESULTS = frozenset(
    {c.PARAM_INT, c.PARAM_FLOAT, c.PARAM_BOOL, c.PARAM_PERMISSION, c.PARAM_LOCALISEDFLOAT}
)
#: Bound of each string validator's memo of values found clean (cleared when full).
_KNOWN_MAX = 4096
# Canonical decimal integers that certainly fit in 64 bits.
_INT_STRING = re.compile(r"(?:0|-?[1-9][0-9]{0,17})\Z").match
_INT_KEY = re.compile(r"(?:0|-?[1-9][0-9]*)\Z").match


class _Mode(NamedTuple):
    output: bool
    developer: bool

    @property
    def exc(self) -> type[WSError]:
        return InvalidResponseException if self.output else InvalidParameterException

    def error(self, debuginfo: str) -> WSError:
        if self.output:
            return InvalidResponseException(debuginfo, developer=self.developer)
        return InvalidParameterException(debuginfo, developer=self.developer)


def _compile_value_slow(desc: ExternalValue, mode: _Mode) -> Validator:
    ptype, allownull, error = desc.type, desc.allownull, mode.error
    is_bool = ptype == c.PARAM_BOOL
    output = mode.output

    def slow(value: Any) -> Any:
        if value is None and allownull:
            return None
        if not is_scalar(value):
            raise error("Scalar type expected, array or object received.")
        if is_bool and bool_fast_path(value):
            return value in (True, 1, "1")
        if value is not None:
            cleaned = check_param(value, ptype)
            if cleaned is not REJECT:
                return cleaned
        if output:
            raise error(
                f'Invalid external api response: the value is "{php_str(value)}" of PHP type '
                f'"{gettype(value)}", the server was expecting "{ptype}" type'
            )
        raise error(
            f'Invalid external api parameter: the value is "{php_str(value)}", '
            f'the server was expecting "{ptype}" type'
        )

    return slow


def _compile_value(desc: ExternalValue, mode: _Mode) -> Validator:
    slow = _compile_value_slow(desc, mode)
    ptype = desc.type
    if ptype == c.PARAM_INT:

        def int_value(value: Any) -> Any:
            kind = type(value)
            if kind is int:
                if PHP_INT_MIN <= value <= PHP_INT_MAX:
                    return value
            elif kind is str and _INT_STRING(value):
                return int(value)
            return slow(value)

        return int_value
    if ptype == c.PARAM_FLOAT:

        def float_value(value: Any) -> Any:
            kind = type(value)
            if kind is float:
                return value
            if kind is int and PHP_INT_MIN <= value <= PHP_INT_MAX:
                return float(value)
            return slow(value)

        return float_value
    if ptype == c.PARAM_BOOL:

        def bool_value(value: Any) -> Any:
            if value is True or value is False:
                return value
            return slow(value)

        return bool_value
    plain = _PLAIN.get(ptype)
    if plain is None:
        if ptype in _NON_STRING_RESULTS:
            return slow
        cleaner = CLEANERS[ptype]
        # Strings already found clean. Cleaning is a pure function of the string (the wwwroot
        # it may read is set once at start-up), and the same values come back call after call
        # (module names, URLs of the same course), so their regex work is done once.
        known: dict[str, None] = {}

        def string_value(value: Any) -> Any:
            # For a string whose cleaning gives the same string, "unchanged after cleaning"
            # holds; skip the generic checks. Everything else takes the full path.
            if type(value) is str:
                if value in known:
                    return value
                if cleaner(value) == value:
                    if len(known) >= _KNOWN_MAX:
                        known.clear()
                    known[value] = None
                    return value
            return slow(value)

        string_value.known = known  # type: ignore[attr-defined]  # inlined by _generate_run
        return string_value
    if ptype == c.PARAM_RAW:
        known_raw: dict[str, None] = {}

        def raw_value(value: Any) -> Any:
            kind = type(value)
            if kind is str:
                if value in known_raw:
                    return value
                if plain(value):
                    if len(known_raw) >= _KNOWN_MAX:
                        known_raw.clear()
                    known_raw[value] = None
                    return value
            elif kind is int or kind is float or kind is bool:
                return value  # RAW keeps the type, and no number is changed by fix_utf8
            return slow(value)

        raw_value.known = known_raw  # type: ignore[attr-defined]
        return raw_value

    known_plain: dict[str, None] = {}

    def plain_value(value: Any) -> Any:
        if type(value) is str:
            if value in known_plain:
                return value
            if plain(value):
                if len(known_plain) >= _KNOWN_MAX:
                    known_plain.clear()
                known_plain[value] = None
                return value
        return slow(value)

    plain_value.known = known_plain  # type: ignore[attr-defined]
    return plain_value


def _compile_single(desc: ExternalSingleStructure, mode: _Mode) -> Validator:
    output, error, exc = mode.output, mode.error, mode.exc
    entries = tuple(
        (
            key,
            _compile(sub, mode),
            sub.required,
            # Output fills in defaults of scalars only; input of everything.
            sub.required == c.VALUE_DEFAULT and (not output or isinstance(sub, ExternalValue)),
            sub.default,
        )
        for key, sub in desc.keys.items()
    )
    allownull = desc.allownull
    keep_dict = isinstance(desc, ExternalFunctionParameters)
    # PHP stores integer-like keys as integers, so a non-string key (0, True) can only match a
    # described key that looks like an integer; without such keys the check is skipped.
    int_like = any(_INT_KEY(key) for key in desc.keys)
    if output:
        missing_text = "Error in response - Missing following required key in a single structure: "
        bad_text = "Only arrays/objects accepted. The bad value is: '"
    else:
        missing_text = "Missing required key in single structure: "
        bad_text = "Only arrays accepted. The bad value is: '"

    def generic_run(source: dict[Any, Any], check_keys: bool) -> Any:
        result: dict[str, Any] = {}
        found = 0
        for key, validate, required, use_default, default in entries:
            item = source.get(key, _MISSING)
            if item is _MISSING:
                if check_keys:
                    # PHP would have matched integer keys to their string forms.
                    if any(type(name) is not str for name in source):
                        return generic_run(php_keyed(source), False)
                    check_keys = False
                if required == c.VALUE_REQUIRED:
                    raise error(missing_text + key)
                if not use_default:
                    continue
                item = default
            else:
                found += 1
            try:
                result[key] = validate(item)
            except exc as inner:
                raise error(wrap_debuginfo(key, inner)) from None
        if not output and found != len(source):
            if check_keys and any(type(name) is not str for name in source):
                return generic_run(php_keyed(source), False)
            unexpected = ", ".join(php_key(name) for name in source if name not in desc.keys)
            raise error(f"Unexpected keys ({unexpected}) detected in parameter array.")
        if result or keep_dict:
            return result
        return []  # an empty PHP array: JSON "[]"

    run = _generate_run(
        entries,
        generic_run,
        error,
        exc,
        output=output,
        keep_dict=keep_dict,
        missing_text=missing_text,
        described=desc.keys,
    )

    def single(value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            return run(value, int_like)
        if value is None and allownull:
            return None
        if isinstance(value, dict):
            return run(value, int_like)
        if isinstance(value, list | tuple) or (output and not is_scalar(value)):
            return run(php_keyed(value), False)
        raise error(f"{bad_text}{print_r(value)}'")

    return single


def _generate_run(
    entries: tuple[tuple[str, Validator, int, bool, Any], ...],
    generic_run: Callable[[dict[Any, Any], bool], Any],
    error: Callable[[str], WSError],
    exc: type[WSError],
    *,
    output: bool,
    keep_dict: bool,
    missing_text: str,
    described: dict[str, Any],
) -> Callable[[dict[Any, Any], bool], Any]:
    """``generic_run`` unrolled into straight-line code for this structure's keys.

    Same semantics, without the per-key loop and tuple unpacking, and with PARAM_INT values
    that are already in range stored without a call: on large returns (hundreds of modules)
    this is most of the cost. Unusual inputs (non-string keys, unexpected keys) go back to
    ``generic_run``.
    """
    ns: dict[str, Any] = {
        "MISSING": _MISSING,
        "generic_run": generic_run,
        "php_keyed": php_keyed,
        "error": error,
        "exc": exc,
        "wrap": wrap_debuginfo,
        "missing_text": missing_text,
        "INT_MIN": PHP_INT_MIN,
        "INT_MAX": PHP_INT_MAX,
        "described": described,
        "php_key": php_key,
    }
    code = [
        "def run(source, check_keys):",
        "    result = {}",
        "    found = 0",
        "    get = source.get",
    ]

    def store(i: int, validate: Validator, indent: str) -> list[str]:
        body = [
            f"{indent}try:",
            f"{indent}    result[k{i}] = v{i}(item)",
            f"{indent}except exc as inner:",
            f"{indent}    raise error(wrap(k{i}, inner)) from None",
        ]
        # Values that are clean already are stored without a call: on large returns
        # (hundreds of modules, thousands of values) the calls were most of the cost.
        name = getattr(validate, "__name__", "")
        known = getattr(validate, "known", None)
        if name == "int_value":
            fast = "type(item) is int and INT_MIN <= item <= INT_MAX"
        elif name == "bool_value":
            fast = "item is True or item is False"
        elif name == "float_value":
            fast = "type(item) is float"
        elif known is not None:
            # The validator's memo of strings found clean (same dict object for its life).
            ns[f"m{i}"] = known
            fast = f"type(item) is str and item in m{i}"
        else:
            return body
        return [
            f"{indent}if {fast}:",
            f"{indent}    result[k{i}] = item",
            f"{indent}else:",
            *("    " + line for line in body),
        ]

    for i, (key, validate, required, use_default, default) in enumerate(entries):
        ns[f"k{i}"], ns[f"v{i}"], ns[f"d{i}"] = key, validate, default
        code += [
            f"    item = get(k{i}, MISSING)",
            "    if item is MISSING:",
            "        if check_keys:",
            "            if any(type(name) is not str for name in source):",
            "                return generic_run(php_keyed(source), False)",
            "            check_keys = False",
        ]
        if required == c.VALUE_REQUIRED:
            code.append(f"        raise error(missing_text + k{i})")
        elif use_default:
            code.append(f"        item = d{i}")
            code += store(i, validate, "        ")
        else:
            code.append("        pass")
        # Only input counts the keys found (to report unexpected ones).
        counted = [] if output else ["        found += 1"]
        code += ["    else:", *counted, *store(i, validate, "        ")]
    if not output:
        code += [
            "    if found != len(source):",
            "        if check_keys and any(type(name) is not str for name in source):",
            "            return generic_run(php_keyed(source), False)",
            "        unexpected = ', '.join(php_key(n) for n in source if n not in described)",
            "        raise error(f'Unexpected keys ({unexpected}) detected in parameter array.')",
        ]
    # An empty result is PHP's empty array, JSON "[]"; function parameters stay a dict.
    code += ["    return result"] if keep_dict else ["    return result if result else []"]
    exec("\n".join(code), ns)  # noqa: S102  (generated from the description, not from input)
    run: Callable[[dict[Any, Any], bool], Any] = ns["run"]
    return run


def _compile_multiple(desc: ExternalMultipleStructure, mode: _Mode) -> Validator:
    validate = _compile(desc.content, mode)
    allownull, error = desc.allownull, mode.error

    def multiple(value: Any) -> Any:
        if type(value) is list:
            return [validate(item) for item in value]
        if value is None and allownull:
            return None
        if isinstance(value, dict):
            return [validate(item) for item in value.values()]
        if isinstance(value, list | tuple):
            return [validate(item) for item in value]
        raise error(f"Only arrays accepted. The bad value is: '{print_r(value)}'")

    return multiple


def _compile(desc: ExternalDescription, mode: _Mode) -> Validator:
    if isinstance(desc, ExternalValue):
        return _compile_value(desc, mode)
    if isinstance(desc, ExternalSingleStructure):
        return _compile_single(desc, mode)
    if isinstance(desc, ExternalMultipleStructure):
        return _compile_multiple(desc, mode)
    # Reached only by foreign subclasses of ExternalDescription, as in Moodle.
    text = (
        "Invalid external api response description"
        if mode.output
        else ("Invalid external api description")
    )

    def invalid(value: Any) -> Any:
        raise mode.error(text)

    return invalid


def compile_parameters(description: Description, *, developer: bool = False) -> Validator:
    """Compile a parameters description into ``validate(params) -> cleaned``.

    The validator raises :class:`InvalidParameterException` exactly as ``validate_parameters``.
    """
    return _compile(description, _Mode(output=False, developer=developer))


def compile_returns(description: Description | None, *, developer: bool = False) -> Validator:
    """Compile a returns description into ``clean(value) -> cleaned``.

    ``None`` (a void function) compiles to a function that always returns ``None``. The cleaner
    raises :class:`InvalidResponseException` exactly as ``clean_returnvalue``.
    """
    if description is None:
        return lambda value: None
    return _compile(description, _Mode(output=True, developer=developer))
