"""Reading the auth settings from the environment."""

from __future__ import annotations

import pytest

from services.auth.settings import load_admin_settings, load_auth_settings
from shared.constants import TOKEN_DURATION
from shared.settings import SettingsError


def test_secret_key_is_required() -> None:
    with pytest.raises(SettingsError, match="WS_SECRET_KEY is not set"):
        load_auth_settings({})


def test_defaults_and_environment() -> None:
    settings = load_auth_settings({"WS_SECRET_KEY": "s" * 32})
    assert (settings.auth_host, settings.auth_port, settings.namespace) == ("127.0.0.1", 8001, "ws")
    assert settings.seed and settings.debug == "normal"
    assert settings.token_duration == TOKEN_DURATION
    assert settings.trusted_proxies == "127.0.0.1,::1"
    settings = load_auth_settings(
        {
            "WS_SECRET_KEY": "k",
            "REDIS_URL": "redis://redis:6379/1",
            "WS_NAMESPACE": "prod",
            "WS_AUTH_PORT": "9001",
            "WS_SEED": "0",
            "WS_DEBUG": "developer",
            "WS_TOKEN_DURATION": "60",
        }
    )
    assert settings.redis_url == "redis://redis:6379/1"
    assert (settings.namespace, settings.auth_port, settings.seed) == ("prod", 9001, False)
    assert (settings.debug, settings.token_duration) == ("developer", 60)


def test_bad_values_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="WS_AUTH_PORT"):
        load_auth_settings({"WS_SECRET_KEY": "k", "WS_AUTH_PORT": "eighty"})
    with pytest.raises(SettingsError, match="WS_DEBUG"):
        load_auth_settings({"WS_SECRET_KEY": "k", "WS_DEBUG": "loud"})


def test_admin_settings_do_not_need_the_secret() -> None:
    assert load_admin_settings({}).secret_key == ""
