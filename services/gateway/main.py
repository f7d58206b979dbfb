"""``ws-gateway``: serve the public origin until SIGTERM or Ctrl-C."""

from __future__ import annotations

import sys

from aiohttp import web

from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings
from shared.logs import configure_logging
from shared.settings import SettingsError, load_settings

__all__ = ["main"]


def main() -> int:
    try:
        settings = load_settings(GatewaySettings)
    except SettingsError as exc:
        print(f"ws-gateway: {exc}", file=sys.stderr)
        return 2
    configure_logging("gateway", settings.debug)
    loop_factory = None
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:
        pass
    import asyncio

    loop = loop_factory() if loop_factory else asyncio.new_event_loop()
    # run_app handles SIGTERM/SIGINT: stops accepting, lets in-flight requests finish, then
    # runs the cleanup contexts (closing the broker and Redis connections).
    web.run_app(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        access_log=None,
        print=None,
        loop=loop,
        shutdown_timeout=10,
    )
    return 0
