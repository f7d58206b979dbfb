"""PHP value semantics: string conversion, casts, print_r, strip_tags."""

from __future__ import annotations

from typing import Any

import pytest

from shared.external.php import gettype, is_numeric, php_float, php_int, php_str, print_r
from shared.external.striptags import strip_tags


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "1"), (False, ""), (None, ""), (5, "5"), (-5, "-5"), (5.0, "5"), (1e20, "1.0E+20"),
        (0.1, "0.1"), (1 / 3, "0.33333333333333"), (1e14, "1.0E+14"), (123456789012345.0,
        "1.2345678901234E+14"), (1.5e-7, "1.5E-7"), (0.0001, "0.0001"), (-0.0, "-0"),
        (float("inf"), "INF"), (float("nan"), "NAN"), (2**64, "1.844674407371E+19"), ("x", "x"),
    ],
)  # fmt: skip
def test_php_str(value: Any, text: str) -> None:
    assert php_str(value) == text


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("12abc", 12), (" 12", 12), ("1e3", 1000), ("1.9", 1), ("-1.9", -1), ("abc", 0), ("", 0),
        (True, 1), (None, 0), (1e20, 7766279631452241920), (float("nan"), 0),
        ("99999999999999999999", 2**63 - 1), ("-99999999999999999999", -(2**63)), ("0x1A", 0),
    ],
)  # fmt: skip
def test_php_int(value: Any, number: int) -> None:
    assert php_int(value) == number


def test_php_float_and_is_numeric() -> None:
    assert php_float("1.5abc") == 1.5
    assert php_float(" .5") == 0.5
    assert php_float("inf") == 0.0
    assert is_numeric("1e3") and is_numeric(" 1.5\n") and is_numeric(5)
    assert not is_numeric("") and not is_numeric(".") and not is_numeric("0x1A")
    assert not is_numeric(True) and not is_numeric("1 2")


def test_gettype() -> None:
    assert [gettype(v) for v in (None, True, 1, 1.0, "", [], {}, object())] == [
        "NULL",
        "boolean",
        "integer",
        "double",
        "string",
        "array",
        "array",
        "object",
    ]


def test_print_r() -> None:
    assert print_r({"a": 1}) == "Array\n(\n    [a] => 1\n)\n"
    assert print_r({"b": [1, True]}) == (
        "Array\n(\n    [b] => Array\n        (\n            [0] => 1\n"
        "            [1] => 1\n        )\n\n)\n"
    )
    assert print_r(None) == ""
    assert print_r(False) == ""
    assert print_r([]) == "Array\n(\n)\n"


@pytest.mark.parametrize(
    ("html", "allowed", "text"),
    [
        ("<b>bold</b>", "", "bold"),
        ("a < b", "", "a < b"),
        ("a > b", "", "a > b"),
        ("a < b", "<lang>", "a "),
        ("a<b", "", "a"),
        ('<a title="x>y">z</a>', "", "z"),
        ("<!-- hidden -->shown", "", "shown"),
        ("<!DOCTYPE html>x", "", "x"),
        ("<?php echo 1; ?>x", "", "x"),
        ('<lang lang="en">a</lang><b>x</b>', "<lang>", '<lang lang="en">a</lang>x'),
        ("<LANG>a</LANG>", "<lang>", "<LANG>a</LANG>"),
        ("<br/>", "<br>", "<br/>"),
        ("a\x00b", "", "ab"),
        ("<<b>>x", "", "x"),
    ],
)
def test_strip_tags(html: str, allowed: str, text: str) -> None:
    assert strip_tags(html, allowed) == text
