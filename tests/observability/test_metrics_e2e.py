"""Prometheus metrics of the gateway, auth and a worker, read over HTTP from a real stack."""

from __future__ import annotations

import re

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.stack import Stack, login, rest

SITE_INFO = "core_webservice_get_site_info"


async def scrape(
    http: aiohttp.ClientSession, url: str
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    async with http.get(f"{url}/metrics") as resp:
        assert resp.status == 200, await resp.text()
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    """Sum over every series of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def test_gateway_counts_calls_by_function_protocol_and_outcome(
    http: aiohttp.ClientSession, obs_stack: Stack
) -> None:
    token = (await login(http, obs_stack, "student", "Student-2026!"))["token"]
    before = await scrape(http, obs_stack.url)
    for _ in range(3):
        assert "userid" in await rest(http, obs_stack, SITE_INFO, token)
    bad = await rest(http, obs_stack, SITE_INFO, "0" * 32)
    assert bad["errorcode"] == "invalidtoken"
    async with http.post(
        f"{obs_stack.url}/api/v1/functions/{SITE_INFO}",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        assert resp.status == 200
    after = await scrape(http, obs_stack.url)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    calls = "ws_gateway_calls_total"
    assert delta(calls, function=SITE_INFO, protocol="rest", outcome="ok") == 3
    assert delta(calls, function=SITE_INFO, protocol="api", outcome="ok") == 1
    # Refused before a function was resolved: no function label, the errorcode as outcome.
    assert delta(calls, function="", protocol="rest", outcome="invalidtoken") == 1
    # The three latency splits, each observed for the successful calls.
    assert delta("ws_gateway_seconds_count", protocol="rest") == 4
    assert delta("ws_call_worker_seconds_count", function=SITE_INFO) == 4
    component = "core_webservice"
    assert delta("ws_call_queue_wait_seconds_count", component=component) == 4
    assert delta("ws_gateway_roundtrip_seconds_count", component=component) == 4
    # Live state, sampled at scrape time.
    assert value(after, "ws_gateway_inflight_calls") == 0
    assert value(after, "ws_bus_connected", service="gateway") == 1
    assert ("ws_bus_reconnects_total", frozenset({("service", "gateway")})) in after
    hits = delta("ws_token_cache_lookups_total", result="hit")
    misses = delta("ws_token_cache_lookups_total", result="miss")
    assert hits >= 3 and hits + misses == 5
    assert total(after, "ws_http_requests_total", service="gateway", status="200") > 0


async def test_worker_metrics_on_its_own_port(
    http: aiohttp.ClientSession, obs_stack: Stack
) -> None:
    worker = obs_stack.env["TEST_WORKER_METRICS"]
    token = (await login(http, obs_stack, "student", "Student-2026!"))["token"]
    before = await scrape(http, worker)
    assert "userid" in await rest(http, obs_stack, SITE_INFO, token)
    after = await scrape(http, worker)
    name = "ws_worker_calls_total"
    labels = {"function": SITE_INFO, "protocol": "rest", "outcome": "ok"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1
    assert value(after, "ws_worker_seconds_count", function=SITE_INFO) >= 1
    assert value(after, "ws_worker_queue_wait_seconds_count", component="core_webservice") >= 1
    assert value(after, "ws_worker_concurrency") == 32
    assert value(after, "ws_worker_inflight_calls") == 0
    queue = f"{obs_stack.namespace}.calls.core_webservice"
    consumers = [
        v for (n, ls), v in after.items() if n == "ws_queue_consumers" and ("queue", queue) in ls
    ]
    assert consumers == [1], sorted(k for k in after if k[0] == "ws_queue_consumers")
    assert total(after, "ws_queue_messages") == 0


async def test_auth_counts_login_failures(http: aiohttp.ClientSession, obs_stack: Stack) -> None:
    before = await scrape(http, obs_stack.auth_url)
    await login(http, obs_stack, "student", "Student-2026!")
    refused = await login(http, obs_stack, "student", "wrong")
    assert refused["errorcode"] == "invalidlogin"
    after = await scrape(http, obs_stack.auth_url)
    for outcome in ("ok", "invalidlogin"):
        grew = value(after, "ws_auth_logins_total", outcome=outcome) - value(
            before, "ws_auth_logins_total", outcome=outcome
        )
        assert grew == 1, outcome


async def test_metrics_exposition_names(http: aiohttp.ClientSession, obs_stack: Stack) -> None:
    async with http.get(f"{obs_stack.url}/metrics") as resp:
        text = await resp.text()
    # Each family once (no duplicates from several sources) and the documented names present.
    types = re.findall(r"^# TYPE (\S+) ", text, re.M)
    assert len(types) == len(set(types))
    assert not [t for t in types if t.endswith("_created")]
    for name in ("ws_gateway_calls_total", "ws_gateway_seconds", "ws_token_cache_lookups_total"):
        assert name in types
