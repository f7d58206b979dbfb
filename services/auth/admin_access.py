"""``wsadmin`` commands for access control: user states, roles, maintenance mode, the audit.

Registered into ``wsadmin``'s parser by :func:`add_access_commands`; each command takes the
same ``(accounts, settings, args)`` as the others and raises :class:`AccountError` to refuse.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from services.auth.accounts import AccountError, Accounts
from services.auth.lockout import Lockout
from services.auth.settings import AdminSettings
from shared.audit import read_events
from shared.contexts import SYSTEM_CONTEXT_ID, ContextStore
from shared.roles import RoleStore

__all__ = ["add_access_commands"]


def _roles(accounts: Accounts) -> RoleStore:
    return RoleStore(accounts.store.redis, accounts.store.names)


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# --- users -------------------------------------------------------------------------------------
async def user_suspend(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    suspended = args.command == "suspend"
    await accounts.set_suspended(args.username, suspended)
    print(f"user {args.username!r} {'suspended' if suspended else 'reactivated'}")


async def user_unlock(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    user = await accounts.get_user(args.username)
    lockout = Lockout(accounts.store.redis, accounts.store.names, threshold=0, window=0, duration=0)
    cleared = await lockout.clear(user.id)
    await accounts.record("user_lockout_cleared", relateduserid=user.id)
    print(f"user {user.username!r} unlocked" + ("" if cleared else " (was not locked)"))


# --- roles -------------------------------------------------------------------------------------
async def role_create(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    try:
        role = await _roles(accounts).create_role(
            args.shortname, args.name or "", _csv(args.capabilities), args.description or ""
        )
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    await accounts.record("role_created", objectid=role.id, other={"shortname": role.shortname})
    print(f"created role {role.shortname!r} (id {role.id})")


async def _role(accounts: Accounts, shortname: str) -> Any:
    role = await _roles(accounts).get_role_by_shortname(shortname)
    if role is None:
        raise AccountError(f"unknown role {shortname!r}")
    return role


async def role_grant(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    roles = _roles(accounts)
    role = await _role(accounts, args.shortname)
    bad = [c for c in args.capabilities if "/" not in c or ":" not in c]
    if bad:
        raise AccountError(f"not capability names (like moodle/site:config): {', '.join(bad)}")
    current = set(role.capabilities)
    if args.command == "grant":
        wanted = current | set(args.capabilities)
    else:
        wanted = current - set(args.capabilities)
    await roles.set_capabilities(role, wanted)
    await accounts.record(
        "role_capabilities_updated",
        objectid=role.id,
        other={"shortname": role.shortname, args.command: sorted(args.capabilities)},
    )
    print(f"role {role.shortname!r} now has {len(wanted)} capability(ies)")


async def _context_id(accounts: Accounts, contextid: int) -> int:
    contexts = ContextStore(accounts.store.redis, accounts.store.names)
    if await contexts.get(contextid) is None:
        raise AccountError(f"unknown context id {contextid}")
    return contextid


async def role_assign(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    roles = _roles(accounts)
    role = await _role(accounts, args.shortname)
    user = await accounts.get_user(args.username)
    contextid = await _context_id(accounts, args.context)
    if args.command == "assign":
        await roles.assign(user.id, role.id, contextid)
        await accounts.record(
            "role_assigned", objectid=role.id, relateduserid=user.id, other={"contextid": contextid}
        )
        print(f"role {role.shortname!r} assigned to {user.username!r} in context {contextid}")
        return
    if not await roles.unassign(user.id, role.id, contextid):
        raise AccountError(
            f"user {user.username!r} has no role {role.shortname!r} in context {contextid}"
        )
    await accounts.record(
        "role_unassigned", objectid=role.id, relateduserid=user.id, other={"contextid": contextid}
    )
    print(f"role {role.shortname!r} unassigned from {user.username!r} in context {contextid}")


async def role_list(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    roles = _roles(accounts)
    if args.user:
        user = await accounts.get_user(args.user)
        byid = {r.id: r.shortname for r in await roles.list_roles()}
        for a in await roles.assignments(user.id):
            print(f"{byid.get(a.roleid, f'#{a.roleid}')}  context {a.contextid}")
        return
    for role in await roles.list_roles():
        print(f"{role.id}  {role.shortname}  {role.name}  {','.join(role.capabilities) or '-'}")


# --- site --------------------------------------------------------------------------------------
async def maintenance(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    on = args.state == "on"
    await accounts.store.set_config("maintenance_enabled", "1" if on else "0")
    await accounts.record("config_log_created", other={"name": "maintenance_enabled", "value": on})
    print(f"maintenance mode {'on' if on else 'off'}")


async def service_deauthorise(
    accounts: Accounts, _: AdminSettings, args: argparse.Namespace
) -> None:
    await accounts.deauthorise_user(args.shortname, args.username)
    print(f"user {args.username!r} may no longer use service {args.shortname!r}")


async def audit(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    """One event per line: time, name, reason, user, address, details."""
    events = await read_events(
        accounts.store.redis, accounts.store.names, limit=args.limit, eventname=args.event or ""
    )
    for e in events:
        when = datetime.fromtimestamp(e.timecreated, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = [when, e.eventname]
        if e.reason:
            parts.append(f"reason={e.reason}")
        if e.userid:
            parts.append(f"user={e.userid}")
        if e.relateduserid:
            parts.append(f"relateduser={e.relateduserid}")
        if e.objectid:
            parts.append(f"object={e.objectid}")
        if e.remoteaddr:
            parts.append(f"ip={e.remoteaddr}")
        parts.extend(f"{k}={v}" for k, v in sorted(e.other.items()))
        print("  ".join(parts))


# --- parser ------------------------------------------------------------------------------------
def add_access_commands(groups: Any, user: Any, service: Any) -> None:
    """Add the commands to ``wsadmin``'s parser (its groups and user/service subparsers)."""
    for verb in ("suspend", "unsuspend"):
        p = user.add_parser(verb, help=f"{verb} a user (their tokens stop working at once)")
        p.add_argument("username")
        p.set_defaults(run=user_suspend)
    p = user.add_parser("unlock", help="end a login lockout")
    p.add_argument("username")
    p.set_defaults(run=user_unlock)

    p = service.add_parser("deauthorise", help="remove a user from a restricted service")
    p.add_argument("shortname")
    p.add_argument("username")
    p.set_defaults(run=service_deauthorise)

    role = groups.add_parser("role", help="manage roles and assignments").add_subparsers(
        dest="command", required=True
    )
    p = role.add_parser("create", help="create a role")
    p.add_argument("shortname")
    p.add_argument("--name", help="display name (default: the shortname)")
    p.add_argument("--description")
    p.add_argument("--capabilities", default="", help="comma-separated capabilities")
    p.set_defaults(run=role_create)
    for verb in ("grant", "revoke"):
        p = role.add_parser(verb, help=f"{verb} capabilities")
        p.add_argument("shortname")
        p.add_argument("capabilities", nargs="+", metavar="CAPABILITY")
        p.set_defaults(run=role_grant)
    for verb in ("assign", "unassign"):
        p = role.add_parser(verb, help=f"{verb} a role to a user in a context")
        p.add_argument("shortname")
        p.add_argument("username")
        p.add_argument(
            "--context",
            type=int,
            default=SYSTEM_CONTEXT_ID,
            metavar="CONTEXTID",
            help="context id (default: 1, the system context)",
        )
        p.set_defaults(run=role_assign)
    p = role.add_parser("list", help="list roles, or one user's assignments")
    p.add_argument("--user", metavar="USERNAME")
    p.set_defaults(run=role_list)

    p = groups.add_parser("maintenance", help="switch maintenance mode")
    p.add_argument("state", choices=("on", "off"))
    p.set_defaults(run=maintenance)

    p = groups.add_parser("audit", help="show audit events, newest last")
    p.add_argument("--limit", type=int, default=50, metavar="N")
    p.add_argument("--event", metavar="NAME", help="only events with this name")
    p.set_defaults(run=audit)
