"""The HTML documentation page: content per function, navigation, escaping, self-containment."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

import pytest

from services.gateway.apidocs import render_docs_html
from shared.wire import FunctionInfo
from tests.apidocs.samples import (
    ALL,
    GET_COURSES,
    NO_ARGS,
    SITE_INFO,
    UPDATE_PREFS,
    single,
    value,
)

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Nesting(HTMLParser):
    """Records tag nesting errors and every id, so broken markup fails a test."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if values.get("href"):
            self.hrefs.append(values["href"] or "")
        if values.get("src"):
            self.srcs.append(values["src"] or "")
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
            return
        self.stack.pop()


def _render(functions: list[FunctionInfo] | None = None, **kwargs: object) -> str:
    options: dict[str, object] = {"site_name": "Demo site", "wwwroot": "https://lms.example.org/"}
    options.update(kwargs)
    return render_docs_html(ALL if functions is None else functions, **options)  # type: ignore[arg-type]


def _section(page: str, name: str) -> str:
    """The HTML of one function's collapsible section."""
    start = page.index(f'<details class="fn" id="fn-{name}"')
    return page[start : page.index("</details>", start)]


@pytest.fixture(scope="module")
def page() -> str:
    return _render(protocols=("rest", "ajax", "api"), service_name="moodle_mobile_app")


def test_page_is_well_formed_and_self_contained(page: str) -> None:
    parser = _Nesting()
    parser.feed(page)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    assert len(parser.ids) == len(set(parser.ids))
    # Every link is an in-page anchor pointing at an existing id; nothing is fetched.
    assert parser.srcs == []
    assert "<link" not in page
    assert all(h.startswith("#") for h in parser.hrefs)
    assert {h[1:] for h in parser.hrefs} <= set(parser.ids)


def test_header_names_site_and_service(page: str) -> None:
    assert "<h1>Demo site: API documentation</h1>" in page
    assert "Functions of service moodle_mobile_app" in page
    assert "Functions of service" not in _render()
    assert "Functions of service" not in _render(service_name="")


def test_toc_groups_functions_by_component_in_order(page: str) -> None:
    toc = page[page.index('<nav id="toc"') : page.index("</nav>")]
    components = re.findall(r'<a href="#comp-([a-z_]+)">', toc)
    assert components == ["core_course", "core_user", "core_webservice", "tool_demo"]
    assert '<a href="#fn-core_course_get_contents">core_course_get_contents</a>' in toc
    deprecated = toc[toc.index("core_user_update_preferences</a>") :].split("</li>")[0]
    assert "deprecated" in deprecated


def test_how_to_call_notes(page: str) -> None:
    assert (
        "https://lms.example.org/webservice/rest/server.php?wstoken=...&amp;wsfunction=..."
        "&amp;moodlewsrestformat=json" in page
    )
    assert "https://lms.example.org/login/token.php" in page
    assert "https://lms.example.org/lib/ajax/service.php?sesskey=..." in page
    assert "https://lms.example.org/api/v1/functions/&lt;function&gt;" in page
    assert "Bearer &lt;token&gt;" in page


def test_arguments_with_markers_trees_and_rest_lines(page: str) -> None:
    html = _section(page, GET_COURSES.name)
    assert '<code>courseid</code> <span class="req">(Required)</span>' in html
    assert (
        '<code>courseids</code> <span class="req">(Default to &quot;Array ( )&quot;)</span>' in html
    )
    assert (
        '<pre class="tree">list of (  //List of course id.\n    int  //Course id\n)</pre>' in html
    )
    assert "options[0][name]= string\noptions[0][value]= string" in html
    assert "courseids[0]= int" in html
    assert "    object {\n        name string  //The expected keys (value format) are:" in html


def test_optional_and_default_markers_and_defaults_are_escaped(page: str) -> None:
    html = _section(page, UPDATE_PREFS.name)
    assert '<code>emailstop</code> <span class="req">(Optional)</span>' in html
    assert '<code>userid</code> <span class="req">(Default to &quot;0&quot;)</span>' in html
    assert "(Default to &quot;&lt;i&gt;none&lt;/i&gt;&quot;)" in html
    assert '<code>enabled</code> <span class="req">(Default to &quot;1&quot;)</span>' in html
    assert "preferences[0][value]= string" in html
    assert "value string  Default to &quot;null&quot;  //The value of the preference" in html


