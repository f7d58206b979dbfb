"""Settings of a function worker, read once from the environment."""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.settings import DebugLevel

__all__ = ["WorkerSettings"]


class WorkerSettings(msgspec.Struct, frozen=True):
    redis_url: str = "redis://127.0.0.1:6379/0"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    namespace: str = "ws"
    wwwroot: str = "http://127.0.0.1:8000"
    #: Comma-separated modules exposing ``plugins`` (a list of Plugin) or ``plugin``.
    plugins: str = "services.functions.plugins.core"
    #: Comma-separated components this worker serves ("" = all it loaded).
    components: str = ""
    #: Calls run at once per worker (AMQP prefetch); bounded so a flood queues in the broker.
    concurrency: int = 32
    #: Seconds a SIGTERM'd worker waits for in-flight calls before leaving.
    drain_seconds: float = 20.0
    #: Per-component queue bound; calls beyond it are refused as "server busy".
    queue_max_length: int = 10000
    #: The file store's blob directory, shared with the gateway (a compose volume).
    files_dir: str = ".local/files"
    debug: DebugLevel = "normal"
    #: Load the benchmark plugin (``local_bench``).
    bench: bool = False
    # --- core functions (issue 6) ---
    #: Seed the demo site (courses, activities, files) on the first start of a namespace.
    seed: bool = True
    # --- OBSERVABILITY ---
    #: Port of the worker's /metrics, /healthz and /readyz (0 = none). Workers sharing a host
    #: need distinct ports (compose runs one worker per container, so one port fits all).
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    #: OTLP/HTTP collector base URL; empty = tracing off (unless OTEL_EXPORTER_OTLP_ENDPOINT).
    otel_endpoint: str = ""
    # --- DEPLOYMENT (broker cluster) ---
    #: Type of the call queues this worker declares: ``quorum`` replicates them on a RabbitMQ
    #: cluster (AMQP_URL then lists its nodes, comma-separated); see docs/operations.md.
    queue_type: Literal["classic", "quorum"] = "classic"
