"""Request ids from HTTP to the worker's log and back, and the health endpoints, on a real stack."""

from __future__ import annotations

import asyncio
import json
import sys

import aiohttp

from tests.e2e.stack import ROOT, Stack, login

SITE_INFO = "core_webservice_get_site_info"


def probe_token(stack: Stack) -> str:
    return (
        stack.wsadmin("token", "create", "student", "local_probe").stdout.strip().splitlines()[-1]
    )


async def test_request_id_reaches_the_worker_log_and_developer_debuginfo(
    http: aiohttp.ClientSession, obs_stack: Stack
) -> None:
    token = probe_token(obs_stack)
    request_id = "obs-req-7f3a"
    async with http.post(
        f"{obs_stack.url}/webservice/rest/server.php",
        data={"wstoken": token, "wsfunction": "local_probe_fail", "moodlewsrestformat": "json"},
        headers={"X-Request-Id": request_id},
    ) as resp:
        assert resp.headers["X-Request-Id"] == request_id
        body = await resp.json()
    assert body["errorcode"] == "generalexceptionmessage"
    # WS_DEBUG=developer: the id is in the debug info, so a bug report carries it.
    assert body["debuginfo"].endswith(f"[request {request_id}]"), body
    # The worker logged the failure on its functions loop, with the same id, as JSON.
    log_path = obs_stack.logdir / "worker0.log"
    lines: list[dict[str, object]] = []
    for _ in range(50):
        lines = []
        for raw in log_path.read_text(errors="replace").splitlines():
            if raw.startswith("{"):
                lines.append(json.loads(raw))
        if any(e.get("request_id") == request_id for e in lines):
            break
        await asyncio.sleep(0.1)
    failed = [e for e in lines if e.get("request_id") == request_id]
    assert failed, lines[-5:]
    assert "local_probe_fail failed" in str(failed[0]["msg"])
    assert failed[0]["service"] == "worker" and "exc" in failed[0]


async def test_request_id_generated_and_on_json_api_errors(
    http: aiohttp.ClientSession, obs_stack: Stack
) -> None:
    async with http.post(
        f"{obs_stack.url}/api/v1/functions/{SITE_INFO}",
        json={},
        headers={"Authorization": "Bearer " + "0" * 32},
    ) as resp:
        assert resp.status == 401
        generated = resp.headers["X-Request-Id"]
        body = await resp.json()
    assert len(generated) == 32
    assert body["debuginfo"].endswith(f"[request {generated}]")


async def test_readyz_details(http: aiohttp.ClientSession, obs_stack: Stack) -> None:
    async with http.get(f"{obs_stack.url}/readyz") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["status"] == "ok" and body["redis"] and body["broker"]
    assert body["components"]["core_webservice"] == 1
    assert body["components"]["local_probe"] == 1
    async with http.get(f"{obs_stack.url}/livez") as resp:
        assert resp.status == 200
    async with http.get(f"{obs_stack.auth_url}/readyz") as resp:
        assert resp.status == 200
        assert (await resp.json())["redis"] is True
    async with http.get(f"{obs_stack.auth_url}/livez") as resp:
        assert resp.status == 200
    worker = obs_stack.env["TEST_WORKER_METRICS"]
    async with http.get(f"{worker}/readyz") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["broker"] and body["redis"] and body["consumers"] == len(body["components"]) >= 2


async def test_worker_check_command(obs_stack: Stack) -> None:
    """``ws-worker --check`` (the compose healthcheck) asks the worker's own /readyz."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.functions", "--check",
        env=obs_stack.env, cwd=str(ROOT), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await proc.communicate()
    assert proc.returncode == 0, err


async def test_login_still_answers(http: aiohttp.ClientSession, obs_stack: Stack) -> None:
    body = await login(http, obs_stack, "student", "Student-2026!")
    assert "token" in body
