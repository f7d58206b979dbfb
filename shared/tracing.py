"""OpenTelemetry tracing across gateway -> bus -> worker, off unless configured.

Tracing is on when ``WS_OTEL_ENDPOINT`` (an OTLP/HTTP base URL such as
``http://collector:4318``) or OpenTelemetry's own ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set; then
:func:`configure_tracing` installs a tracer provider exporting in batches (a background thread,
never the event loop). Off, every helper here is a test of one module variable: no tracer, no
context objects, nothing on the hot path.

The trace context crosses the bus as W3C ``traceparent``/``tracestate`` AMQP headers
(:func:`inject_headers` on publish, ``parent=`` of :func:`span` on receipt), so a worker's span
is a child of the gateway's, and plugin code on the functions loop inherits the worker's span
(the context travels with the coroutine).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import SpanKind

__all__ = [
    "SpanKind",
    "configure_tracing",
    "enabled",
    "inject_headers",
    "otlp_endpoint",
    "shutdown_tracing",
    "span",
]

#: Seconds one export to the collector may take, retries included.
EXPORT_TIMEOUT = 2.0

_tracer: trace.Tracer | None = None
_provider: TracerProvider | None = None


def otlp_endpoint(configured: str) -> str:
    """The traces URL: ``WS_OTEL_ENDPOINT`` if set, else OpenTelemetry's standard variables
    (read here because they belong to OpenTelemetry, not to our settings); "" = off."""
    base = configured or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "")
    specific = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
    if not configured and specific:
        return specific
    if not base:
        return ""
    base = base.rstrip("/")
    return base if base.endswith("/v1/traces") else f"{base}/v1/traces"


def configure_tracing(
    service: str,
    endpoint: str = "",
    *,
    exporter: SpanExporter | None = None,
    set_global: bool = True,
) -> bool:
    """Turn tracing on for this process if ``endpoint`` (or ``exporter``, in tests) is given.

    Returns whether tracing is on. ``set_global`` also makes the provider OpenTelemetry's
    global one, so plugins using the OpenTelemetry API add spans to the same traces.
    """
    global _tracer, _provider  # noqa: PLW0603  (one provider per process, set at start-up)
    if exporter is None and not endpoint:
        return False
    provider = TracerProvider(resource=Resource.create({"service.name": f"moodle-ws-{service}"}))
    if exporter is None:
        # Imported only when used: the exporter pulls in requests and protobuf.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        # A short export timeout: with the collector down, spans are dropped quickly and a
        # stopping service is not held up flushing them.
        exporter = OTLPSpanExporter(endpoint=endpoint, timeout=EXPORT_TIMEOUT)
        provider.add_span_processor(BatchSpanProcessor(exporter))
    else:  # tests: spans handed over as they end
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if set_global:
        trace.set_tracer_provider(provider)
    _provider = provider
    _tracer = provider.get_tracer("moodle-ws")
    return True


def shutdown_tracing() -> None:
    """Flush and stop the exporter (at process exit); tracing is off afterwards."""
    global _tracer, _provider  # noqa: PLW0603
    if _provider is not None:
        _provider.shutdown()
    _tracer = _provider = None


def enabled() -> bool:
    return _tracer is not None


_OFF: contextlib.nullcontext[None] = contextlib.nullcontext()


def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, str | int | float | bool] | None = None,
    parent: Mapping[str, Any] | None = None,
) -> contextlib.AbstractContextManager[None]:
    """A span around the block (current for it); ``parent`` = headers carrying a remote
    context (AMQP headers of a received call). While tracing is off it is one shared no-op
    context manager: no generator per call."""
    tracer = _tracer
    if tracer is None:
        return _OFF
    return _span(tracer, name, kind, attributes, parent)


@contextlib.contextmanager
def _span(
    tracer: trace.Tracer,
    name: str,
    kind: SpanKind,
    attributes: Mapping[str, str | int | float | bool] | None,
    parent: Mapping[str, Any] | None,
) -> Iterator[None]:
    context = None
    if parent is not None:
        carrier = {
            k: v.decode(errors="replace") if isinstance(v, bytes) else v
            for k, v in parent.items()
            if isinstance(v, (str, bytes))
        }
        context = propagate.extract(carrier)
    with tracer.start_as_current_span(
        name, context=context, kind=kind, attributes=dict(attributes or {})
    ):
        yield


def inject_headers() -> dict[str, str]:
    """The current trace context as message headers (``{}`` while tracing is off)."""
    if _tracer is None:
        return {}
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier
