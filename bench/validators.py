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

from services.functions.plugins.bench import CONTENTS, make_contents
from shared.external import (
    PARAM_BOOL,
    PARAM_INT,
    PARAM_TEXT,
    VALUE_DEFAULT,
    ExternalFunctionParameters,
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
    course = make_contents(300, per_section=30)
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
