"""Structure validation (spec §1.5) and return cleaning (§1.6) with Moodle's error texts (§1.7)."""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec
import pytest

from shared.external import (
    NULL_ALLOWED,
    PARAM_BOOL,
    PARAM_INT,
    PARAM_RAW,
    PARAM_TEXT,
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
    ExternalWarnings,
    clean_returnvalue,
    compile_returns,
)
from tests.external.conftest import MODES, clean_all, validate_all

IN_MSG = "Invalid parameter value detected"
OUT_MSG = "Invalid response value detected"


def in_error(debuginfo: str, developer: bool) -> tuple[str, tuple[str, str, str, str]]:
    message = f"{IN_MSG} ({debuginfo})" if developer else IN_MSG
    return "error", ("InvalidParameterException", "invalidparameter", message, debuginfo)


def out_error(debuginfo: str, developer: bool) -> tuple[str, tuple[str, str, str, str]]:
    message = f"{OUT_MSG} ({debuginfo})" if developer else OUT_MSG
    return "error", ("InvalidResponseException", "invalidresponse", message, debuginfo)


# Spec shorthand (V/S/M/FP).
def V(ptype: str, *args: Any, **kwargs: Any) -> ExternalValue:
    return ExternalValue(ptype, "", *args, **kwargs)


def S(keys: dict[str, Any], **kwargs: Any) -> ExternalSingleStructure:
    return ExternalSingleStructure(keys, **kwargs)


def M(content: Any, **kwargs: Any) -> ExternalMultipleStructure:
    return ExternalMultipleStructure(content, **kwargs)


def FP(keys: dict[str, Any]) -> ExternalFunctionParameters:
    return ExternalFunctionParameters(keys)


