"""PHP value semantics the validators must reproduce, over the Python model of PHP values.

The model: ``None`` is NULL, ``bool``/``int``/``float``/``str`` are the scalars, ``dict``, ``list``
and ``tuple`` are PHP arrays (a list is an array keyed 0..n-1), anything else is an object. A
Python ``int`` outside the 64-bit range cannot exist in PHP (its JSON decoder makes it a float),
so it is treated as the float it would have been.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator
from typing import Any, Final

import msgspec

__all__ = [
    "PHP_INT_MAX",
    "PHP_INT_MIN",
    "array_items",
    "fix_utf8",
    "gettype",
    "htmlspecialchars",
    "is_array",
    "is_numeric",
    "is_scalar",
    "object_items",
    "php_empty",
    "php_float",
    "php_float_str",
    "php_int",
    "php_str",
    "php_trim",
    "print_r",
]

PHP_INT_MAX: Final = 2**63 - 1
PHP_INT_MIN: Final = -(2**63)

# PHP's numeric strings (PHP 8): optional leading/trailing ASCII whitespace, decimal only.
_WS = " \t\n\r\x0b\x0c"
_NUMERIC_PREFIX = re.compile(
    r"[ \t\n\r\x0b\x0c]*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
)
_INTEGER_SYNTAX = re.compile(r"[+-]?[0-9]+\Z")
# What Moodle's fix_utf8() drops: NUL, U+FFFE, U+FFFF, and (as iconv //IGNORE would) anything
# that is not valid UTF-8 — in a Python str that can only be a lone surrogate.
_BAD_UTF8 = re.compile("[\x00\ufffe\uffff\ud800-\udfff]")


def is_array(value: Any) -> bool:
    return isinstance(value, dict | list | tuple)


def is_scalar(value: Any) -> bool:
    """True for NULL and the four PHP scalar types."""
    return value is None or type(value) in (bool, int, float, str)


def _big(value: int) -> bool:
    return value > PHP_INT_MAX or value < PHP_INT_MIN


def _int_as_float(value: int) -> float:
    # What PHP's JSON decoder would have made of an integer too large for 64 bits.
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def php_float_str(value: float) -> str:
    """``(string)$float`` with PHP's ``precision=14``: ``5.0``→``5``, ``1e20``→``1.0E+20``."""
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    text = f"{value:.14G}"
    if "E" not in text:
        return text
    mantissa, exponent = text.split("E")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}E{exponent[0]}{exponent[1:].lstrip('0') or '0'}"


