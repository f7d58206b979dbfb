"""``local_bench``: the functions the benchmark harness calls (loaded when WS_BENCH=1).

* ``local_bench_sum(a, b)``: the trivial call; its cost is the platform's, not the function's.
* ``local_bench_contents(modules)``: a ``core_course_get_contents``-shaped return of about
  ``modules`` modules (sections of 10), the realistic large return the gateway must validate
  and render. Its description is the one ``bench/validators.py`` times in isolation.
"""

from __future__ import annotations

import functools
from typing import Any

from services.functions.api import CallContext, Plugin, ServiceDef
from shared.external import (
    PARAM_ALPHANUMEXT,
    PARAM_BOOL,
    PARAM_FILE,
    PARAM_INT,
    PARAM_NOTAGS,
    PARAM_PATH,
    PARAM_PLUGIN,
    PARAM_RAW,
    PARAM_TEXT,
    PARAM_URL,
    VALUE_DEFAULT,
    VALUE_OPTIONAL,
    ExternalFormatValue,
    ExternalFunctionParameters,
    ExternalMultipleStructure,
    ExternalSingleStructure,
    ExternalValue,
)

__all__ = ["CONTENTS", "make_contents", "plugin"]

plugin = Plugin("local_bench", version="2026112501")
plugin.service(ServiceDef(shortname="local_bench", name="Benchmark service"))

#: Modules per section in :func:`make_contents`.
PER_SECTION = 10
#: Upper bound on ``modules``: the call must stay a benchmark, not a memory test.
MAX_MODULES = 5000


def _v(ptype: str, required: int = 1) -> ExternalValue:
    return ExternalValue(ptype, "", required)


CONTENT = ExternalSingleStructure(
    {
        "type": _v(PARAM_TEXT),
        "filename": _v(PARAM_FILE),
        "filepath": _v(PARAM_PATH),
        "filesize": _v(PARAM_INT),
        "fileurl": _v(PARAM_URL, VALUE_OPTIONAL),
        "content": _v(PARAM_RAW, VALUE_OPTIONAL),
        "timecreated": _v(PARAM_INT),
        "timemodified": _v(PARAM_INT),
        "sortorder": _v(PARAM_INT),
        "mimetype": _v(PARAM_RAW, VALUE_OPTIONAL),
        "isexternalfile": _v(PARAM_BOOL, VALUE_OPTIONAL),
        "userid": _v(PARAM_INT),
        "author": _v(PARAM_TEXT),
        "license": _v(PARAM_TEXT),
    }
)
MODULE = ExternalSingleStructure(
    {
        "id": _v(PARAM_INT),
        "url": _v(PARAM_URL, VALUE_OPTIONAL),
        "name": _v(PARAM_RAW),
        "instance": _v(PARAM_INT, VALUE_OPTIONAL),
        "contextid": _v(PARAM_INT, VALUE_OPTIONAL),
        "description": _v(PARAM_RAW, VALUE_OPTIONAL),
        "visible": _v(PARAM_INT, VALUE_OPTIONAL),
        "uservisible": _v(PARAM_BOOL, VALUE_OPTIONAL),
        "availabilityinfo": _v(PARAM_RAW, VALUE_OPTIONAL),
        "visibleoncoursepage": _v(PARAM_INT, VALUE_OPTIONAL),
        "modicon": _v(PARAM_URL),
        "modname": _v(PARAM_PLUGIN),
        "purpose": _v(PARAM_ALPHANUMEXT),
        "branded": _v(PARAM_BOOL, VALUE_OPTIONAL),
        "modplural": _v(PARAM_TEXT),
        "indent": _v(PARAM_INT),
        "onclick": _v(PARAM_RAW, VALUE_OPTIONAL),
        "afterlink": _v(PARAM_RAW, VALUE_OPTIONAL),
        "customdata": _v(PARAM_RAW, VALUE_OPTIONAL),
        "noviewlink": _v(PARAM_BOOL, VALUE_OPTIONAL),
        "completion": _v(PARAM_INT, VALUE_OPTIONAL),
        "downloadcontent": _v(PARAM_INT, VALUE_OPTIONAL),
        "dates": ExternalMultipleStructure(
            ExternalSingleStructure(
                {"label": _v(PARAM_TEXT), "timestamp": _v(PARAM_INT), "dataid": _v(PARAM_NOTAGS)}
            ),
            "",
            VALUE_DEFAULT,
            [],
        ),
        "contents": ExternalMultipleStructure(CONTENT, "", VALUE_OPTIONAL),
    }
)
SECTION = ExternalSingleStructure(
    {
        "id": _v(PARAM_INT),
        "name": _v(PARAM_RAW),
        "visible": _v(PARAM_INT, VALUE_OPTIONAL),
        "summary": _v(PARAM_RAW),
        "summaryformat": ExternalFormatValue("summary"),
        "section": _v(PARAM_INT, VALUE_OPTIONAL),
        "hiddenbynumsections": _v(PARAM_INT, VALUE_OPTIONAL),
        "uservisible": _v(PARAM_BOOL, VALUE_OPTIONAL),
        "availabilityinfo": _v(PARAM_RAW, VALUE_OPTIONAL),
        "modules": ExternalMultipleStructure(MODULE),
    }
)
#: ``core_course_get_contents``'s return shape (the parts a course page needs).
CONTENTS = ExternalMultipleStructure(SECTION)