@pytest.mark.parametrize("developer", MODES)
class TestInput:
    def test_cleans_in_declaration_order(self, developer: bool) -> None:
        desc = FP({"a": V(PARAM_INT), "b": V(PARAM_TEXT)})
        status, result = validate_all(desc, {"b": "x", "a": "5"}, developer=developer)
        assert status == "ok"
        assert list(result.items()) == [("a", 5), ("b", "x")]

    def test_missing_required_key(self, developer: bool) -> None:
        desc = FP({"courseid": V(PARAM_INT)})
        assert validate_all(desc, {}, developer=developer) == in_error(
            "Missing required key in single structure: courseid", developer
        )

    def test_defaults_are_validated(self, developer: bool) -> None:
        desc = FP(
            {
                "n": V(PARAM_INT, VALUE_DEFAULT, "6"),
                "z": V(PARAM_INT, VALUE_DEFAULT),
                "m": M(V(PARAM_INT), required=VALUE_DEFAULT, default=[]),
                "o": V(PARAM_INT, VALUE_OPTIONAL),
            }
        )
        assert validate_all(desc, {}, developer=developer) == ("ok", {"n": 6, "z": None, "m": []})

    def test_bad_default_is_wrapped_with_its_key(self, developer: bool) -> None:
        desc = FP({"n": V(PARAM_INT, VALUE_DEFAULT, "x")})
        inner = (
            'Invalid external api parameter: the value is "x", the server was expecting "int" type'
        )
        inner_msg = f"{IN_MSG} ({inner})" if developer else IN_MSG
        assert validate_all(desc, {}, developer=developer) == in_error(
            f"n => {inner_msg}: {inner}", developer
        )

    def test_unexpected_keys_in_input_order(self, developer: bool) -> None:
        desc = FP({"a": V(PARAM_INT)})
        assert validate_all(desc, {"z": 1, "a": 1, "b": 2}, developer=developer) == in_error(
            "Unexpected keys (z, b) detected in parameter array.", developer
        )

    def test_described_errors_come_before_unexpected_keys(self, developer: bool) -> None:
        desc = FP({"a": V(PARAM_INT)})
        _status, error = validate_all(desc, {"z": 1}, developer=developer)
        assert error[3] == "Missing required key in single structure: a"

    def test_key_path_wrapping(self, developer: bool) -> None:
        desc = FP({"users": M(S({"id": V(PARAM_INT)}))})
        status, error = validate_all(desc, {"users": [{"id": "x"}]}, developer=developer)
        leaf = (
            'Invalid external api parameter: the value is "x", the server was expecting "int" type'
        )
        if developer:
            mid = f"id => {IN_MSG} ({leaf}): {leaf}"
            top = f"users => {IN_MSG} ({mid}): {mid}"
        else:
            top = f"users => {IN_MSG}: id => {IN_MSG}: {leaf}"
        assert (status, error) == in_error(top, developer)

    def test_multiple_accepts_dicts_and_reindexes(self, developer: bool) -> None:
        desc = FP({"ids": M(V(PARAM_INT))})
        assert validate_all(desc, {"ids": {"5": "1", "9": 2}}, developer=developer) == (
            "ok",
            {"ids": [1, 2]},
        )

    def test_lists_as_single_structures(self, developer: bool) -> None:
        desc = FP({"opts": S({"a": V(PARAM_INT, VALUE_OPTIONAL)})})
        assert validate_all(desc, {"opts": []}, developer=developer) == ("ok", {"opts": []})
        assert validate_all(desc, {"opts": ["x"]}, developer=developer)[1][3] == (
            f"opts => {IN_MSG}"
            + (" (Unexpected keys (0) detected in parameter array.)" if developer else "")
            + ": Unexpected keys (0) detected in parameter array."
        )
        assert validate_all(FP({}), [], developer=developer) == ("ok", {})

    def test_integer_keys_match_their_string_names(self, developer: bool) -> None:
        desc = S({"0": V(PARAM_TEXT), "1": V(PARAM_INT)})
        assert validate_all(desc, ["a", "2"], developer=developer) == ("ok", {"0": "a", "1": 2})
        assert validate_all(desc, {0: "a", 1: 2}, developer=developer) == ("ok", {"0": "a", "1": 2})

    def test_empty_structure_is_an_empty_list(self, developer: bool) -> None:
        desc = S({"a": V(PARAM_INT, VALUE_OPTIONAL)})
        assert validate_all(desc, {}, developer=developer) == ("ok", [])
        assert validate_all(FP({"a": V(PARAM_INT, VALUE_OPTIONAL)}), {}, developer=developer) == (
            "ok",
            {},
        )

    def test_null_handling(self, developer: bool) -> None:
        assert validate_all(V(PARAM_INT), None, developer=developer) == ("ok", None)
        assert validate_all(V(PARAM_INT, allownull=False), None, developer=developer) == in_error(
            'Invalid external api parameter: the value is "", the server was expecting "int" type',
            developer,
        )
        assert validate_all(S({}), None, developer=developer) == in_error(
            "Only arrays accepted. The bad value is: ''", developer
        )
        assert validate_all(S({}, allownull=NULL_ALLOWED), None, developer=developer) == (
            "ok",
            None,
        )
        assert validate_all(M(V(PARAM_INT), allownull=True), None, developer=developer) == (
            "ok",
            None,
        )

    def test_scalar_expected(self, developer: bool) -> None:
        for value in ([1], {"a": 1}, object()):
            assert validate_all(V(PARAM_RAW), value, developer=developer) == in_error(
                "Scalar type expected, array or object received.", developer
            )

    def test_only_arrays_accepted(self, developer: bool) -> None:
        assert validate_all(M(V(PARAM_INT)), "abc", developer=developer) == in_error(
            "Only arrays accepted. The bad value is: 'abc'", developer
        )
        assert validate_all(S({}), True, developer=developer) == in_error(
            "Only arrays accepted. The bad value is: '1'", developer
        )

    def test_objects_are_not_arrays_on_input(self, developer: bool) -> None:
        @dataclasses.dataclass
        class Thing:
            a: int

        assert validate_all(S({"a": V(PARAM_INT)}), Thing(1), developer=developer) == in_error(
            "Only arrays accepted. The bad value is: 'Thing Object\n(\n    [a] => 1\n)\n'",
            developer,
        )

    def test_bool_fast_path_returns_booleans(self, developer: bool) -> None:
        desc = FP({"b": V(PARAM_BOOL)})
        for raw, cleaned in ((1, True), ("0", False), (True, True), (0, False)):
            _status, result = validate_all(desc, {"b": raw}, developer=developer)
            assert result["b"] is cleaned


