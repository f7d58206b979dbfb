"""OpenTelemetry tracing: off by default; on, one trace from the gateway's span to the worker's."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import aiohttp
import pytest
import redis.asyncio as aioredis
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.functions.registry import load_plugins
from services.functions.runtime import Worker
from services.functions.settings import WorkerSettings
from services.gateway.rpc import RpcClient
from shared import tracing
from shared.constants import Names
from shared.wire import Caller, CallRequest
from tests.conftest import AMQP_URL, REDIS_URL
from tests.e2e.stack import free_port, login, rest, start_stack, stop_stack


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    assert tracing.configure_tracing("test", exporter=spans, set_global=False)
    try:
        yield spans
    finally:
        tracing.shutdown_tracing()


def test_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert tracing.otlp_endpoint("") == ""
    assert not tracing.configure_tracing("test", "")
    assert not tracing.enabled()
    assert tracing.inject_headers() == {}
    with tracing.span("nothing"):
        pass
    assert tracing.otlp_endpoint("http://collector:4318/") == "http://collector:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4318")
    assert tracing.otlp_endpoint("") == "http://otel:4318/v1/traces"


def test_context_travels_in_headers(exporter: InMemorySpanExporter) -> None:
    with tracing.span("gateway", kind=tracing.SpanKind.SERVER):
        headers = tracing.inject_headers()
    assert headers["traceparent"].startswith("00-")
    # Headers may arrive as bytes from the broker.
    with tracing.span("worker", parent={"traceparent": headers["traceparent"].encode()}):
        pass
    gateway, worker = sorted(exporter.get_finished_spans(), key=lambda s: s.name)
    assert gateway.context is not None and worker.context is not None
    assert worker.context.trace_id == gateway.context.trace_id
    assert worker.parent is not None and worker.parent.span_id == gateway.context.span_id


async def test_one_trace_from_gateway_through_the_bus_to_the_worker(
    exporter: InMemorySpanExporter,
    namespace: str,
    redis_client: aioredis.Redis,
    tmp_path: Path,
) -> None:
    del redis_client  # its fixture deletes the namespace's keys afterwards
    names = Names(namespace)
    settings = WorkerSettings(
        redis_url=REDIS_URL,
        amqp_url=AMQP_URL,
        namespace=namespace,
        plugins="tests.plugins.probe",
        files_dir=str(tmp_path),
        seed=False,
    )
    worker = Worker(settings, load_plugins(["tests.plugins.probe"]))
    rpc = RpcClient(AMQP_URL, names)
    await worker.start()
    await rpc.start()
    try:
        await asyncio.wait_for(rpc.link.ready.wait(), 10)
        with tracing.span("POST rest", kind=tracing.SpanKind.SERVER):
            request = CallRequest(
                call_id=uuid.uuid4().hex,
                function="local_probe_floats",
                args={},
                caller=Caller(userid=2),
                deadline=time.time() + 10,
            )
            reply = await rpc.call(request, names.call_queue("local_probe"))
        assert reply.error is None, reply
        spans = {s.name: s for s in exporter.get_finished_spans()}
        outer, run = spans["POST rest"], spans["run local_probe_floats"]
        assert outer.context is not None and run.context is not None
        assert run.context.trace_id == outer.context.trace_id
        assert run.parent is not None and run.parent.span_id == outer.context.span_id
        assert run.kind == tracing.SpanKind.CONSUMER
    finally:
        await rpc.close()
        await worker.stop()
        connection = await aio_pika.connect(AMQP_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(names.call_queue("local_probe"))
            await channel.exchange_delete(names.calls_exchange)


async def test_calls_work_with_tracing_on_and_no_collector(tmp_path: Path) -> None:
    """Tracing on (every span path of gateway and worker runs) while the collector is down:
    exports fail in the background, calls are answered."""
    closed = f"http://127.0.0.1:{free_port()}"
    stack = await start_stack(tmp_path, workers=1, WS_OTEL_ENDPOINT=closed)
    try:
        async with aiohttp.ClientSession() as http:
            token = (await login(http, stack, "student", "Student-2026!"))["token"]
            info = await rest(http, stack, "core_webservice_get_site_info", token)
            assert info["username"] == "student"
            async with http.post(
                f"{stack.url}/api/v1/functions/core_webservice_get_site_info",
                json={},
                headers={"Authorization": f"Bearer {token}"},
            ) as resp:
                assert resp.status == 200
    finally:
        await stop_stack(stack)