def _module(cmid: int, wwwroot: str) -> dict[str, Any]:
    return {
        "id": cmid,
        "url": f"{wwwroot}/mod/resource/view.php?id={cmid}",
        "name": f"Lecture notes {cmid} & slides",
        "instance": cmid + 7,
        "contextid": cmid + 50,
        "description": "<p>Read <b>before</b> class.</p>",
        "visible": 1,
        "uservisible": True,
        "visibleoncoursepage": 1,
        "modicon": f"{wwwroot}/theme/image.php/boost/resource/1/icon",
        "modname": "resource",
        "purpose": "content",
        "branded": False,
        "modplural": "Files",
        "indent": 0,
        "onclick": "",
        "afterlink": None,
        "noviewlink": False,
        "completion": 0,
        "downloadcontent": 1,
        "dates": [],
        "contents": [
            {
                "type": "file",
                "filename": f"notes-{cmid}.pdf",
                "filepath": "/",
                "filesize": 123456,
                "fileurl": f"{wwwroot}/webservice/pluginfile.php/{cmid}/mod_resource/content/1/"
                f"notes-{cmid}.pdf?forcedownload=1",
                "timecreated": 1700000000,
                "timemodified": 1700000100,
                "sortorder": 1,
                "mimetype": "application/pdf",
                "isexternalfile": False,
                "userid": 2,
                "author": "Admin User",
                "license": "allrightsreserved",
            }
        ],
    }


def make_contents(
    modules: int = 100, wwwroot: str = "http://moodle.example.com", per_section: int = PER_SECTION
) -> list[dict[str, Any]]:
    """A course of ``modules`` modules in sections of ``per_section``, each with one file."""
    sections = []
    for s in range(-(-modules // per_section)):
        first = s * per_section
        sections.append(
            {
                "id": s + 1,
                "name": f"Week {s}",
                "visible": 1,
                "summary": "",
                "summaryformat": 1,
                "section": s,
                "hiddenbynumsections": 0,
                "uservisible": True,
                "modules": [
                    _module(cmid, wwwroot)
                    for cmid in range(first, min(first + per_section, modules))
                ],
            }
        )
    return sections


@functools.lru_cache(maxsize=8)
def _cached_contents(modules: int, wwwroot: str) -> list[dict[str, Any]]:
    # Built once per size: the benchmark measures the platform, not the building of dicts.
    return make_contents(modules, wwwroot)


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "a": ExternalValue(PARAM_INT, "first addend"),
            "b": ExternalValue(PARAM_INT, "second addend"),
        }
    ),
    returns=ExternalSingleStructure({"sum": ExternalValue(PARAM_INT, "a + b")}),
    description="Adds two integers (benchmark baseline function).",
    ajax=True,
    services=["local_bench"],
)
async def sum(ctx: CallContext, a: int, b: int) -> dict[str, int]:
    del ctx
    return {"sum": a + b}


@plugin.function(
    parameters=ExternalFunctionParameters(
        {
            "modules": ExternalValue(
                PARAM_INT, "how many modules the course has", VALUE_DEFAULT, 100
            ),
        }
    ),
    returns=CONTENTS,
    description="A core_course_get_contents-shaped course of `modules` modules (benchmark).",
    ajax=True,
    services=["local_bench"],
)
async def contents(ctx: CallContext, modules: int) -> list[dict[str, Any]]:
    return _cached_contents(max(0, min(modules, MAX_MODULES)), ctx.wwwroot.rstrip("/"))
