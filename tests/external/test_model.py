"""Description classes (spec §1.2) and the JSON form of the catalog."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.external import (
    NULL_ALLOWED,
    NULL_NOT_ALLOWED,
    PARAM_INT,
    PARAM_TEXT,
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    VALUE_REQUIRED,
    DescriptionError,
    ExternalFiles,
    ExternalFormatValue,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
    ExternalWarnings,
    description_from_dict,
    description_to_dict,
)
from shared.external.model import Description


def test_constants() -> None:
    assert (VALUE_REQUIRED, VALUE_OPTIONAL, VALUE_DEFAULT) == (1, 2, 0)
    assert (NULL_ALLOWED, NULL_NOT_ALLOWED) == (True, False)


def test_constructor_defaults() -> None:
    value = ExternalValue(PARAM_INT)
    assert (value.type, value.desc, value.required, value.default, value.allownull) == (
        "int",
        "",
        1,
        None,
        True,
    )
    single = ExternalSingleStructure({"a": value})
    assert (single.desc, single.required, single.default, single.allownull) == ("", 1, None, False)
    multiple = ExternalMultipleStructure(value)
    assert (multiple.required, multiple.allownull) == (1, False)
    params = ExternalFunctionParameters({"a": value})
    assert params.allownull is False


def test_warnings_files_format() -> None:
    warnings = ExternalWarnings()
    assert (warnings.desc, warnings.required) == ("list of warnings", VALUE_OPTIONAL)
    item = warnings.content
    assert isinstance(item, ExternalSingleStructure)
    assert list(item.keys) == ["item", "itemid", "warningcode", "message"]
    assert [(k.type, k.required) for k in item.keys.values()] == [  # type: ignore[union-attr]
        ("text", 2),
        ("int", 2),
        ("alphanum", 1),
        ("raw", 1),
    ]
    files = ExternalFiles()
    assert (files.desc, files.required) == ("List of files.", VALUE_REQUIRED)
    assert isinstance(files.content, ExternalSingleStructure)
    assert list(files.content.keys) == [
        "filename",
        "filepath",
        "filesize",
        "fileurl",
        "timemodified",
        "mimetype",
        "isexternalfile",
        "repositorytype",
    ]
    fmt = ExternalFormatValue("summary", VALUE_DEFAULT)
    assert (fmt.type, fmt.default, fmt.required) == ("int", 1, VALUE_DEFAULT)
    assert fmt.desc == "summary format (1 = HTML, 0 = MOODLE, 2 = PLAIN, or 4 = MARKDOWN"
    assert ExternalFormatValue("x").default is None


def test_bad_required_is_kept_like_moodle(caplog: pytest.LogCaptureFixture) -> None:
    value = ExternalValue(PARAM_INT, "", 7)
    assert value.required == 7
    assert "Invalid $required parameter value: '7'" in caplog.text


def test_unknown_param_type_is_refused() -> None:
    with pytest.raises(DescriptionError):
        ExternalValue("integerish")


EVERY_CLASS: list[Description] = [
    ExternalValue(PARAM_INT, "An id", VALUE_DEFAULT, 5, NULL_NOT_ALLOWED),
    ExternalSingleStructure(
        {"b": ExternalValue(PARAM_TEXT), "a": ExternalValue(PARAM_INT, required=VALUE_OPTIONAL)},
        "thing",
        VALUE_OPTIONAL,
    ),
    ExternalMultipleStructure(ExternalValue(PARAM_INT), "ids", VALUE_DEFAULT, [], NULL_ALLOWED),
    ExternalFunctionParameters({"courseid": ExternalValue(PARAM_INT)}),
    ExternalFunctionParameters({}),
    ExternalWarnings(),
    ExternalFiles(),
    ExternalFormatValue("summary"),
]


@pytest.mark.parametrize("desc", EVERY_CLASS, ids=lambda d: type(d).__name__)
def test_json_round_trip(desc: Description) -> None:
    form = description_to_dict(desc)
    assert form == desc.to_dict()
    text = json.dumps(form)
    back = description_from_dict(json.loads(text))
    assert back == desc
    assert json.dumps(back.to_dict()) == text  # exact, key order included
    assert isinstance(back, ExternalFunctionParameters) == isinstance(
        desc, ExternalFunctionParameters
    )


def test_json_form_shape() -> None:
    assert ExternalValue(PARAM_INT).to_dict() == {
        "type": "value",
        "param": "int",
        "required": 1,
        "default": None,
        "allownull": True,
        "desc": "",
    }
    form = ExternalSingleStructure({"z": ExternalValue(PARAM_INT), "a": ExternalValue("raw")})
    assert list(form.to_dict()) == ["type", "keys", "desc", "required", "default", "allownull"]
    assert list(form.to_dict()["keys"]) == ["z", "a"]


def test_missing_fields_take_defaults() -> None:
    assert description_from_dict({"type": "value", "param": "int"}) == ExternalValue(PARAM_INT)
    assert description_from_dict({"type": "single", "keys": {}}) == ExternalSingleStructure({})


@pytest.mark.parametrize(
    "form",
    [
        None,
        [],
        "value",
        {},
        {"type": "nope"},
        {"type": "value"},
        {"type": "value", "param": "integerish"},
        {"type": "value", "param": "int", "required": True},
        {"type": "value", "param": "int", "required": 3},
        {"type": "value", "param": "int", "required": "1"},
        {"type": "value", "param": "int", "allownull": 1},
        {"type": "value", "param": "int", "desc": 5},
        {"type": "value", "param": "int", "extra": 1},
        {"type": "single"},
        {"type": "single", "keys": []},
        {"type": "single", "keys": {"a": "int"}},
        {"type": "single", "keys": {"a": {"type": "value", "param": "x"}}},
        {"type": "multiple"},
        {"type": "multiple", "content": 5},
        {"type": "function_parameters", "keys": {}, "allownull": True},
    ],
)
def test_malformed_forms_are_refused(form: Any) -> None:
    with pytest.raises(DescriptionError):
        description_from_dict(form)


def test_deep_nesting_is_refused_cleanly() -> None:
    form: dict[str, Any] = {"type": "value", "param": "int"}
    for _ in range(1000):
        form = {"type": "multiple", "content": form}
    with pytest.raises(DescriptionError, match="nested deeper"):
        description_from_dict(form)


def test_description_error_is_a_value_error() -> None:
    assert issubclass(DescriptionError, ValueError)
