"""REST XML documents (spec §4.2)."""

from __future__ import annotations

from shared.errors import ErrorInfo, InvalidParameterException
from shared.external import (
    PARAM_BOOL,
    PARAM_FLOAT,
    PARAM_INT,
    PARAM_RAW,
    VALUE_OPTIONAL,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
    render_xml,
    render_xml_error,
)

HEAD = '<?xml version="1.0" encoding="UTF-8" ?>\n'


def test_void() -> None:
    assert render_xml(None, None) == HEAD + "<RESPONSE>\n</RESPONSE>\n"


def test_scalars() -> None:
    assert render_xml(5, ExternalValue(PARAM_INT)) == (
        HEAD + "<RESPONSE>\n<VALUE>5</VALUE>\n</RESPONSE>\n"
    )
    assert render_xml(True, ExternalValue(PARAM_BOOL)).count("<VALUE>1</VALUE>") == 1
    assert render_xml(False, ExternalValue(PARAM_BOOL)).count("<VALUE>0</VALUE>") == 1
    assert '<VALUE null="null"/>\n' in render_xml(None, ExternalValue(PARAM_INT))
    assert "<VALUE>&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry's&lt;/a&gt;</VALUE>" in render_xml(
        '<a href="x">Tom & Jerry\'s</a>', ExternalValue(PARAM_RAW)
    )


def test_floats_print_like_php() -> None:
    desc = ExternalMultipleStructure(ExternalValue(PARAM_FLOAT))
    out = render_xml([2.0, 0.1, 1e20, 1.5e-7, -0.0], desc)
    assert out == (
        HEAD + "<RESPONSE>\n<MULTIPLE>\n<VALUE>2</VALUE>\n<VALUE>0.1</VALUE>\n"
        "<VALUE>1.0E+20</VALUE>\n<VALUE>1.5E-7</VALUE>\n<VALUE>-0</VALUE>\n</MULTIPLE>\n"
        "</RESPONSE>\n"
    )


def test_structures_render_every_described_key() -> None:
    desc = ExternalSingleStructure(
        {
            "id": ExternalValue(PARAM_INT),
            "tags": ExternalMultipleStructure(ExternalValue(PARAM_RAW), required=VALUE_OPTIONAL),
            "note": ExternalValue(PARAM_RAW, required=VALUE_OPTIONAL),
            "sub": ExternalSingleStructure(
                {"x": ExternalValue(PARAM_INT)}, required=VALUE_OPTIONAL
            ),
        }
    )
    assert render_xml({"id": 3}, desc) == (
        HEAD + "<RESPONSE>\n<SINGLE>\n"
        '<KEY name="id"><VALUE>3</VALUE>\n</KEY>\n'
        '<KEY name="tags"><MULTIPLE>\n</MULTIPLE>\n</KEY>\n'
        '<KEY name="note"><VALUE null="null"/>\n</KEY>\n'
        '<KEY name="sub"><SINGLE>\n<KEY name="x"><VALUE null="null"/>\n</KEY>\n</SINGLE>\n</KEY>\n'
        "</SINGLE>\n</RESPONSE>\n"
    )
    # An empty cleaned structure is [] and renders like all-absent keys.
    assert render_xml([], desc) == render_xml({}, desc)


def test_multiple_of_singles() -> None:
    desc = ExternalMultipleStructure(ExternalSingleStructure({"a": ExternalValue(PARAM_INT)}))
    assert render_xml([{"a": 1}, {"a": 2}], desc) == (
        HEAD + "<RESPONSE>\n<MULTIPLE>\n"
        '<SINGLE>\n<KEY name="a"><VALUE>1</VALUE>\n</KEY>\n</SINGLE>\n'
        '<SINGLE>\n<KEY name="a"><VALUE>2</VALUE>\n</KEY>\n</SINGLE>\n'
        "</MULTIPLE>\n</RESPONSE>\n"
    )


def test_error_document() -> None:
    info = InvalidParameterException('bad "x" & <y>').info()
    assert render_xml_error(info, debuginfo=False) == (
        HEAD + '<EXCEPTION class="invalid_parameter_exception">\n'
        "<ERRORCODE>invalidparameter</ERRORCODE>\n"
        "<MESSAGE>Invalid parameter value detected</MESSAGE>\n"
        "</EXCEPTION>\n"
    )
    assert render_xml_error(info, debuginfo=True) == (
        HEAD + '<EXCEPTION class="invalid_parameter_exception">\n'
        "<ERRORCODE>invalidparameter</ERRORCODE>\n"
        "<MESSAGE>Invalid parameter value detected</MESSAGE>\n"
        "<DEBUGINFO>bad &quot;x&quot; &amp; &lt;y&gt;</DEBUGINFO>\n"
        "</EXCEPTION>\n"
    )
    plain = ErrorInfo("moodle_exception", "invalidtoken", "Invalid token - token not found")
    assert "<DEBUGINFO>" not in render_xml_error(plain, debuginfo=True)
