"""The chaos suite, short: every fault under load, no call lost, no write run twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.chaos import report, run

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(300)
async def test_short_chaos_run_loses_nothing(tmp_path: Path) -> None:
    tally = await run(seconds=8, clients=4, workdir=tmp_path)
    table = report(tally)
    print(table)
    assert tally.sent > 50, table
    assert tally.lost == 0, table
    assert tally.errors["(duplicated writes)"] == 0, table
    assert set(tally.recovery) == {
        "worker SIGKILL",
        "worker SIGTERM",
        "broker restart",
        "redis restart",
    }, table
