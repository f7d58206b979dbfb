"""Description -> JSON Schema mapping details: defaults, formats, patterns, odd inputs."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator, oas31_format_checker

from services.gateway.apidocs.schema import description_schema
from tests.apidocs.samples import DEFAULT, OPTIONAL, multiple, single, value


def _valid(schema: dict[str, Any], instance: Any) -> bool:
    validator = OAS31Validator(schema, format_checker=oas31_format_checker)
    return bool(validator.is_valid(instance))


@pytest.mark.parametrize(
    ("desc", "expected"),
    [
        (value("int", required=DEFAULT, default="6"), {"default": 6}),
        (value("int", required=DEFAULT, default=2.0), {"default": 2}),
        (value("bool", required=DEFAULT, default="1"), {"default": True}),
        (value("bool", required=DEFAULT, default=0), {"default": False}),
        (value("float", required=DEFAULT, default=1), {"default": 1}),
        (value("alphanum", required=DEFAULT, default=666), {"default": "666"}),
        (value("email", required=DEFAULT, default=""), {"default": ""}),
        (value("url", required=DEFAULT, default="https://x.org/"), {"default": "https://x.org/"}),
        (value("int", required=DEFAULT, default=None), {"default": None}),
        (multiple(value("int"), required=DEFAULT, default=[]), {"default": []}),
        # Defaults Moodle could never accept are kept aside, not asserted.
        (value("int", required=DEFAULT, default=None, allownull=False), {"x-moodle-default": None}),
        (value("int", required=DEFAULT, default="abc"), {"x-moodle-default": "abc"}),
        (value("alpha", required=DEFAULT, default="a1"), {"x-moodle-default": "a1"}),
        (value("email", required=DEFAULT, default="nobody"), {"x-moodle-default": "nobody"}),
        (multiple(value("int"), required=DEFAULT, default=None), {"x-moodle-default": None}),
        (
            single({"a": value("int")}, required=DEFAULT, default={"a": 1}),
            {"x-moodle-default": {"a": 1}},
        ),
    ],
)
def test_defaults_are_coerced_like_moodle_or_set_aside(
    desc: dict[str, Any], expected: dict[str, Any]
) -> None:
    schema = description_schema(desc, "request")
    assert {k: schema[k] for k in ("default", "x-moodle-default") if k in schema} == expected


def test_optional_and_required_keys_carry_no_default() -> None:
    assert "default" not in description_schema(
        value("int", required=OPTIONAL, default=3), "request"
    )
    assert "default" not in description_schema(value("int", default=3), "request")


def test_email_and_url_accept_the_empty_string_moodle_accepts() -> None:
    email = description_schema(value("email", allownull=False), "response")
    assert _valid(email, "a@b.org")
    assert _valid(email, "")
    assert not _valid(email, "nobody")
    assert not _valid(email, None)


@pytest.mark.parametrize(
    ("param", "good", "bad"),
    [
        ("alpha", "abc", "ab1"),
        ("alphanumext", "a_b-1", "a.b"),
        ("sequence", "1,2,3", "1, 2"),
        ("plugin", "mod_forum", "mod__forum"),
        ("plugin", "", "Forum"),
        ("safepath", "a/b_c", "a/b.c"),
    ],
)
def test_patterns_match_the_param_rules(param: str, good: str, bad: str) -> None:
    schema = description_schema(value(param, allownull=False), "request")
    assert _valid(schema, good)
    assert not _valid(schema, bad)


def test_types_without_an_exact_rule_get_no_pattern() -> None:
    for param in ("component", "lang", "text", "raw", "timezone", "username"):
        schema = description_schema(value(param), "request")
        assert "pattern" not in schema
        assert schema["type"] == ["string", "null"]


def test_raw_keeps_its_php_type_only_in_responses() -> None:
    assert description_schema(value("raw", allownull=False), "request")["type"] == "string"
    response = description_schema(value("raw", allownull=False), "response")
    assert response["type"] == ["string", "integer", "number", "boolean"]


def test_nullable_structures() -> None:
    listing = description_schema(multiple(value("int"), allownull=True), "request")
    assert listing["type"] == ["array", "null"]
    obj = description_schema(single({"a": value("int")}, allownull=True), "request")
    assert obj["type"] == ["object", "null"]
    assert obj["required"] == ["a"]


def test_request_structures_never_accept_the_empty_array_shape() -> None:
    schema = description_schema(single({"a": value("int", required=OPTIONAL)}), "request")
    assert schema["type"] == "object"
    assert not _valid(schema, [])
    assert _valid(
        description_schema(single({"a": value("int", required=OPTIONAL)}), "response"), []
    )
