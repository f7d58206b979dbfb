"""Settings of the admin console, read from the environment beside the auth service's own."""

from __future__ import annotations

import msgspec

__all__ = ["ConsoleSettings"]


class ConsoleSettings(msgspec.Struct, kw_only=True):
    #: Where the test client sends its REST calls (``WS_CONSOLE_GATEWAY_URL``); "" = the site's
    #: ``WS_WWWROOT``. Set it when the public URL is not reachable from the auth container.
    console_gateway_url: str = ""
    #: Seconds a test-client token lives; it is reused until a minute before it expires.
    console_token_lifetime: int = 3600
    #: Audit events read to compute per-function call statistics (newest first).
    console_stats_events: int = 20_000
