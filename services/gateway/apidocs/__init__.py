"""Generated API documentation, as pure functions the gateway serves.

* :func:`render_docs_html` - Moodle's "API Documentation" page (one self-contained HTML page);
* :func:`build_openapi` - an OpenAPI 3.1 document of the REST, token and JSON API endpoints.

Both read catalog entries (:class:`shared.wire.FunctionInfo`) and work on the JSON form of the
descriptions, so they need neither plugin code nor the validator package.
"""

from __future__ import annotations

from services.gateway.apidocs.openapi import build_openapi
from services.gateway.apidocs.page import render_docs_html

__all__ = ["build_openapi", "render_docs_html"]
