"""``wsadmin``: manage users, services and tokens from the command line.

Reads the same environment as the services (``REDIS_URL``, ``WS_NAMESPACE``, ``WS_SECRET_KEY``
...). Scripts rely on the command forms and on ``token create`` printing the token alone on the
last line of stdout. Every failure is one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import redis.exceptions

from services.auth.accounts import AccountError, Accounts
from services.auth.admin_access import add_access_commands
from services.auth.admin_config import add_config_commands
from services.auth.admin_export import add_export_commands
from services.auth.passwords import Passwords
from services.auth.seed import seed_site
from services.auth.settings import AdminSettings, load_admin_settings
from shared.audit import AuditLog, EventPublisher
from shared.constants import Names
from shared.settings import SettingsError
from shared.store import Store, connect_redis

__all__ = ["build_parser", "main"]

Command = Callable[[Accounts, AdminSettings, argparse.Namespace], Awaitable[None]]

#: Command groups whose changes are published on the events exchange (others only read).
_AUDITED_GROUPS = frozenset({"user", "service", "token", "role", "maintenance"})


def _when(timestamp: int, zero: str = "never") -> str:
    if not timestamp:
        return zero
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# --- users -------------------------------------------------------------------------------------
async def user_create(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    user = await accounts.create_user(
        args.username,
        args.password,
        firstname=args.firstname,
        lastname=args.lastname,
        email=args.email,
        siteadmin=args.admin,
    )
    await accounts.record("user_created", relateduserid=user.id, other={"username": user.username})
    print(f"created user {user.username!r} (id {user.id})")


async def user_list(accounts: Accounts, _: AdminSettings, __: argparse.Namespace) -> None:
    rows = []
    for u in await accounts.store.list_users():
        flags = [
            f
            for f, on in (
                ("admin", u.siteadmin),
                ("suspended", u.suspended),
                ("deleted", u.deleted),
                ("unconfirmed", not u.confirmed),
            )
            if on
        ]
        rows.append((u.id, u.username, u.fullname, u.email, ",".join(flags) or "-"))
    _table(("id", "username", "name", "email", "flags"), rows)


# --- services ----------------------------------------------------------------------------------
async def service_create(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    service = await accounts.create_service(
        args.shortname,
        name=args.name or "",
        functions=_csv(args.functions),
        enabled=not args.disabled,
        restrictedusers=args.restricted,
        downloadfiles=args.download_files,
        uploadfiles=args.upload_files,
        requiredcapability=args.required_capability or "",
    )
    print(f"created service {service.shortname!r} (id {service.id})")


async def service_add_function(
    accounts: Accounts, _: AdminSettings, args: argparse.Namespace
) -> None:
    added = await accounts.add_functions(args.shortname, args.functions)
    print(f"added {added} function(s) to {args.shortname!r}")


async def service_list(accounts: Accounts, _: AdminSettings, __: argparse.Namespace) -> None:
    rows = []
    for s in await accounts.store.list_services():
        functions = await accounts.store.service_functions(s.id)
        rows.append(
            (
                s.id,
                s.shortname,
                s.name,
                "yes" if s.enabled else "no",
                "yes" if s.restrictedusers else "no",
                len(functions),
            )
        )
    _table(("id", "shortname", "name", "enabled", "restricted", "functions"), rows)


async def service_enable(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    enabled = args.command == "enable"
    await accounts.set_enabled(args.shortname, enabled)
    print(f"service {args.shortname!r} {'enabled' if enabled else 'disabled'}")


async def service_authorise(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    await accounts.authorise_user(
        args.shortname,
        args.username,
        iprestriction=args.ip_restriction or "",
        validuntil=args.valid_until,
    )
    print(f"user {args.username!r} may use service {args.shortname!r}")


# --- tokens ------------------------------------------------------------------------------------
async def token_create(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    user = await accounts.get_user(args.username)
    service = await accounts.get_service(args.service)
    if args.valid_until and args.valid_until <= time.time():
        raise AccountError("--valid-until is in the past")
    token, value = await accounts.create_token(
        user,
        service,
        validuntil=args.valid_until,
        iprestriction=args.ip_restriction or "",
        name=args.name or "",
    )
    await accounts.record(
        "webservice_token_created",
        objectid=token.id,
        relateduserid=user.id,
        other={"auto": False, "service": service.shortname},
    )
    print(f"created token id {token.id} for {user.username!r} on {service.shortname!r}")
    print(value)


async def token_list(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    user = await accounts.get_user(args.user) if args.user else None
    users = {u.id: u.username for u in await accounts.store.list_users()}
    services = {s.id: s.shortname for s in await accounts.store.list_services()}
    rows = [
        (
            t.id,
            users.get(t.userid, f"#{t.userid}"),
            services.get(t.serviceid, f"#{t.serviceid}"),
            t.name,
            _when(t.timecreated),
            _when(t.validuntil),
            _when(lastaccess),
            t.iprestriction or "-",
        )
        for t, lastaccess in await accounts.tokens(user)
    ]
    _table(("id", "user", "service", "name", "created", "valid until", "last access", "ip"), rows)


async def token_revoke(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    if args.id is not None:
        token = await accounts.find_token_by_id(args.id)
    else:
        token = await accounts.find_token(args.token)
    await accounts.revoke_token(token)
    print(f"revoked token id {token.id}")


async def seed(accounts: Accounts, settings: AdminSettings, _: argparse.Namespace) -> None:
    generated = await seed_site(accounts.store, settings)
    print("site seeded")
    if generated is not None:
        print(f"admin password (shown once): {generated}")


# --- parser ------------------------------------------------------------------------------------
def _unixtime(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UNIX time: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("a UNIX time cannot be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wsadmin", description=__doc__.splitlines()[0])
    groups = parser.add_subparsers(
        dest="group",
        required=True,
        metavar="{user,service,token,role,maintenance,audit,seed}",
    )

    user = groups.add_parser("user", help="manage users").add_subparsers(
        dest="command", required=True
    )
    p = user.add_parser("create", help="create a user")
    p.add_argument("username")
    p.add_argument("--password", required=True)
    p.add_argument("--firstname", default="")
    p.add_argument("--lastname", default="")
    p.add_argument("--email", default="")
    p.add_argument("--admin", action="store_true", help="make the user a site administrator")
    p.set_defaults(run=user_create)
    user.add_parser("list", help="list users").set_defaults(run=user_list)

    service = groups.add_parser("service", help="manage services").add_subparsers(
        dest="command", required=True
    )
    p = service.add_parser("create", help="create a service")
    p.add_argument("shortname")
    p.add_argument("--name", help="display name (default: the shortname)")
    p.add_argument("--functions", default="", help="comma-separated function names")
    p.add_argument("--restricted", action="store_true", help="only authorised users may use it")
    p.add_argument("--disabled", action="store_true")
    p.add_argument("--download-files", action="store_true")
    p.add_argument("--upload-files", action="store_true")
    p.add_argument(
        "--required-capability", metavar="CAPABILITY", help="users must hold it (system context)"
    )
    p.set_defaults(run=service_create)
    p = service.add_parser("add-function", help="add functions to a service")
    p.add_argument("shortname")
    p.add_argument("functions", nargs="+", metavar="FUNCTION")
    p.set_defaults(run=service_add_function)
    service.add_parser("list", help="list services").set_defaults(run=service_list)
    for verb in ("enable", "disable"):
        p = service.add_parser(verb, help=f"{verb} a service")
        p.add_argument("shortname")
        p.set_defaults(run=service_enable)
    p = service.add_parser("authorise", help="allow a user on a restricted service")
    p.add_argument("shortname")
    p.add_argument("username")
    p.add_argument("--ip-restriction", metavar="LIST")
    p.add_argument("--valid-until", type=_unixtime, default=0, metavar="UNIXTIME")
    p.set_defaults(run=service_authorise)

    token = groups.add_parser("token", help="manage tokens").add_subparsers(
        dest="command", required=True
    )
    p = token.add_parser("create", help="create a token; prints it on the last line")
    p.add_argument("username")
    p.add_argument("service")
    p.add_argument("--valid-until", type=_unixtime, default=0, metavar="UNIXTIME")
    p.add_argument("--ip-restriction", metavar="LIST")
    p.add_argument("--name", help="label shown in listings")
    p.set_defaults(run=token_create, needs_secret=True)
    p = token.add_parser("list", help="list tokens (never their values)")
    p.add_argument("--user", metavar="USERNAME")
    p.set_defaults(run=token_list)
    p = token.add_parser("revoke", help="delete a token")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("token", nargs="?", help="the token value")
    which.add_argument("--id", type=int, help="the token id (from token list)")
    p.set_defaults(run=token_revoke)

    groups.add_parser(
        "seed", help="create the admin, demo users and built-in service"
    ).set_defaults(run=seed)
    add_access_commands(groups, user, service)
    add_export_commands(groups)
    add_config_commands(groups)
    return parser


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


async def _run(settings: AdminSettings, args: argparse.Namespace) -> None:
    redis = connect_redis(settings.redis_url)
    names = Names(settings.namespace)
    publisher = None
    if settings.audit_publish and getattr(args, "group", "") in _AUDITED_GROUPS:
        publisher = EventPublisher(settings.amqp_url, names, connection_name="wsadmin")
        await publisher.connect(within=2.0)  # best effort: the Redis stream is the record
    try:
        store = Store(redis, names)
        audit = AuditLog(redis, names, publisher=publisher, origin="wsadmin")
        accounts = Accounts(store, Passwords(settings), settings.secret_key, audit=audit)
        command: Command = args.run
        await command(accounts, settings, args)
    finally:
        if publisher is not None:
            await publisher.close()
        await redis.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 refused or failed, 2 usage)."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_admin_settings()
        if getattr(args, "needs_secret", False) and not settings.secret_key:
            raise SettingsError("WS_SECRET_KEY is not set: it is needed to create tokens")
    except SettingsError as exc:
        print(f"wsadmin: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(settings, args))
    except AccountError as exc:
        print(f"wsadmin: error: {exc}", file=sys.stderr)
        return 1
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        print(
            f"wsadmin: cannot reach Redis at {_redacted(settings.redis_url)}: {exc}",
            file=sys.stderr,
        )
        return 1
    except redis.exceptions.RedisError as exc:
        print(f"wsadmin: Redis error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
