"""``local_bench``: the trivial function the benchmark harness calls (loaded when WS_BENCH=1)."""

from __future__ import annotations

from services.functions.api import CallContext, Plugin, ServiceDef
from shared.external import (
    PARAM_INT,
    ExternalFunctionParameters,
    ExternalSingleStructure,
    ExternalValue,
)

__all__ = ["plugin"]

plugin = Plugin("local_bench", version="2026112500")
plugin.service(ServiceDef(shortname="local_bench", name="Benchmark service"))


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