def php_str(value: Any) -> str:
    """PHP's string conversion of a scalar (``(string)$x``, string concatenation)."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if kind is int:
        return php_float_str(_int_as_float(value)) if _big(value) else str(value)
    if kind is float:
        return php_float_str(value)
    if is_array(value):
        return "Array"
    return f"{type(value).__name__} Object"


def gettype(value: Any) -> str:
    """PHP ``gettype()`` names."""
    kind = type(value)
    if value is None:
        return "NULL"
    if kind is bool:
        return "boolean"
    if kind is int:
        return "double" if _big(value) else "integer"
    if kind is float:
        return "double"
    if kind is str:
        return "string"
    return "array" if is_array(value) else "object"


def php_empty(value: Any) -> bool:
    """PHP ``empty()``: null, false, 0, 0.0, ``""``, ``"0"`` and empty arrays."""
    if value is None or value is False:
        return True
    if type(value) is str:
        return value in ("", "0")
    if is_array(value):
        return len(value) == 0
    if type(value) in (int, float):
        return bool(value == 0)
    return False


def php_trim(text: str) -> str:
    """PHP ``trim()`` with its default character set."""
    return text.strip(" \t\n\r\0\x0b")


def fix_utf8(value: Any) -> Any:
    """Moodle ``fix_utf8()`` on a scalar: strings lose invalid characters, other types pass."""
    if type(value) is str and _BAD_UTF8.search(value) is not None:
        return _BAD_UTF8.sub("", value)
    return value


def is_numeric(value: Any) -> bool:
    """PHP 8 ``is_numeric()``."""
    kind = type(value)
    if kind in (int, float):
        return True
    if kind is not str:
        return False
    match = _NUMERIC_PREFIX.match(value)
    return match is not None and value[match.end() :].strip(_WS) == ""


def _dval_to_lval(value: float) -> int:
    # (int)$float on 64-bit PHP 7+: truncation, modular wrap-around when out of range.
    if not math.isfinite(value):
        return 0
    number = int(value) % 2**64
    return number - 2**64 if number > PHP_INT_MAX else number


def _string_to_int(text: str) -> int:
    match = _NUMERIC_PREFIX.match(text)
    if match is None:
        return 0
    number = match.group(1)
    if _INTEGER_SYNTAX.match(number):
        parsed = int(number)
        if not _big(parsed):
            return parsed
    # A float-syntax or overflowing string saturates (zend_dval_to_lval_cap).
    real = float(number)
    if not math.isfinite(real):
        return 0
    if real >= 2.0**63:
        return PHP_INT_MAX
    if real < -(2.0**63):
        return PHP_INT_MIN
    return int(real)


def php_int(value: Any) -> int:
    """PHP ``(int)`` cast."""
    kind = type(value)
    if kind is int:
        return _dval_to_lval(_int_as_float(value)) if _big(value) else value
    if kind is str:
        return _string_to_int(value)
    if kind is float:
        return _dval_to_lval(value)
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if is_array(value):
        return 1 if value else 0
    return 1


def php_float(value: Any) -> float:
    """PHP ``(float)`` cast."""
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return _int_as_float(value)
    if kind is bool:
        return float(value)
    if kind is str:
        match = _NUMERIC_PREFIX.match(value)
        return float(match.group(1)) if match else 0.0
    if value is None:
        return 0.0
    if is_array(value):
        return 1.0 if value else 0.0
    return 1.0


def htmlspecialchars(text: str) -> str:
    """``htmlspecialchars($s, ENT_COMPAT, 'UTF-8')``: ``& < > "`` escaped, quotes ``'`` kept."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


def array_items(value: Any) -> Iterator[tuple[Any, Any]]:
    """(key, value) pairs of a PHP array (dict, list or tuple)."""
    if isinstance(value, dict):
        return iter(value.items())
    return enumerate(value)


def object_items(value: Any) -> Iterator[tuple[str, Any]]:
    """Public properties of an object, as ``(array)$object`` would list them.

    msgspec Structs give their fields (``UNSET`` ones are absent), dataclasses theirs, other
    objects their public instance attributes.
    """
    names: Any = getattr(type(value), "__struct_fields__", None)
    if names is None and dataclasses.is_dataclass(value):
        names = [field.name for field in dataclasses.fields(value)]
    if names is not None:
        pairs = ((name, getattr(value, name, msgspec.UNSET)) for name in names)
        return ((k, v) for k, v in pairs if v is not msgspec.UNSET)
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return ((k, v) for k, v in attributes.items() if not k.startswith("_"))
    return iter(())


def _print_r(value: Any, indent: int, out: list[str]) -> None:
    if is_array(value):
        out.append("Array\n")
        _print_hash(array_items(value), indent, out)
    elif is_scalar(value):
        out.append(php_str(value))
    else:
        out.append(f"{type(value).__name__} Object\n")
        _print_hash(object_items(value), indent, out)


def _print_hash(items: Iterator[tuple[Any, Any]], indent: int, out: list[str]) -> None:
    pad = " " * indent
    out.append(f"{pad}(\n")
    for key, item in items:
        out.append(f"{pad}    [{php_str(key)}] => ")
        _print_r(item, indent + 8, out)
        out.append("\n")
    out.append(f"{pad})\n")


def print_r(value: Any) -> str:
    """``print_r($value, true)``: arrays as ``Array\\n(\\n    [k] => v\\n)\\n``."""
    out: list[str] = []
    _print_r(value, 0, out)
    return "".join(out)
