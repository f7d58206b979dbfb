"""The OpenAPI document: validity, endpoints, and schemas generated from descriptions."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from services.gateway.apidocs import build_openapi
from shared.errors import HTTP_STATUS
from shared.wire import FunctionInfo
from tests.apidocs.samples import (
    ALL,
    GET_COURSES,
    SITE_INFO,
    UPDATE_PREFS,
    single,
    value,
)

REST = "/webservice/rest/server.php"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_openapi(
        ALL, site_name="Demo site", wwwroot="https://lms.example.org/", version="4.5.0"
    )


def _conforms(doc: dict[str, Any], schema: dict[str, Any], instance: Any) -> bool:
    """Validate ``instance`` with the document's components available to ``$ref``."""
    root = {**schema, "components": doc["components"]}
    return bool(OAS31Validator(root).is_valid(instance))


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return schema


def test_document_validates(doc: dict[str, Any]) -> None:
    validate(doc)
    validate(build_openapi([], site_name="Empty", wwwroot="http://x.org", version="0"))


def test_info_servers_and_tags(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] == "Demo site web services"
    assert doc["info"]["version"] == "4.5.0"
    assert doc["servers"] == [{"url": "https://lms.example.org"}]
    assert [t["name"] for t in doc["tags"]] == [
        "core_course",
        "core_user",
        "core_webservice",
        "tool_demo",
    ]


