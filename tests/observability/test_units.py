"""Units of the observability layer: JSON log lines, request-id propagation, the sampler."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.functions.fnloop import FunctionLoop
from services.gateway.observe import SCOPE, RequestScope, protocol_of, with_request_id
from shared import metrics
from shared.constants import Names
from shared.errors import ErrorInfo
from shared.logs import REQUEST_ID, JsonFormatter, bind_request_id, current_request_id
from tests.conftest import REDIS_URL


def record(msg: str, **extra: object) -> logging.LogRecord:
    rec = logging.makeLogRecord({"name": "t", "levelno": logging.INFO, "levelname": "INFO"})
    rec.msg = msg
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_log_lines_carry_the_bound_request_id() -> None:
    formatter = JsonFormatter("gateway")
    token = bind_request_id("abc123")
    try:
        line = formatter.format(record("hello"))
    finally:
        REQUEST_ID.reset(token)
    assert '"request_id":"abc123"' in line and '"service":"gateway"' in line
    assert "request_id" not in formatter.format(record("outside"))
    # An explicit extra= wins over the bound id.
    token = bind_request_id("bound")
    try:
        assert '"request_id":"explicit"' in formatter.format(record("x", request_id="explicit"))
    finally:
        REQUEST_ID.reset(token)


async def test_request_id_travels_to_the_functions_loop(tmp_path: object, namespace: str) -> None:
    """Plugin code runs on another thread's loop; its log lines must still carry the id."""
    loop = FunctionLoop(REDIS_URL, Names(namespace), str(tmp_path))
    await loop.start()
    try:

        async def seen() -> str:
            return current_request_id()

        token = bind_request_id("req-on-other-loop")
        try:
            assert await loop.run(seen()) == "req-on-other-loop"
        finally:
            REQUEST_ID.reset(token)
        assert await loop.run(seen()) == ""
    finally:
        await loop.close()


def test_debuginfo_gets_the_request_id_in_developer_mode_only() -> None:
    info = ErrorInfo("moodle_exception", "invalidtoken", "Invalid token", debuginfo="why")
    assert with_request_id(info) is info  # outside a request
    token = SCOPE.set(RequestScope("r1", developer=True))
    try:
        assert with_request_id(info).debuginfo == "why [request r1]"
        bare = ErrorInfo("moodle_exception", "x", "y")
        assert with_request_id(bare).debuginfo == "[request r1]"
    finally:
        SCOPE.reset(token)
    token = SCOPE.set(RequestScope("r2", developer=False))
    try:
        assert with_request_id(info).debuginfo == "why"
    finally:
        SCOPE.reset(token)


@pytest.mark.parametrize(
    ("path", "protocol"),
    [
        ("/webservice/rest/server.php", "rest"),
        ("//webservice/rest/server.php", "rest"),
        ("/api/v1/functions/core_x", "api"),
        ("/lib/ajax/service.php", "ajax"),
        ("/lib/ajax/service-nologin.php", "ajax"),
        ("/login/token.php", ""),
        ("/metrics", ""),
    ],
)
def test_protocol_of(path: str, protocol: str) -> None:
    assert protocol_of(path) == protocol


def test_sampler_sums_equal_series_and_removes_sources() -> None:
    def source(value: float) -> Iterator[metrics.Sample]:
        yield metrics.Sample("ws_test_things", "gauge", "things", value, (("kind", "a"),))

    remove_one = metrics.SAMPLER.add(lambda: source(2))
    remove_two = metrics.SAMPLER.add(lambda: source(3))
    try:
        text = metrics.render_metrics().decode()
        assert 'ws_test_things{kind="a"} 5.0' in text
        assert text.count("# TYPE ws_test_things gauge") == 1
    finally:
        remove_one()
        remove_two()
    assert "ws_test_things" not in metrics.render_metrics().decode()


async def test_metrics_endpoint_refuses_peers_outside_the_allow_list() -> None:
    app = web.Application()
    app.router.add_get("/open", metrics.metrics_handler("127.0.0.1"))
    app.router.add_get("/closed", metrics.metrics_handler("192.0.2.0/24"))
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/open")
        assert resp.status == 200
        assert "# TYPE ws_gateway_calls_total counter" in await resp.text()
        assert (await client.get("/closed")).status == 403
