"""Settings of the auth service and of ``wsadmin``, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping

import msgspec

from services.auth.passwords import DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST
from shared.constants import TOKEN_DURATION
from shared.settings import DebugLevel, SettingsError, load_settings

__all__ = ["AdminSettings", "AuthSettings", "load_admin_settings", "load_auth_settings"]


class AuthSettings(msgspec.Struct, kw_only=True):
    """Configuration of the auth service (``ws-auth``)."""

    #: Site secret that token values are derived from (``WS_SECRET_KEY``). Required: a default
    #: would make every deployment's tokens derivable by anyone who reads this file.
    secret_key: str
    redis_url: str = "redis://127.0.0.1:6379/0"
    namespace: str = "ws"
    auth_host: str = "127.0.0.1"
    auth_port: int = 8001
    #: Public base URL of the site (the gateway's origin).
    wwwroot: str = "http://127.0.0.1:8000"
    #: Password of the ``admin`` account created on first start; "" = generate and log once.
    admin_password: str = ""
    #: Create demo users on first start (``WS_SEED=0`` leaves a site with only the admin).
    seed: bool = True
    debug: DebugLevel = "normal"
    #: Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (an IP restriction list).
    trusted_proxies: str = "127.0.0.1,::1"
    #: Lifetime in seconds of tokens created by login/token.php.
    token_duration: int = TOKEN_DURATION
    argon2_time_cost: int = DEFAULT_TIME_COST
    argon2_memory_cost: int = DEFAULT_MEMORY_COST
    argon2_parallelism: int = DEFAULT_PARALLELISM
    #: Largest request body accepted on token.php (bytes); credentials are tiny.
    max_body_size: int = 64 * 1024
    #: Failed passwords within ``lockout_window`` seconds that lock an account (0 = never).
    lockout_threshold: int = 10
    lockout_window: int = 1800
    #: Seconds an account stays locked (0 = until ``wsadmin user unlock``).
    lockout_duration: int = 1800
    #: Where audit events are published (the ``<ns>.events`` topic exchange).
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    audit_publish: bool = True
    audit_maxlen: int = 100_000
    # --- PROTOCOLS (browser sessions) ----------------------------------------------------------
    #: Seconds a browser session lives without activity (the gateway uses the same value).
    session_ttl: int = 8 * 3600


class AdminSettings(msgspec.Struct, kw_only=True):
    """Configuration of ``wsadmin``: the auth settings it needs, the secret being optional
    because only the token commands use it."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    namespace: str = "ws"
    secret_key: str = ""
    admin_password: str = ""
    seed: bool = True
    argon2_time_cost: int = DEFAULT_TIME_COST
    argon2_memory_cost: int = DEFAULT_MEMORY_COST
    argon2_parallelism: int = DEFAULT_PARALLELISM
    #: Administrative changes are audited on the events exchange too (best effort).
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    audit_publish: bool = True


def load_auth_settings(
    environ: Mapping[str, str] | None = None, **overrides: object
) -> AuthSettings:
    """Read :class:`AuthSettings`; a missing ``WS_SECRET_KEY`` is reported by name."""
    env = os.environ if environ is None else environ
    if not env.get("WS_SECRET_KEY") and not overrides.get("secret_key"):
        raise SettingsError(
            "WS_SECRET_KEY is not set: the auth service needs a site secret to derive tokens "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return load_settings(AuthSettings, env, **overrides)


def load_admin_settings(environ: Mapping[str, str] | None = None) -> AdminSettings:
    return load_settings(AdminSettings, environ)
