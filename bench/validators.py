"""Per-call cost of parameter validation and return cleaning.

Run: ``.venv/bin/python bench/validators.py``. Prints a table and writes
``bench/results/validators.json``. Figures are per call, min and median over many timed batches
(``time.perf_counter_ns``), for the compiled closures (what the gateway uses) and the reference
interpreter.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.external import (
    PARAM_ALPHANUMEXT,
    PARAM_BOOL,
    PARAM_INT,
    PARAM_NOTAGS,
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
    clean_returnvalue,
    compile_parameters,
    compile_returns,
    validate_parameters,
)

RESULTS = Path(__file__).parent / "results" / "validators.json"

SMALL = ExternalFunctionParameters(
    {
        "courseid": ExternalValue(PARAM_INT, "course id"),
        "search": ExternalValue(PARAM_TEXT, "search text"),
        "limit": ExternalValue(PARAM_INT, "page size", VALUE_DEFAULT, 10),
        "includehidden": ExternalValue(PARAM_BOOL, "include hidden", VALUE_DEFAULT, False),
    }
)
SMALL_FORM = {"courseid": "2", "search": "algebra", "includehidden": "1"}  # REST: all strings
SMALL_JSON = {"courseid": 2, "search": "algebra", "limit": 20, "includehidden": True}


def _v(ptype: str, required: int = 1) -> ExternalValue:
    return ExternalValue(ptype, "", required)


CONTENT = ExternalSingleStructure(
    {
        "type": _v(PARAM_TEXT),
        "filename": _v(PARAM_FILE := "file"),
        "filepath": _v("path"),
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
CONTENTS = ExternalMultipleStructure(SECTION)


def make_contents(sections: int = 10, per_section: int = 30) -> list[dict[str, Any]]:
    """A course of ``sections * per_section`` modules, each with one file content."""
    out = []
    for s in range(sections):
        modules = []
        for m in range(per_section):
            cmid = s * 1000 + m
            modules.append(
                {
                    "id": cmid,
                    "url": f"http://moodle.example.com/mod/resource/view.php?id={cmid}",
                    "name": f"Lecture notes {cmid} & slides",
                    "instance": cmid + 7,
                    "contextid": cmid + 50,
                    "description": "<p>Read <b>before</b> class.</p>",
                    "visible": 1,
                    "uservisible": True,
                    "visibleoncoursepage": 1,
                    "modicon": "http://moodle.example.com/theme/image.php/boost/resource/1/icon",
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
                            "fileurl": f"http://moodle.example.com/webservice/pluginfile.php/{cmid}/mod_resource/content/1/notes-{cmid}.pdf?forcedownload=1",
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
            )
        out.append(
            {
                "id": s + 1,
                "name": f"Week {s}",
                "visible": 1,
                "summary": "",
                "summaryformat": 1,
                "section": s,
                "hiddenbynumsections": 0,
                "uservisible": True,
                "modules": modules,
            }
        )
    return out


def measure(call: Callable[[], Any], *, batch: int, batches: int) -> dict[str, float]:
    """Per-call microseconds: min and median over ``batches`` timed batches of ``batch`` calls."""
    for _ in range(batch):  # warm-up
        call()
    samples = []
    for _ in range(batches):
        start = time.perf_counter_ns()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter_ns() - start) / batch / 1000)
    return {"min_us": min(samples), "median_us": statistics.median(samples)}


def main() -> None:
    small = compile_parameters(SMALL)
    large = compile_returns(CONTENTS)
    course = make_contents()
    assert small(SMALL_FORM) == validate_parameters(SMALL, SMALL_FORM)
    assert large(course) == clean_returnvalue(CONTENTS, course)
    cases = {
        "small call, form strings, compiled": measure(
            lambda: small(SMALL_FORM), batch=200, batches=200
        ),
        "small call, JSON values, compiled": measure(
            lambda: small(SMALL_JSON), batch=200, batches=200
        ),
        "small call, form strings, interpreted": measure(
            lambda: validate_parameters(SMALL, SMALL_FORM), batch=200, batches=100
        ),
        "course contents 300 modules, compiled": measure(
            lambda: large(course), batch=1, batches=60
        ),
        "course contents 300 modules, interpreted": measure(
            lambda: clean_returnvalue(CONTENTS, course), batch=1, batches=30
        ),
    }
    print(f"{'case':<44} {'min µs':>10} {'median µs':>10}")
    for name, figures in cases.items():
        print(f"{name:<44} {figures['min_us']:>10.1f} {figures['median_us']:>10.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "processor_count": __import__("os").cpu_count(),
                "cases": cases,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
