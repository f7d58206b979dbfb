"""Properties over arbitrary description trees: every catalog renders safely and validly."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from services.gateway.apidocs import build_openapi, render_docs_html
from services.gateway.apidocs.structure import kind, rest_post_lines, structure_lines
from shared.wire import FunctionInfo

_text = st.text(alphabet=st.sampled_from("ab <>&\"'/\n"), max_size=12)
_names = st.text(alphabet=st.sampled_from('abz_<>"&{}/%. '), min_size=1, max_size=8)
_params = st.sampled_from(
    [
        "int",
        "bool",
        "float",
        "raw",
        "alpha",
        "email",
        "url",
        "text",
        "plugin",
        "sequence",
        "nonsense",
    ]
)


def _common(draw_desc: str, required: int, default: Any, allownull: bool) -> dict[str, Any]:
    return {"desc": draw_desc, "required": required, "default": default, "allownull": allownull}


_values = st.builds(
    lambda param, desc, required, default, allownull: {
        "type": "value",
        "param": param,
        **_common(desc, required, default, allownull),
    },
    _params,
    _text,
    st.sampled_from([0, 1, 2]),
    st.none() | st.integers(-3, 3) | _text,
    st.booleans(),
)


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    singles = st.builds(
        lambda keys, desc, required, allownull: {
            "type": "single",
            "keys": keys,
            **_common(desc, required, None, allownull),
        },
        st.dictionaries(_names, children, max_size=3),
        _text,
        st.sampled_from([0, 1, 2]),
        st.booleans(),
    )
    multiples = st.builds(
        lambda content, desc, required, allownull: {
            "type": "multiple",
            "content": content,
            **_common(desc, required, [], allownull),
        },
        children,
        _text,
        st.sampled_from([0, 1, 2]),
        st.booleans(),
    )
    return singles | multiples


_descriptions = st.recursive(_values, _extend, max_leaves=8)


def _leaves(desc: dict[str, Any]) -> int:
    node = kind(desc)
    if node == "value":
        return 1
    if node == "multiple":
        return _leaves(desc["content"])
    return sum(_leaves(sub) for sub in desc["keys"].values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=st.dictionaries(_names, _descriptions, max_size=3),
    returns=st.none() | _descriptions,
    description=_text,
    name=_names,
)
def test_any_catalog_renders_escaped_html_and_a_valid_openapi(
    params: dict[str, Any], returns: dict[str, Any] | None, description: str, name: str
) -> None:
    fn = FunctionInfo(
        name=name,
        component="local_" + name,
        description=description,
        parameters={"type": "single", "keys": params, "desc": "", "required": 1},
        returns=returns,
    )
    page = render_docs_html([fn], site_name="<s>", wwwroot="http://x.org", protocols=["rest"])
    # Generated text never contributes markup: only the page's own tags contain '<' + letter.
    assert "<s>" not in page
    assert page.count("<script") == 1
    for key, desc in params.items():
        assert len(rest_post_lines(key, desc)) == _leaves(desc)
        assert structure_lines(desc)
    doc = build_openapi([fn], site_name="<s>", wwwroot="http://x.org", version="1")
    validate(doc)
    for schema in doc["components"]["schemas"].values():
        OAS31Validator.check_schema(schema)
