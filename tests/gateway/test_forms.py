"""PHP-style form decoding: the shapes real clients send, and hostile input refused cleanly."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.gateway.forms import FormError, FormLimits, decode_pairs, decode_query

LIMITS = FormLimits(max_fields=100, max_depth=8)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("courseid=2", {"courseid": "2"}),
        ("a=1&a=2", {"a": "2"}),  # the last value wins
        ("ids[0]=1&ids[1]=2", {"ids": {"0": "1", "1": "2"}}),
        ("ids[]=1&ids[]=2", {"ids": {"0": "1", "1": "2"}}),
        ("ids[5]=a&ids[]=b", {"ids": {"5": "a", "6": "b"}}),
        (
            "options%5B0%5D%5Bname%5D=x&options[0][value]=1",
            {"options": {"0": {"name": "x", "value": "1"}}},
        ),
        ("u[0][custom][0][type]=t", {"u": {"0": {"custom": {"0": {"type": "t"}}}}}),
        ("a.b=1&c d=2", {"a_b": "1", "c_d": "2"}),  # PHP mangles top-level names
        ("name=a+b&other=a%20b", {"name": "a b", "other": "a b"}),
        ("empty=&flag", {"empty": "", "flag": ""}),
        ("a=1&a[x]=2", {"a": {"x": "2"}}),  # a later array replaces a scalar
        ("[x]=1", {}),  # no base name: dropped, as PHP does
        ("a[b=1", {"a_b": "1"}),  # unmatched bracket: PHP turns it into "_"
        ("a[b][c=1", {"a": {"b": "1"}}),  # text after the last full segment is ignored
    ],
)
def test_php_shapes(query: str, expected: dict[str, Any]) -> None:
    assert decode_query(query, LIMITS) == expected


def test_bytes_and_raw_utf8() -> None:
    assert decode_query("name=Zoë".encode(), LIMITS) == {"name": "Zoë"}
    assert decode_query(b"name=Zo%C3%AB", LIMITS) == {"name": "Zoë"}


@pytest.mark.parametrize(
    "raw",
    [
        b"name=%ff",  # percent-encoded invalid UTF-8
        b"\xff=1",  # raw invalid UTF-8
        b"a" + b"[x]" * 9 + b"=1",  # deeper than max_depth
        b"&".join(b"f%d=1" % i for i in range(101)),  # more fields than allowed
    ],
)
def test_hostile_input_is_refused(raw: bytes) -> None:
    with pytest.raises(FormError):
        decode_query(raw, LIMITS)


def test_field_limit_counts_pairs_given_directly() -> None:
    with pytest.raises(FormError):
        decode_pairs([(f"f{i}", "1") for i in range(101)], LIMITS)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_decode_or_fail_cleanly(raw: bytes) -> None:
    try:
        result = decode_query(raw, LIMITS)
    except FormError:
        return
    assert isinstance(result, dict)
    assert all(isinstance(k, str) for k in result)


_key = st.text(alphabet="abc[]%5BD.", min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_key, st.text(max_size=5)), max_size=30))
def test_any_bracket_names_build_nested_string_maps(pairs: list[tuple[str, str]]) -> None:
    try:
        result = decode_pairs(pairs, LIMITS)
    except FormError:
        return

    def check(node: object, depth: int) -> None:
        assert depth <= LIMITS.max_depth + 1
        if isinstance(node, dict):
            for key, value in node.items():
                assert isinstance(key, str)
                check(value, depth + 1)
        else:
            assert isinstance(node, str)

    check(result, 0)
