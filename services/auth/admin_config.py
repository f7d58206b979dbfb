"""``wsadmin config list|get|set``: the site switches, read and written in the site config.

Moodle's administration pages keep these in ``config``; here they live in the same Redis hash
(:meth:`shared.store.Store.get_config` / ``set_config``), and ``set_config`` publishes an
invalidation so gateways see the change at once. Only known names can be set, and values are
normalised (``on``/``yes``/``true`` -> ``1``), so a typo never becomes a silent new setting.

Wiring (one line in :func:`services.auth.admin_cli.build_parser`)::

    add_config_commands(groups)
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from services.auth.accounts import AccountError, Accounts
from services.auth.settings import AdminSettings
from shared.store import Store

__all__ = [
    "PROTOCOLS",
    "SWITCHES",
    "ConfigEntry",
    "ConfigError",
    "Switch",
    "add_config_commands",
    "get_switch",
    "list_switches",
    "normalise",
    "set_switch",
]

Kind = Literal["bool", "int", "text", "protocols"]

#: Protocol names ``webserviceprotocols`` may list.
PROTOCOLS = ("rest", "ajax", "api")

_TRUE = {"1", "on", "yes", "true", "enabled"}
_FALSE = {"0", "off", "no", "false", "disabled"}


class ConfigError(AccountError, ValueError):
    """An unknown switch or a value it cannot take; the message says which.

    An AccountError, so wsadmin reports it like its other refusals (one line, exit 1).
    """


@dataclass(frozen=True, slots=True)
class Switch:
    kind: Kind
    default: str
    help: str


#: The site switches an administrator may change, with the value a fresh site behaves with.
SWITCHES: dict[str, Switch] = {
    "enablewebservices": Switch("bool", "1", "web services on/off (every protocol)"),
    "enablemobilewebservice": Switch("bool", "1", "the moodle_mobile_app service on/off"),
    "webserviceprotocols": Switch(
        "protocols", ",".join(PROTOCOLS), f"enabled protocols, comma-separated: {PROTOCOLS}"
    ),
    "enablewsdocumentation": Switch("bool", "1", "the API documentation (/docs) on/off"),
    "maintenance_enabled": Switch("bool", "0", "maintenance mode: only admins may log in"),
    "maintenance_message": Switch("text", "", "message shown during maintenance"),
    "sitename": Switch("text", "Moodle WS", "site full name"),
    "maxbytes": Switch("int", "", "largest upload in bytes (-1 unlimited; empty: gateway default)"),
    "userquota": Switch("int", "", "per-user draft quota in bytes (empty: gateway default)"),
}


@dataclass(frozen=True, slots=True)
class ConfigEntry:
    name: str
    value: str
    is_set: bool
    help: str


def normalise(name: str, value: str) -> str:
    """``value`` in the stored form of switch ``name``; raises ConfigError if it cannot be."""
    switch = SWITCHES.get(name)
    if switch is None:
        raise ConfigError(f"unknown setting {name!r}; known: {', '.join(sorted(SWITCHES))}")
    text = value.strip()
    if switch.kind == "bool":
        if text.lower() in _TRUE:
            return "1"
        if text.lower() in _FALSE:
            return "0"
        raise ConfigError(f"{name} is on or off (1/0, on/off, yes/no), not {value!r}")
    if switch.kind == "int":
        try:
            return str(int(text))
        except ValueError:
            raise ConfigError(f"{name} is a whole number, not {value!r}") from None
    if switch.kind == "protocols":
        chosen = [p.strip().lower() for p in text.split(",") if p.strip()]
        unknown = sorted(set(chosen) - set(PROTOCOLS))
        if unknown:
            raise ConfigError(f"{name}: unknown protocols {unknown}; known: {list(PROTOCOLS)}")
        return ",".join(p for p in PROTOCOLS if p in chosen)  # canonical order, no duplicates
    return value


def _entry(name: str, config: Mapping[str, str]) -> ConfigEntry:
    switch = SWITCHES[name]
    stored = config.get(name)
    return ConfigEntry(
        name, switch.default if stored is None else stored, stored is not None, switch.help
    )


async def list_switches(store: Store) -> list[ConfigEntry]:
    """Every known switch with its effective value (the default when unset)."""
    config = await store.get_config()
    return [_entry(name, config) for name in SWITCHES]


async def get_switch(store: Store, name: str) -> ConfigEntry:
    """One switch; unknown names raise ConfigError."""
    if name not in SWITCHES:
        raise ConfigError(f"unknown setting {name!r}; known: {', '.join(sorted(SWITCHES))}")
    return _entry(name, await store.get_config())


async def set_switch(store: Store, name: str, value: str) -> str:
    """Store the normalised value of ``name`` and return it (gateways are told at once)."""
    stored = normalise(name, value)
    await store.set_config(name, stored)
    return stored


# --- wsadmin commands ---------------------------------------------------------------------------
async def _cmd_list(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    del args
    for entry in await list_switches(accounts.store):
        origin = "" if entry.is_set else "  (default)"
        print(f"{entry.name} = {entry.value}{origin}")


async def _cmd_get(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    print((await get_switch(accounts.store, args.name)).value)


async def _cmd_set(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    stored = await set_switch(accounts.store, args.name, args.value)
    print(f"{args.name} = {stored}")


def add_config_commands(groups: Any) -> None:
    """Add ``config list|get|set`` to wsadmin's sub-command group (``add_subparsers()``).

    Each command sets ``run`` to a coroutine taking ``(accounts, settings, args)``, like the
    other wsadmin commands. Unknown names are usage errors (argparse, exit 2); bad values raise
    ConfigError, which wsadmin already reports as a refusal (exit 1).
    """
    config = groups.add_parser("config", help="site switches").add_subparsers(
        dest="action", required=True
    )
    config.add_parser("list", help="every switch and its value").set_defaults(run=_cmd_list)
    p = config.add_parser("get", help="print one switch's value")
    p.add_argument("name", choices=sorted(SWITCHES), metavar="NAME")
    p.set_defaults(run=_cmd_get)
    p = config.add_parser("set", help="change a switch (gateways apply it at once)")
    p.add_argument("name", choices=sorted(SWITCHES), metavar="NAME")
    p.add_argument("value")
    p.set_defaults(run=_cmd_set)
