"""The API documentation page: one self-contained HTML document.

Mirrors Moodle's "API Documentation" page (one collapsible section per function with its
arguments, response, error example and flags), adding a table of contents grouped by component
and notes on how to call each enabled protocol. Everything that comes from the catalog (names,
components, descriptions, defaults, capabilities) and from site settings is escaped: plugin
authors write descriptions, and the page is served from the site's own origin.

No external assets; the page works without JavaScript (``<details>`` collapse natively, and
browsers open a closed ``<details>`` when a TOC link targets it). A small inline script only adds
a filter box; under a CSP that forbids inline scripts the page simply has no filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from html import escape

from services.gateway.apidocs.css import STYLESHEET
from services.gateway.apidocs.structure import (
    desc_text,
    keys_of,
    rest_post_lines,
    rest_xml_skeleton,
    structure_lines,
    top_level_marker,
)
from shared.wire import FunctionInfo

__all__ = ["render_docs_html"]

ERROR_EXAMPLE = (
    '<EXCEPTION class="invalid_parameter_exception">'
    "<MESSAGE>Invalid parameter value detected</MESSAGE>"
    "<DEBUGINFO></DEBUGINFO></EXCEPTION>"
)
ERROR_EXAMPLE_JSON = (
    '{"exception":"invalid_parameter_exception","errorcode":"invalidparameter",'
    '"message":"Invalid parameter value detected"}'
)

_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

# Progressive enhancement only: hides functions (and emptied groups) whose name lacks the text.
_FILTER_SCRIPT = """
(function () {
  var nav = document.getElementById("toc");
  if (!nav) { return; }
  var box = document.createElement("input");
  box.type = "search"; box.placeholder = "Filter functions"; box.className = "filter";
  box.setAttribute("aria-label", "Filter functions");
  nav.querySelector("h2").after(box);
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    document.querySelectorAll("[data-fn]").forEach(function (el) {
      el.hidden = q !== "" && el.getAttribute("data-fn").indexOf(q) < 0;
    });
    document.querySelectorAll("[data-group]").forEach(function (g) {
      g.hidden = g.querySelectorAll("[data-fn]:not([hidden])").length === 0;
    });
  });
})();
"""


def render_docs_html(
    functions: Sequence[FunctionInfo],
    *,
    site_name: str,
    wwwroot: str,
    service_name: str | None = None,
    protocols: Sequence[str] = ("rest",),
    openapi_url: str | None = None,
) -> str:
    """Render the documentation page for ``functions``.

    ``service_name`` titles the page "Functions of service X" (per-token documentation);
    ``protocols`` selects the protocol notes and boxes (``rest``, ``ajax``, ``api``);
    ``openapi_url``, when given, is linked as the machine-readable description.
    """
    root = wwwroot.rstrip("/")
    groups = _group(functions)
    anchors = _anchors(functions)
    title = f"{site_name}: API documentation"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLESHEET}</style></head><body>",
        _header(site_name, service_name, len(functions)),
        '<div class="layout">',
        _toc(groups, anchors),
        "<main>",
        _howto(root, protocols, openapi_url),
    ]
    for component, members in groups:
        parts.append(
            f'<section class="component" id="{_anchor("comp", component)}" '
            f'data-group="{escape(component)}"><h2>{escape(component)}</h2>'
        )
        parts.extend(_function(fn, anchors[fn.name], protocols) for fn in members)
        parts.append("</section>")
    if not functions:
        parts.append('<p class="empty">No functions are available.</p>')
    parts += ["</main></div>", f"<script>{_FILTER_SCRIPT}</script>", "</body></html>"]
    return "\n".join(parts)


def _group(functions: Sequence[FunctionInfo]) -> list[tuple[str, list[FunctionInfo]]]:
    by_component: dict[str, list[FunctionInfo]] = {}
    for fn in functions:
        by_component.setdefault(fn.component, []).append(fn)
    return [(c, sorted(by_component[c], key=lambda f: f.name)) for c in sorted(by_component)]


def _anchor(prefix: str, name: str) -> str:
    return f"{prefix}-{_ANCHOR_UNSAFE.sub('-', name)}"


def _anchors(functions: Sequence[FunctionInfo]) -> dict[str, str]:
    # Sanitising can make two odd names collide; a suffix keeps every link pointing at its own.
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for fn in functions:
        base = candidate = _anchor("fn", fn.name)
        n = 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        anchors[fn.name] = candidate
    return anchors


def _header(site_name: str, service_name: str | None, count: int) -> str:
    lines = ["<header>", f"<h1>{escape(site_name)}: API documentation</h1>"]
    if service_name:
        lines.append(f'<p class="service">Functions of service {escape(service_name)}</p>')
    lines.append(f'<p class="count">{count} function{"" if count == 1 else "s"}</p>')
    lines.append("</header>")
    return "\n".join(lines)


def _toc(groups: list[tuple[str, list[FunctionInfo]]], anchors: dict[str, str]) -> str:
    lines = [
        '<nav id="toc" aria-label="Contents"><h2>Contents</h2>',
        '<p><a href="#howto">How to call</a></p>',
    ]
    for component, members in groups:
        lines.append(
            f'<details open data-group="{escape(component)}"><summary>'
            f'<a href="#{_anchor("comp", component)}">{escape(component)}</a> '
            f'<span class="n">({len(members)})</span></summary><ul>'
        )
        for fn in members:
            mark = ' <span class="badge deprecated">deprecated</span>' if fn.deprecated else ""
            lines.append(
                f'<li data-fn="{escape(fn.name.lower())}"><a href="#{anchors[fn.name]}">'
                f"{escape(fn.name)}</a>{mark}</li>"
            )
        lines.append("</ul></details>")
    lines.append("</nav>")
    return "\n".join(lines)


def _howto(root: str, protocols: Sequence[str], openapi_url: str | None) -> str:
    rest = f"{root}/webservice/rest/server.php"
    out = [
        '<section id="howto" class="howto"><h2>How to call</h2>',
        "<p>Get a token by posting <code>username</code>, <code>password</code> and "
        f"<code>service</code> to <code>{escape(root)}/login/token.php</code>; the answer is "
        "<code>{&quot;token&quot;: &quot;...&quot;, &quot;privatetoken&quot;: ...}</code>.</p>",
    ]
    if "rest" in protocols:
        url = f"{rest}?wstoken=...&wsfunction=...&moodlewsrestformat=json"
        out.append(
            "<h3>REST</h3><p>GET or POST (form-encoded) to "
            f"<code>{escape(url)}</code>. Arguments are form fields in PHP bracket syntax, "
            "as each function's <em>REST (POST parameters)</em> box shows; booleans are sent "
            "as 0/1. Without <code>moodlewsrestformat=json</code> the answer is XML. Errors "
            "come back with HTTP 200 and an <code>exception</code> object: check the body.</p>"
        )
    if "ajax" in protocols:
        out.append(
            "<h3>AJAX</h3><p>POST a JSON array of calls "
            "(<code>[{&quot;index&quot;: 0, &quot;methodname&quot;: ..., &quot;args&quot;: "
            f"{{...}}}}]</code>) to <code>{escape(root)}/lib/ajax/service.php?sesskey=...</code>"
            " with the browser session; only functions callable from AJAX are allowed.</p>"
        )
    if "api" in protocols:
        out.append(
            "<h3>JSON API</h3><p>POST a JSON object of arguments to "
            f"<code>{escape(root)}/api/v1/functions/&lt;function&gt;</code> with "
            "<code>Authorization: Bearer &lt;token&gt;</code>. Errors use HTTP statuses and the "
            "same <code>exception</code> object.</p>"
        )
    if openapi_url is not None:
        out.append(
            f'<p>Machine-readable description: <a href="{escape(openapi_url)}">OpenAPI</a>.</p>'
        )
    out.append("</section>")
    return "\n".join(out)


def _pre(text: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<pre{cls}>{escape(text)}</pre>"


def _box(title: str, body: str) -> str:
    return f'<div class="box"><h5>{escape(title)}</h5>{body}</div>'


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


def _function(fn: FunctionInfo, anchor: str, protocols: Sequence[str]) -> str:
    badges = f'<span class="badge {fn.type}">{escape(fn.type)}</span>'
    if fn.deprecated:
        badges += ' <span class="badge deprecated">deprecated</span>'
    description = escape(fn.description.strip()) or "<em>No description.</em>"
    capabilities = (
        ", ".join(f"<code>{escape(c)}</code>" for c in fn.capabilities)
        if fn.capabilities
        else "None"
    )
    parts = [
        f'<details class="fn" id="{anchor}" data-fn="{escape(fn.name.lower())}">',
        f"<summary><code>{escape(fn.name)}</code> {badges}</summary>",
        '<div class="fn-body">',
        f'<p class="desc">{description}</p>',
    ]
    if fn.deprecated:
        parts.append('<p class="warn">This function is deprecated: do not use it in new code.</p>')
    parts.append(
        '<dl class="meta">'
        f"<dt>Component</dt><dd><code>{escape(fn.component)}</code></dd>"
        f"<dt>Type</dt><dd>{escape(fn.type)}</dd>"
        f"<dt>Restricted to logged-in users</dt><dd>{_yes_no(fn.loginrequired)}</dd>"
        f"<dt>Callable from AJAX</dt><dd>{_yes_no(fn.ajax)}</dd>"
        f"<dt>Required capabilities</dt><dd>{capabilities}</dd>"
        "</dl>"
    )
    parts.extend(_arguments(fn, protocols))
    parts.extend(_response(fn, protocols))
    parts.append("<h3>Error message</h3>")
    if "rest" in protocols:
        parts.append(_box("REST", _pre(ERROR_EXAMPLE, "code")))
    parts.append(_box("JSON", _pre(ERROR_EXAMPLE_JSON, "code")))
    parts.append("</div></details>")
    return "\n".join(parts)


def _arguments(fn: FunctionInfo, protocols: Sequence[str]) -> Iterator[str]:
    yield "<h3>Arguments</h3>"
    keys = keys_of(fn.parameters)
    if not keys:
        yield '<p class="none">This function has no arguments.</p>'
        return
    for name, desc in keys.items():
        text = desc_text(desc)
        yield (
            f'<div class="arg"><h4><code>{escape(str(name))}</code> '
            f'<span class="req">{escape(top_level_marker(desc))}</span></h4>'
        )
        if text:
            yield f'<p class="desc">{escape(text)}</p>'
        yield _box("General structure", _pre("\n".join(structure_lines(desc)), "tree"))
        if "rest" in protocols:
            lines = rest_post_lines(str(name), desc)
            yield _box("REST (POST parameters)", _pre("\n".join(lines), "code"))
        yield "</div>"


def _response(fn: FunctionInfo, protocols: Sequence[str]) -> Iterator[str]:
    yield "<h3>Response</h3>"
    if fn.returns is None:
        yield '<p class="none">This function returns nothing (JSON <code>null</code>).</p>'
    else:
        text = desc_text(fn.returns)
        if text:
            yield f'<p class="desc">{escape(text)}</p>'
        yield _box("General structure", _pre("\n".join(structure_lines(fn.returns)), "tree"))
    if "rest" in protocols:
        yield _box("REST", _pre(rest_xml_skeleton(fn.returns), "code"))
