"""The open reference client, moodlepy 0.24.1, runs a whole session unchanged: login, site info,
courses, contents, a nested-array call, an XML call and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.client]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV = ROOT / ".venv-moodlepy"


def moodlepy_python() -> Path:
    """The client lives in its own virtualenv: its top-level module `moodle` is generic."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(HERE / "requirements-moodlepy.txt"),
            ],
            check=True,
        )
    return python


def test_moodlepy_logs_in_and_reads_site_info(stack: Stack) -> None:
    result = subprocess.run(  # noqa: PLW1510  (the exit code is asserted)
        [
            str(moodlepy_python()),
            str(HERE / "moodlepy_session.py"),
            stack.url,
            "student",
            "Student-2026!",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["token_length"] == 32
    assert seen["username"] == "student"
    assert seen["major"] >= 2024100700
    assert "core_webservice_get_site_info" in seen["functions"]
    assert seen["error"]["errorcode"] == "invalidparameter"
    assert seen["badtoken"] == "invalidtoken"
    assert seen["courses"] == ["ASTRO101", "WRITE201"]
    assert seen["sections"] == [0, 1, 2, 3]
    assert {"assign", "folder", "forum", "page", "resource", "url"} <= set(seen["modnames"])
    assert seen["assignments"] == ["Essay: our solar system"]
    assert seen["xml_head"].startswith("<?xml") and seen["xml_has_course"], seen["xml_head"]
    assert seen["missing_course"] == "invalidrecord"