def test_response_tree_and_xml_skeleton(page: str) -> None:
    html = _section(page, GET_COURSES.name)
    response = html[html.index("<h3>Response</h3>") : html.index("<h3>Error message</h3>")]
    assert '<p class="desc">list of sections</p>' in response
    assert "        visible int  Optional  //is the section visible" in response
    assert "        summaryformat int  Default to &quot;1&quot;  //summary format" in response
    assert (
        "&lt;?xml version=&quot;1.0&quot; encoding=&quot;UTF-8&quot; ?&gt;\n&lt;RESPONSE&gt;\n"
        in response
    )
    assert (
        "    &lt;MULTIPLE&gt;\n        &lt;SINGLE&gt;\n"
        "            &lt;KEY name=&quot;id&quot;&gt;&lt;VALUE&gt;int&lt;/VALUE&gt;&lt;/KEY&gt;"
    ) in response


def test_void_function_and_function_without_arguments(page: str) -> None:
    void = _section(page, UPDATE_PREFS.name)
    assert "This function returns nothing" in void
    assert "&lt;RESPONSE&gt;\n&lt;/RESPONSE&gt;" in void
    noargs = _section(page, NO_ARGS.name)
    assert "This function has no arguments." in noargs
    assert '<pre class="tree">int  //always 1</pre>' in noargs


def test_error_example_and_flags(page: str) -> None:
    html = _section(page, GET_COURSES.name)
    assert (
        escape(
            '<EXCEPTION class="invalid_parameter_exception"><MESSAGE>Invalid parameter value '
            "detected</MESSAGE><DEBUGINFO></DEBUGINFO></EXCEPTION>"
        )
        in html
    )
    assert "<dt>Restricted to logged-in users</dt><dd>Yes</dd>" in html
    assert "<dt>Callable from AJAX</dt><dd>Yes</dd>" in html
    assert "<code>moodle/course:update</code>, <code>moodle/course:viewhiddencourses</code>" in html
    assert '<span class="badge read">read</span>' in html
    prefs = _section(page, UPDATE_PREFS.name)
    assert "<dt>Restricted to logged-in users</dt><dd>No</dd>" in prefs
    assert "<dt>Callable from AJAX</dt><dd>No</dd>" in prefs
    assert "<dt>Required capabilities</dt><dd>None</dd>" in prefs
    assert '<span class="badge write">write</span>' in prefs
    assert '<span class="badge deprecated">deprecated</span>' in prefs
    assert "deprecated" not in _section(page, SITE_INFO.name)


def test_user_controlled_text_is_escaped(page: str) -> None:
    # The only <script> is the page's own filter script.
    assert page.count("<script") == 1
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page
    assert "The name of the &lt;b&gt;preference&lt;/b&gt;" in page
    assert "<b>preference" not in page


def test_hostile_names_components_site_and_service_are_escaped() -> None:
    evil = '"><img src=x onerror=alert(1)>'
    fn = FunctionInfo(
        name="x" + evil,
        component="c" + evil,
        description=evil,
        capabilities=[evil],
        parameters=single({"k" + evil: value("int", evil, default=evil)}),
        returns=single({evil: value("int", evil)}, evil),
    )
    page = _render([fn], site_name=evil, service_name=evil, wwwroot="https://x/" + evil)
    assert "<img" not in page
    parser = _Nesting()
    parser.feed(page)
    assert parser.errors == []
    assert parser.srcs == []
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in parser.ids)


def test_protocols_select_the_boxes() -> None:
    page = _render([GET_COURSES], protocols=())
    assert "REST (POST parameters)" not in page
    assert "&lt;RESPONSE&gt;" not in page
    assert "General structure" in page
    assert "webservice/rest/server.php" not in page
    rest_only = _render([GET_COURSES])
    assert "REST (POST parameters)" in rest_only
    assert "lib/ajax/service.php" not in rest_only


def test_openapi_link_and_empty_catalogue() -> None:
    assert '<a href="/openapi.json">OpenAPI</a>' in _render(openapi_url="/openapi.json")
    empty = _render([])
    assert "No functions are available." in empty
    assert "0 functions" in empty
