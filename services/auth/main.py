"""``ws-auth``: run the auth service."""

from __future__ import annotations

import asyncio
import logging
import sys

import redis.exceptions
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from services.auth.app import create_app
from services.auth.settings import load_auth_settings
from shared.aio import tune_gc
from shared.logs import configure_logging
from shared.settings import SettingsError

__all__ = ["main"]

logger = logging.getLogger("services.auth")


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access log without query strings: clients send ``password`` (and tokens) in them."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %d %.3fs',
            request.remote,
            request.method,
            request.path,
            response.status,
            time,
        )


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # noqa: PLC0415  # optional speed-up, absent on some platforms
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def main() -> None:
    """Read the settings, then serve until SIGINT/SIGTERM; exits 2 on bad configuration."""
    try:
        settings = load_auth_settings()
    except SettingsError as exc:
        print(f"ws-auth: {exc}", file=sys.stderr)
        sys.exit(2)
    # The JSON lines every service writes (docs/observability.md), request ids included.
    configure_logging("auth", settings.debug)
    logging.getLogger("aiohttp.access").setLevel(logging.INFO)  # our path-only access log
    tune_gc()
    if len(settings.secret_key) < 16:
        logger.warning("WS_SECRET_KEY is shorter than 16 characters: use a long random value")
    logger.info(
        "auth serving login for %r on %s:%d (namespace %r)",
        settings.wwwroot,
        settings.auth_host,
        settings.auth_port,
        settings.namespace,
    )
    try:
        web.run_app(
            create_app(settings),
            host=settings.auth_host,
            port=settings.auth_port,
            handle_signals=True,
            access_log_class=PathOnlyAccessLogger,
            loop=_new_loop(),
            print=None,
        )
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        logger.error("cannot reach Redis at start-up: %s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