def test_rest_endpoint_lists_functions_and_switches(doc: dict[str, Any]) -> None:
    path = doc["paths"][REST]
    assert set(path) == {"get", "post"}
    params = {p["name"]: p for p in path["get"]["parameters"]}
    assert params["wsfunction"]["schema"]["enum"] == sorted(fn.name for fn in ALL)
    assert params["moodlewsrestformat"]["schema"]["enum"] == ["xml", "json"]
    assert {
        "wstoken",
        "moodlewssettingraw",
        "moodlewssettingfileurl",
        "moodlewssettingfilter",
        "moodlewssettinglang",
        "moodlewssettingtimezone",
    } <= set(params)
    form = path["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["properties"]["wsfunction"]["enum"] == params["wsfunction"]["schema"]["enum"]
    assert form["additionalProperties"] == {"type": "string"}
    assert "options[0][name]=excludemodules" in path["post"]["description"]


def test_rest_200_is_a_union_of_results_and_the_exception(doc: dict[str, Any]) -> None:
    schema = doc["paths"][REST]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    refs = [branch["$ref"] for branch in schema["anyOf"]]
    assert "#/components/schemas/MoodleException" in refs
    assert "#/components/schemas/core_course_get_contents.returns" in refs
    error = {
        "exception": "moodle_exception",
        "errorcode": "invalidtoken",
        "message": "Invalid token - token not found",
    }
    assert _conforms(doc, schema, error)
    assert _conforms(doc, _schema(doc, "MoodleException"), {**error, "debuginfo": "x"})
    assert not _conforms(doc, _schema(doc, "MoodleException"), {"exception": "x"})


def test_token_endpoint(doc: dict[str, Any]) -> None:
    path = doc["paths"]["/login/token.php"]
    assert set(path) == {"get", "post"}
    body = path["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert body["required"] == ["username", "password", "service"]
    schema = path["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert _conforms(
        doc, schema, {"token": "0123456789abcdef0123456789abcdef", "privatetoken": None}
    )
    assert _conforms(
        doc,
        schema,
        {
            "error": "Invalid login, please try again",
            "errorcode": "invalidlogin",
            "stacktrace": None,
            "debuginfo": None,
            "reproductionlink": None,
        },
    )
    assert not _conforms(doc, schema, {"token": "short"})


def test_json_api_operation_per_function(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/api/v1/functions/core_course_get_contents"]["post"]
    assert op["operationId"] == "core_course_get_contents"
    assert op["tags"] == ["core_course"]
    assert op["summary"] == "Get course contents"
    assert op["security"] == [{"bearerToken": []}]
    assert "deprecated" not in op
    assert op["requestBody"]["required"] is True
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/core_course_get_contents.parameters"}
    statuses = set(op["responses"])
    assert {"200", "400", "401", "403", "404", "409", "429", "503", "504"} <= statuses
    assert {str(s) for s in HTTP_STATUS.values()} <= statuses
    error = doc["components"]["responses"]["Error504"]
    assert "calltimeout" in error["description"]
    assert error["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MoodleException"
    }
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


def test_deprecated_and_void_function(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/api/v1/functions/core_user_update_preferences"]["post"]
    assert op["deprecated"] is True
    assert op["requestBody"]["required"] is False
    assert op["x-moodle-type"] == "write"
    assert _schema(doc, "core_user_update_preferences.returns")["type"] == "null"


def test_parameter_schema_required_defaults_and_strictness(doc: dict[str, Any]) -> None:
    params = _schema(doc, "core_course_get_contents.parameters")
    assert list(params["properties"]) == ["courseid", "courseids", "options"]
    assert params["required"] == ["courseid"]
    assert params["additionalProperties"] is False
    assert params["properties"]["courseid"]["type"] == "integer"
    assert params["properties"]["courseids"] == {
        "type": "array",
        "items": {"type": ["integer", "null"], "description": "Course id"},
        "description": "List of course id.",
        "default": [],
    }
    option = params["properties"]["options"]["items"]
    assert option["required"] == ["name", "value"]
    assert option["additionalProperties"] is False
    assert option["properties"]["name"]["pattern"] == "^[a-zA-Z]*$"
    good = {"courseid": 2, "options": [{"name": "excludemodules", "value": "1"}]}
    assert _conforms(doc, params, good)
    assert not _conforms(doc, params, {**good, "typo": 1})
    assert not _conforms(doc, params, {"options": []})
    assert not _conforms(doc, params, {"courseid": 2, "options": [{"name": "a b", "value": ""}]})


def test_scalar_mapping_and_nullability(doc: dict[str, Any]) -> None:
    prefs = _schema(doc, "core_user_update_preferences.parameters")["properties"]
    assert prefs["enabled"] == {"type": ["boolean", "null"], "description": "flag", "default": True}
    assert prefs["label"]["default"] == "<i>none</i>"
    returns = _schema(doc, "core_webservice_get_site_info.returns")
    props = returns["properties"]
    assert props["useremail"]["anyOf"] == [{"format": "email"}, {"const": ""}]
    assert props["userid"]["type"] == ["integer", "null"]
    # RAW output keeps the PHP type the function returned.
    assert props["sitename"]["type"] == ["string", "integer", "number", "boolean", "null"]
    contents = _schema(doc, "core_course_get_contents.returns")["items"]
    assert contents["properties"]["score"]["type"] == "number"
    assert contents["properties"]["visible"]["type"] == ["boolean", "null"]
    assert contents["properties"]["modules"]["items"]["properties"]["url"]["anyOf"][0] == {
        "format": "uri"
    }


def test_response_schema_required_keys_and_extra_keys(doc: dict[str, Any]) -> None:
    section = _schema(doc, "core_course_get_contents.returns")["items"]
    # A DEFAULT scalar is always present after cleaning; an OPTIONAL one is not.
    assert section["required"] == ["id", "name", "summaryformat", "score", "modules"]
    assert section["additionalProperties"] is True
    row = {
        "id": 1,
        "name": "Week 1",
        "summaryformat": 1,
        "score": 0.5,
        "modules": [],
        "added_by_newer_server": True,
    }
    assert _conforms(doc, _schema(doc, "core_course_get_contents.returns"), [row])


def test_empty_array_allowed_only_where_php_can_produce_it(doc: dict[str, Any]) -> None:
    info = _schema(doc, "core_webservice_get_site_info.returns")
    advanced = info["properties"]["advanced"]
    assert [b.get("type") for b in advanced["anyOf"]] == ["object", "array", "null"]
    base = {"sitename": "Demo", "userid": 2, "siteurl": "https://lms.example.org"}
    assert _conforms(doc, info, {**base, "advanced": []})
    assert _conforms(doc, info, {**base, "advanced": {"theme": "boost"}})
    assert not _conforms(doc, info, {**base, "advanced": [1]})
    # The site info structure always has required keys, so it is never [].
    assert "anyOf" not in info
    assert not _conforms(doc, info, [])
    assert "anyOf" not in _schema(doc, "core_course_get_contents.returns")["items"]


def test_response_schemas_for_the_samples_are_valid_json_schema(doc: dict[str, Any]) -> None:
    for fn in ALL:
        for suffix in ("parameters", "returns"):
            OAS31Validator.check_schema(_schema(doc, f"{fn.name}.{suffix}"))
    assert GET_COURSES.name in doc["paths"][REST]["get"]["parameters"][1]["schema"]["enum"]
    assert SITE_INFO.name in {
        op["post"]["operationId"] for p, op in doc["paths"].items() if p.startswith("/api/v1/")
    }
    assert UPDATE_PREFS.returns is None


def test_odd_function_names_stay_distinct_and_cannot_template_paths() -> None:
    fns = [
        FunctionInfo(
            name=name,
            component="local_x",
            parameters=single({"v": value("int")}),
            returns=value(param, allownull=False),
        )
        for name, param in (("a{b}", "int"), ("a<b>", "float"))
    ]
    doc = build_openapi(fns, site_name="s", wwwroot="http://x.org", version="1")
    validate(doc)
    assert "/api/v1/functions/a%7Bb%7D" in doc["paths"]
    assert "/api/v1/functions/a%3Cb%3E" in doc["paths"]
    returns = {
        doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]["type"]
        for ref in doc["paths"][REST]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["anyOf"]
    }
    # Both names sanitise to "a_b_"; each function still gets its own schema.
    assert {"integer", "number", "object"} == returns
