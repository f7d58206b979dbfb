"""A stack of its own for the protocol tests: files in a temporary directory, so the tests can
look at the blobs and measure the gateway process alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.stack import Stack, start_stack, stop_stack


@pytest.fixture(scope="session")
async def pstack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    tmp = Path(tmp_path_factory.mktemp("pstack"))
    running = await start_stack(
        tmp,
        WS_FILES_DIR=str(tmp / "files"),
        WS_PLUGINS="services.functions.plugins.core,tests.protocols.probe_plugin",
        TEST_EXTRA_COMPONENTS="local_ajaxprobe,core_files,core_user",
    )
    try:
        yield running
    finally:
        await stop_stack(running)
