"""``ws-gateway``: serve the public origin until SIGTERM or Ctrl-C."""

from __future__ import annotations

import sys

from aiohttp import web

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from shared.aio import new_event_loop, tune_gc
from shared.logs import configure_logging
from shared.settings import SettingsError, load_settings
from shared.tracing import configure_tracing, otlp_endpoint, shutdown_tracing

__all__ = ["main"]


def main() -> int:
    try:
        settings = load_settings(GatewaySettings)
    except SettingsError as exc:
        print(f"ws-gateway: {exc}", file=sys.stderr)
        return 2
    configure_logging("gateway", settings.debug)
    configure_tracing("gateway", otlp_endpoint(settings.otel_endpoint))
    tune_gc()
    # run_app handles SIGTERM/SIGINT: stops accepting, lets in-flight requests finish, then
    # runs the cleanup contexts (closing the broker and Redis connections).
    web.run_app(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        access_log=None,
        print=None,
        loop=new_event_loop(),
        shutdown_timeout=10,
        # Several gateway processes can share the port; the kernel spreads connections.
        reuse_port=True,
    )
    shutdown_tracing()
    return 0
