"""Schemathesis against the running gateway's own OpenAPI document (``make fuzz``).

Starts a stack, logs in, and lets schemathesis generate requests for every operation of
``/openapi.json`` (the JSON API per function, the REST endpoint, token.php), checking that no
answer is a server error: hostile or odd input must get a 4xx with the error body, never a 5xx
(the documented 503/504 only appear when workers or the broker are away, which they are not
here). Loopback only; bounded by ``--max-time``.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

from tests.e2e.stack import ROOT, login, start_stack, stop_stack

ST = ROOT / ".venv-fuzz" / "bin" / "st"


async def run(seconds: int, workdir: Path) -> int:
    stack = await start_stack(
        workdir,
        workers=2,
        WS_PLUGINS="services.functions.plugins.core,examples.local_greetings",
        TEST_EXTRA_COMPONENTS="local_greetings",
    )
    try:
        async with aiohttp.ClientSession() as http:
            token = (await login(http, stack, "student", "Student-2026!"))["token"]
        command = [
            str(ST),
            "run",
            f"{stack.url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-time",
            str(seconds),
            "--max-examples",
            "25",
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--generation-deterministic",
        ]
        result = await asyncio.to_thread(
            subprocess.run, command, check=False, text=True, capture_output=True
        )
        print(result.stdout[-12000:])
        print(result.stderr[-4000:], file=sys.stderr)
        return result.returncode
    finally:
        await stop_stack(stack)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args(argv)
    if not ST.exists():
        print(f"{ST} is missing: run `make fuzz`", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="wsfuzz-") as tmp:
        return asyncio.run(run(args.seconds, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
