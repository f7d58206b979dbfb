"""The bracket form encoder, checked against the gateway's own PHP-style decoder."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.forms import FormLimits, decode_pairs
from wsclient.encoding import encode_form, encode_scalar, prune_none


def test_scalars_lists_and_structures() -> None:
    params = {
        "courseid": 2,
        "courseids": [1, 5],
        "options": [{"name": "excludemodules", "value": True}, {"name": "x", "value": False}],
        "ratio": 0.5,
        "text": "a&b=c [x]",
    }
    assert encode_form(params) == [
        ("courseid", "2"),
        ("courseids[0]", "1"),
        ("courseids[1]", "5"),
        ("options[0][name]", "excludemodules"),
        ("options[0][value]", "1"),
        ("options[1][name]", "x"),
        ("options[1][value]", "0"),
        ("ratio", "0.5"),
        ("text", "a&b=c [x]"),
    ]


def test_deep_nesting() -> None:
    params = {"users": [{"customfields": [{"type": "x", "value": "y"}]}]}
    assert encode_form(params) == [
        ("users[0][customfields][0][type]", "x"),
        ("users[0][customfields][0][value]", "y"),
    ]


def test_none_and_empty_containers_are_left_out() -> None:
    # A form cannot say null or [], so the server's default applies.
    assert encode_form({"a": None, "b": [], "c": {}, "d": [None, 1], "e": {"f": None}}) == [
        ("d[1]", "1")
    ]


def test_bools_are_zero_and_one() -> None:
    # PARAM_BOOL refuses "true"/"false" on REST, as in Moodle.
    assert encode_scalar(True) == "1"
    assert encode_scalar(False) == "0"
    assert encode_scalar(7) == "7"
    assert encode_scalar(2.0) == "2.0"


@pytest.mark.parametrize("bad", [b"bytes", object(), {1, 2}])
def test_unencodable_values_are_refused(bad: object) -> None:
    with pytest.raises(TypeError):
        encode_form({"x": bad})


def test_keys_that_brackets_cannot_carry_are_refused() -> None:
    with pytest.raises(TypeError):
        encode_form({"x": {"a[b]": 1}})
    with pytest.raises(TypeError):
        encode_form({"": 1})


def test_prune_none_at_any_depth() -> None:
    value = {"a": None, "b": [{"c": None, "d": 1}, None], "e": (1, None)}
    assert prune_none(value) == {"b": [{"d": 1}, None], "e": [1, None]}


def _as_php_sees_it(value: Any) -> Any:
    """What PHP's $_POST holds for ``value`` after form encoding (None for "absent")."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        out = {str(k): _as_php_sees_it(v) for k, v in items}
        out = {k: v for k, v in out.items() if v is not None}
        return out or None
    return encode_scalar(value)


_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
_values = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_names, inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(_names, _values, max_size=5))
def test_the_gateway_decodes_what_the_encoder_wrote(params: dict[str, Any]) -> None:
    decoded = decode_pairs(encode_form(params), FormLimits())
    seen = {k: _as_php_sees_it(v) for k, v in params.items()}
    expected = {k: v for k, v in seen.items() if v is not None}
    assert decoded == expected
