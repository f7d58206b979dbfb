"""Text renderings of descriptions: the general structure tree, REST POST lines, XML skeleton."""

from __future__ import annotations

from typing import Any

import pytest

from services.gateway.apidocs.structure import (
    could_be_empty,
    doc_type,
    print_r,
    rest_post_lines,
    rest_xml_skeleton,
    structure_lines,
    top_level_marker,
)
from tests.apidocs.samples import (
    DEFAULT,
    GET_COURSES,
    OPTIONAL,
    SITE_INFO,
    multiple,
    single,
    value,
)


def test_tree_of_nested_lists_of_structures() -> None:
    assert structure_lines(GET_COURSES.returns or {}) == [
        "list of (  //list of sections",
        "    object {  //section",
        "        id int  //Section ID",
        "        name string  //Section name",
        "        visible int  Optional  //is the section visible",
        '        summaryformat int  Default to "1"  //summary format',
        "        score double  //a score",
        "        modules list of (  //list of module",
        "            object {",
        "                id int  //activity id",
        "                url string  Optional  //activity url",
        "            }",
        "        )",
        "    }",
        ")",
    ]


def test_tree_of_a_scalar_argument_and_of_a_list_of_scalars() -> None:
    keys = GET_COURSES.parameters["keys"]
    assert structure_lines(keys["courseid"]) == ["int  //course id"]
    assert structure_lines(keys["courseids"]) == [
        "list of (  //List of course id.",
        "    int  //Course id",
        ")",
    ]


def test_tree_folds_multiline_descriptions_onto_one_line() -> None:
    desc = single({"a": value("int", "first line\n  second\tline")})
    assert structure_lines(desc) == ["object {", "    a int  //first line second line", "}"]


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("int", "int"),
        ("bool", "int"),
        ("integer", "int"),
        ("float", "double"),
        ("number", "double"),
        ("raw", "string"),
        ("alphanumext", "string"),
        ("text", "string"),
    ],
)
def test_doc_type_names(param: str, expected: str) -> None:
    assert doc_type(value(param)) == expected


def test_rest_post_lines_index_lists_and_name_keys() -> None:
    keys = GET_COURSES.parameters["keys"]
    assert rest_post_lines("courseid", keys["courseid"]) == ["courseid= int"]
    assert rest_post_lines("courseids", keys["courseids"]) == ["courseids[0]= int"]
    assert rest_post_lines("options", keys["options"]) == [
        "options[0][name]= string",
        "options[0][value]= string",
    ]
    deep = multiple(single({"customfields": multiple(single({"type": value("alpha")}))}))
    assert rest_post_lines("users", deep) == ["users[0][customfields][0][type]= string"]


def test_xml_skeleton_lists_every_key_even_optional_ones() -> None:
    xml = rest_xml_skeleton(SITE_INFO.returns)
    assert xml.splitlines() == [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        "<RESPONSE>",
        "    <SINGLE>",
        '        <KEY name="sitename"><VALUE>string</VALUE></KEY>',
        '        <KEY name="userid"><VALUE>int</VALUE></KEY>',
        '        <KEY name="useremail"><VALUE>string</VALUE></KEY>',
        '        <KEY name="siteurl"><VALUE>string</VALUE></KEY>',
        '        <KEY name="advanced">',
        "            <SINGLE>",
        '                <KEY name="theme"><VALUE>string</VALUE></KEY>',
        '                <KEY name="lang"><VALUE>string</VALUE></KEY>',
        "            </SINGLE>",
        "        </KEY>",
        "    </SINGLE>",
        "</RESPONSE>",
    ]


def test_xml_skeleton_of_lists_and_void() -> None:
    xml = rest_xml_skeleton(GET_COURSES.returns)
    assert "<MULTIPLE>\n        <SINGLE>\n" in xml
    assert '<KEY name="score"><VALUE>double</VALUE></KEY>' in xml
    assert (
        rest_xml_skeleton(None)
        == '<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n</RESPONSE>'
    )


def test_xml_skeleton_escapes_key_names_as_attributes() -> None:
    xml = rest_xml_skeleton(single({'a"<b>&': value("int")}))
    assert '<KEY name="a&quot;&lt;b&gt;&amp;">' in xml


@pytest.mark.parametrize(
    ("default", "expected"),
    [
        (None, "null"),
        (0, "0"),
        (True, "1"),
        (False, ""),
        (1.0, "1"),
        (2.5, "2.5"),
        ("topics", "topics"),
        ([], "Array ( )"),
        ([1, "a"], "Array ( [0] => 1 [1] => a )"),
        ({"k": None}, "Array ( [k] =>  )"),
    ],
)
def test_print_r_rendering_of_defaults(default: Any, expected: str) -> None:
    assert print_r(default) == expected


def test_top_level_markers() -> None:
    assert top_level_marker(value("int")) == "(Required)"
    assert top_level_marker(value("int", required=OPTIONAL)) == "(Optional)"
    assert top_level_marker(value("int", required=DEFAULT, default=None)) == '(Default to "null")'
    assert top_level_marker(value("alpha", required=DEFAULT, default="x")) == '(Default to "x")'
    # Moodle compares loosely: legacy code passing false means VALUE_DEFAULT.
    assert top_level_marker({**value("int"), "required": False, "default": 3}) == (
        '(Default to "3")'
    )


def test_could_be_empty_only_when_no_key_is_sure_to_survive_cleaning() -> None:
    assert could_be_empty(single({}))
    assert could_be_empty(single({"a": value("int", required=OPTIONAL)}))
    # A missing DEFAULT structure is omitted by return cleaning...
    assert could_be_empty(single({"a": multiple(value("int"), required=DEFAULT, default=[])}))
    # ...but a missing DEFAULT scalar gets its default inserted.
    assert not could_be_empty(single({"a": value("int", required=DEFAULT, default=1)}))
    assert not could_be_empty(single({"a": value("int", required=OPTIONAL), "b": value("int")}))


def test_malformed_nodes_degrade_to_printable_values() -> None:
    odd: dict[str, Any] = {"type": "mystery", "desc": "?"}
    assert structure_lines(odd) == ["string  //?"]
    assert rest_post_lines("x", {"type": "multiple"}) == ["x= string"]
    assert structure_lines(single({"n": {"type": "value", "param": "INT"}})) == [
        "object {",
        "    n int",
        "}",
    ]
