"""Settings of the gateway, read once from the environment."""

from __future__ import annotations

import msgspec

from shared.constants import CALL_DEADLINE_DEFAULT
from shared.metrics import METRICS_ALLOW_DEFAULT
from shared.settings import DebugLevel

__all__ = ["GatewaySettings"]


class GatewaySettings(msgspec.Struct, frozen=True):
    redis_url: str = "redis://127.0.0.1:6379/0"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    namespace: str = "ws"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    #: Public base URL; defaults to http://<http_host>:<http_port>.
    wwwroot: str = ""
    #: Where login/token.php is forwarded.
    auth_url: str = "http://127.0.0.1:8001"
    #: Seconds a call may take before the client gets "the call timed out".
    call_timeout: float = CALL_DEADLINE_DEFAULT
    #: Calls in flight per gateway process beyond which new ones answer "server busy" at once,
    #: so a flood cannot grow memory without bound.
    max_inflight: int = 2000
    #: none: no debuginfo; normal: debuginfo in errors; developer: also in messages.
    debug: DebugLevel = "normal"
    #: Largest request body accepted on function endpoints (bytes).
    max_body: int = 2 * 1024 * 1024
    #: Seconds a client may take to send its request body (slow clients are cut off).
    body_timeout: float = 30.0
    max_form_fields: int = 10000
    max_form_depth: int = 32
    #: How long the "does any worker consume this queue" answer is reused (seconds).
    consumer_check_ttl: float = 1.0

    # --- PROTOCOLS (files, sessions) ---------------------------------------------------------
    #: The file store's blob directory, shared with the workers (a compose volume).
    files_dir: str = ".local/files"
    #: Largest file upload.php accepts (bytes, -1 = unlimited) unless the site configuration
    #: sets ``maxbytes``.
    max_upload_bytes: int = 100 * 1024 * 1024
    #: Bytes of private files a user may keep, unless the site configuration sets ``userquota``.
    user_quota: int = 100 * 1024 * 1024
    #: Seconds a browser session lives without activity.
    session_ttl: int = 8 * 3600

    # --- ACCESS (token cache, rate limits, audit) ----------------------------------------------
    #: Seconds an access-check lookup (token, user, service, roles, config) is cached; every
    #: write also invalidates it over pub/sub at once. 0 disables the cache.
    token_cache_ttl: float = 30.0
    #: Entries per cache table before the oldest are evicted (bounds memory under token spraying).
    token_cache_size: int = 100_000
    #: Calls allowed per token within ``ratelimit_window`` seconds (0 = unlimited).
    ratelimit_token: int = 0
    #: Calls allowed per client address within ``ratelimit_window`` seconds (0 = unlimited).
    ratelimit_address: int = 0
    ratelimit_window: int = 60
    #: Audit events kept in the Redis stream (approximately).
    audit_maxlen: int = 100_000
    #: Publish audit events on the ``<ns>.events`` topic exchange too.
    audit_publish: bool = True

    # --- OBSERVABILITY (metrics, tracing) ----------------------------------------------------
    #: Who may read /metrics: Moodle-style IP list (CIDR, ranges, prefixes); empty = everyone.
    metrics_allow: str = METRICS_ALLOW_DEFAULT
    #: OTLP/HTTP collector base URL (e.g. http://collector:4318); empty = tracing off, unless
    #: OpenTelemetry's own OTEL_EXPORTER_OTLP_ENDPOINT is set.
    otel_endpoint: str = ""
    #: Proxies in front of the gateway (a load balancer) whose X-Forwarded-For is believed, so
    #: IP restrictions, rate limits and audit events see the client, not the proxy. Empty =
    #: believe nobody (the gateway faces clients directly).
    trusted_proxies: str = ""

    @property
    def public_url(self) -> str:
        return (self.wwwroot or f"http://{self.http_host}:{self.http_port}").rstrip("/")