@pytest.mark.parametrize("developer", MODES)
class TestOutput:
    def test_unknown_keys_are_dropped(self, developer: bool) -> None:
        desc = S({"id": V(PARAM_INT)})
        assert clean_all(desc, {"extra": 1, "id": "3"}, developer=developer) == ("ok", {"id": 3})

    def test_missing_required_key(self, developer: bool) -> None:
        assert clean_all(S({"id": V(PARAM_INT)}), {}, developer=developer) == out_error(
            "Error in response - Missing following required key in a single structure: id",
            developer,
        )

    def test_defaults_only_for_scalars(self, developer: bool) -> None:
        desc = S(
            {
                "n": V(PARAM_INT, VALUE_DEFAULT, 5),
                "m": M(V(PARAM_INT), required=VALUE_DEFAULT, default=[]),
                "o": V(PARAM_INT, VALUE_OPTIONAL),
            }
        )
        assert clean_all(desc, {}, developer=developer) == ("ok", {"n": 5})
        only_structures = S({"m": M(V(PARAM_INT), required=VALUE_DEFAULT, default=[])})
        assert clean_all(only_structures, {}, developer=developer) == ("ok", [])

    def test_objects_are_cast_to_maps(self, developer: bool) -> None:
        @dataclasses.dataclass
        class Course:
            id: int
            fullname: str
            secret: str = "x"

        class Section(msgspec.Struct):
            id: int
            name: str | msgspec.UnsetType = msgspec.UNSET

        class Plain:
            def __init__(self) -> None:
                self.id = 7

        course = S({"id": V(PARAM_INT), "fullname": V(PARAM_TEXT)})
        assert clean_all(course, Course(2, "A"), developer=developer) == (
            "ok",
            {"id": 2, "fullname": "A"},
        )
        section = S({"id": V(PARAM_INT), "name": V(PARAM_TEXT, VALUE_OPTIONAL)})
        assert clean_all(section, Section(1), developer=developer) == ("ok", {"id": 1})
        assert clean_all(S({"id": V(PARAM_INT)}), Plain(), developer=developer) == (
            "ok",
            {"id": 7},
        )

    def test_multiples_reject_objects_and_scalars(self, developer: bool) -> None:
        assert clean_all(M(V(PARAM_INT)), 5, developer=developer) == out_error(
            "Only arrays accepted. The bad value is: '5'", developer
        )
        assert clean_all(M(V(PARAM_INT)), {"a": 1, "b": 2}, developer=developer) == ("ok", [1, 2])

    def test_single_rejects_scalars(self, developer: bool) -> None:
        assert clean_all(S({}), "x", developer=developer) == out_error(
            "Only arrays/objects accepted. The bad value is: 'x'", developer
        )

    def test_value_errors_name_the_php_type(self, developer: bool) -> None:
        cases = [
            (V(PARAM_INT), "abc", 'the value is "abc" of PHP type "string"', "int"),
            (V(PARAM_INT), 1.5, 'the value is "1.5" of PHP type "double"', "int"),
            (V("alpha"), True, 'the value is "1" of PHP type "boolean"', "alpha"),
            (V(PARAM_INT, allownull=False), None, 'the value is "" of PHP type "NULL"', "int"),
            (V(PARAM_BOOL), 2, 'the value is "2" of PHP type "integer"', "bool"),
        ]
        for desc, value, text, ptype in cases:
            debuginfo = (
                f'Invalid external api response: {text}, the server was expecting "{ptype}" type'
            )
            assert clean_all(desc, value, developer=developer) == out_error(debuginfo, developer)

    def test_key_path_wrapping(self, developer: bool) -> None:
        desc = S({"courses": M(S({"id": V(PARAM_INT)}))})
        status, error = clean_all(desc, {"courses": [{"id": "x"}]}, developer=developer)
        leaf = (
            'Invalid external api response: the value is "x" of PHP type "string", '
            'the server was expecting "int" type'
        )
        if developer:
            mid = f"id => {OUT_MSG} ({leaf}): {leaf}"
            top = f"courses => {OUT_MSG} ({mid}): {mid}"
        else:
            top = f"courses => {OUT_MSG}: id => {OUT_MSG}: {leaf}"
        assert (status, error) == out_error(top, developer)

    def test_types_after_cleaning(self, developer: bool) -> None:
        desc = S(
            {
                "i": V(PARAM_INT),
                "f": V("float"),
                "b": V(PARAM_BOOL),
                "r": V(PARAM_RAW),
                "w": ExternalWarnings(),
            }
        )
        status, result = clean_all(
            desc, {"i": "1", "f": 2, "b": "1", "r": 5, "w": []}, developer=developer
        )
        assert status == "ok"
        assert [type(v) for v in result.values()] == [int, float, bool, int, list]


def test_void_returns() -> None:
    assert compile_returns(None)({"anything": 1}) is None
    assert clean_returnvalue(None, {"anything": 1}) is None
