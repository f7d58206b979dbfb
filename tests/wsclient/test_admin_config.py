"""``wsadmin config`` (services/auth/admin_config.py): switches in the site config, real Redis.

Lives here until the command is wired into wsadmin (the ACCESS engineer owns admin_cli.py).
"""

from __future__ import annotations

import argparse

import pytest

from services.auth.accounts import AccountError, Accounts
from services.auth.admin_config import (
    SWITCHES,
    ConfigError,
    add_config_commands,
    get_switch,
    list_switches,
    normalise,
    set_switch,
)
from services.auth.passwords import Passwords
from services.auth.settings import AdminSettings
from shared.store import Store


@pytest.mark.parametrize(
    ("name", "value", "stored"),
    [
        ("enablewebservices", "off", "0"),
        ("enablewebservices", " YES ", "1"),
        ("maintenance_enabled", "true", "1"),
        ("maxbytes", " 1048576 ", "1048576"),
        ("maxbytes", "-1", "-1"),
        ("webserviceprotocols", "api, REST,rest", "rest,api"),
        ("webserviceprotocols", "", ""),
        ("maintenance_message", "Back soon ", "Back soon "),
    ],
)
def test_values_are_normalised(name: str, value: str, stored: str) -> None:
    assert normalise(name, value) == stored


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("enablewebservices", "maybe"),
        ("maxbytes", "1MB"),
        ("webserviceprotocols", "rest,soap"),
        ("enablewebservice", "1"),  # a typo is not a new setting
    ],
)
def test_bad_values_and_names_are_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigError):
        normalise(name, value)
    assert issubclass(ConfigError, AccountError)  # wsadmin reports it as a refusal


async def test_set_get_list_against_the_store(store: Store) -> None:
    entries = {e.name: e for e in await list_switches(store)}
    assert set(entries) == set(SWITCHES)
    assert entries["enablewebservices"].value == "1"
    assert not entries["enablewebservices"].is_set
    assert await set_switch(store, "enablewebservices", "off") == "0"
    assert (await store.get_config())["enablewebservices"] == "0"
    got = await get_switch(store, "enablewebservices")
    assert (got.value, got.is_set) == ("0", True)
    with pytest.raises(ConfigError):
        await get_switch(store, "nosuchthing")
    with pytest.raises(ConfigError):
        await set_switch(store, "enablewebservices", "perhaps")
    assert (await store.get_config())["enablewebservices"] == "0"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wsadmin")
    add_config_commands(parser.add_subparsers(dest="group", required=True))
    return parser


async def test_commands_as_wired_into_wsadmin(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts = Accounts(store, Passwords(AdminSettings()), "")
    settings = AdminSettings()
    for argv in (
        ["config", "set", "maintenance_enabled", "on"],
        ["config", "get", "maintenance_enabled"],
    ):
        args = _parser().parse_args(argv)
        await args.run(accounts, settings, args)
    assert capsys.readouterr().out == "maintenance_enabled = 1\n1\n"
    args = _parser().parse_args(["config", "list"])
    await args.run(accounts, settings, args)
    out = capsys.readouterr().out.splitlines()
    assert "maintenance_enabled = 1" in out
    assert "enablewebservices = 1  (default)" in out
    with pytest.raises(SystemExit) as usage:
        _parser().parse_args(["config", "set", "nosuchthing", "1"])
    assert usage.value.code == 2
