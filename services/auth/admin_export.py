"""``wsadmin export FILE`` / ``wsadmin import FILE``: the site's configuration as one JSON file.

The file holds services (with their functions and authorised users), roles (with capabilities
and assignments), users and the site configuration switches. It never holds a password, a
token or a private key: imported users get no password (set one before they can log in with
it), and existing users keep theirs.

Import is idempotent: records are matched by username and shortname, created when missing and
updated when they differ; for every record in the file, its functions, capabilities,
authorised users and assignments become those of the file. Records that are not in the file
are left alone. Every change is reported as one line.

Wiring (one line in :func:`services.auth.admin_cli.build_parser`)::

    add_export_commands(groups)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import msgspec

from services.auth.accounts import AccountError, Accounts
from services.auth.settings import AdminSettings
from shared.contexts import ContextStore
from shared.records import AuthorisedUser, ServiceRecord, UserRecord
from shared.roles import RoleStore
from shared.store import Store

__all__ = [
    "EXPORT_VERSION",
    "ExportedRole",
    "ExportedService",
    "ExportedUser",
    "SiteExport",
    "add_export_commands",
    "export_site",
    "import_site",
]

#: Bumped when the file's shape changes incompatibly; import refuses newer versions.
EXPORT_VERSION = 1


class ExportedUser(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A user without password or ids (users are matched by username)."""

    username: str
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    auth: str = "manual"
    confirmed: bool = True
    suspended: bool = False
    deleted: bool = False
    siteadmin: bool = False
    lang: str = "en"
    timezone: str = "99"
    city: str = ""
    country: str = ""
    description: str = ""
    idnumber: str = ""


class ExportedAssignment(msgspec.Struct, frozen=True, kw_only=True):
    username: str
    contextid: int = 1


class ExportedRole(msgspec.Struct, kw_only=True):
    shortname: str
    name: str = ""
    description: str = ""
    capabilities: list[str] = []
    assignments: list[ExportedAssignment] = []


class ExportedAuthorisedUser(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    username: str
    iprestriction: str = ""
    validuntil: int = 0


class ExportedService(msgspec.Struct, kw_only=True):
    shortname: str
    name: str
    enabled: bool = True
    restrictedusers: bool = False
    requiredcapability: str = ""
    component: str = ""
    downloadfiles: bool = False
    uploadfiles: bool = False
    functions: list[str] = []
    authorised_users: list[ExportedAuthorisedUser] = []


class SiteExport(msgspec.Struct, kw_only=True):
    """The whole file."""

    version: int = EXPORT_VERSION
    config: dict[str, str] = {}
    users: list[ExportedUser] = []
    roles: list[ExportedRole] = []
    services: list[ExportedService] = []


_USER_FIELDS = [f for f in ExportedUser.__struct_fields__ if f != "username"]
_encoder = msgspec.json.Encoder(order="sorted")
_decoder = msgspec.json.Decoder(SiteExport)


# --- export --------------------------------------------------------------------------------------
async def export_site(store: Store) -> SiteExport:
    """The site's configuration, in a stable order (two exports of one site are equal)."""
    users = sorted(await store.list_users(), key=lambda u: u.username)
    names = {u.id: u.username for u in users}
    roles = RoleStore(store.redis, store.names)
    holders: dict[int, list[ExportedAssignment]] = {}
    for user in users:
        for a in await roles.assignments(user.id):
            holders.setdefault(a.roleid, []).append(
                ExportedAssignment(username=user.username, contextid=a.contextid)
            )
    exported_roles = [
        ExportedRole(
            shortname=r.shortname,
            name=r.name,
            description=r.description,
            capabilities=sorted(r.capabilities),
            assignments=sorted(holders.get(r.id, []), key=lambda a: (a.username, a.contextid)),
        )
        for r in sorted(await roles.list_roles(), key=lambda r: r.shortname)
    ]
    services = []
    for s in sorted(await store.list_services(), key=lambda s: s.shortname):
        authorised = [
            ExportedAuthorisedUser(
                username=names[a.userid], iprestriction=a.iprestriction, validuntil=a.validuntil
            )
            for a in await store.list_authorised_users(s.id)
            if a.userid in names
        ]
        services.append(
            ExportedService(
                shortname=s.shortname,
                name=s.name,
                enabled=s.enabled,
                restrictedusers=s.restrictedusers,
                requiredcapability=s.requiredcapability,
                component=s.component,
                downloadfiles=s.downloadfiles,
                uploadfiles=s.uploadfiles,
                functions=sorted(await store.service_functions(s.id)),
                authorised_users=sorted(authorised, key=lambda a: a.username),
            )
        )
    return SiteExport(
        config=dict(sorted((await store.get_config()).items())),
        users=[
            ExportedUser(username=u.username, **{f: getattr(u, f) for f in _USER_FIELDS})
            for u in users
        ],
        roles=exported_roles,
        services=services,
    )


def encode_export(site: SiteExport) -> bytes:
    return msgspec.json.format(_encoder.encode(site), indent=2) + b"\n"


def decode_export(raw: bytes) -> SiteExport:
    """Read a file; raises AccountError (one line) when it is not a site export we can read."""
    try:
        site = _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise AccountError(f"not a site export: {exc}") from None
    if site.version > EXPORT_VERSION:
        raise AccountError(
            f"export version {site.version} is newer than this wsadmin reads ({EXPORT_VERSION})"
        )
    return site


# --- import --------------------------------------------------------------------------------------
async def import_site(accounts: Accounts, site: SiteExport) -> list[str]:
    """Apply ``site`` (idempotent); returns one line per change made."""
    store = accounts.store
    done: list[str] = []
    config = await store.get_config()
    for name, value in site.config.items():
        if config.get(name) != value:
            await store.set_config(name, value)
            done.append(f"config {name} = {value}")
    users: dict[str, UserRecord] = {}
    for exported in site.users:
        users[exported.username] = await _import_user(store, exported, done)
    roles = RoleStore(store.redis, store.names)
    contexts = ContextStore(store.redis, store.names)
    for exported_role in site.roles:
        await _import_role(roles, contexts, users, store, exported_role, done=done)
    for exported_service in site.services:
        await _import_service(store, users, exported_service, done)
    if done:
        await accounts.record("config_log_created", other={"import": len(done)})
    return done


async def _user_by_name(store: Store, users: dict[str, UserRecord], name: str) -> UserRecord | None:
    if name not in users:
        found = await store.get_user_by_username(name)
        if found is None:
            return None
        users[name] = found
    return users[name]


async def _import_user(store: Store, exported: ExportedUser, done: list[str]) -> UserRecord:
    wanted = {f: getattr(exported, f) for f in _USER_FIELDS}
    user = await store.get_user_by_username(exported.username)
    if user is None:
        # No password: the account cannot log in with one until an administrator sets it.
        user = await store.create_user(UserRecord(id=0, username=exported.username, **wanted))
        done.append(f"created user {exported.username} (no password)")
        return user
    changed = sorted(f for f, v in wanted.items() if getattr(user, f) != v)
    if changed:
        for f in changed:
            setattr(user, f, wanted[f])
        await store.save_user(user)
        done.append(f"updated user {exported.username}: {', '.join(changed)}")
    return user


async def _import_role(
    roles: RoleStore,
    contexts: ContextStore,
    users: dict[str, UserRecord],
    store: Store,
    exported: ExportedRole,
    *,
    done: list[str],
) -> None:
    role = await roles.get_role_by_shortname(exported.shortname)
    if role is None:
        role = await roles.create_role(
            exported.shortname, exported.name, exported.capabilities, exported.description
        )
        done.append(f"created role {exported.shortname}")
    elif (role.name, role.description, sorted(role.capabilities)) != (
        exported.name,
        exported.description,
        sorted(set(exported.capabilities)),
    ):
        role.name, role.description = exported.name, exported.description
        await roles.set_capabilities(role, exported.capabilities)
        done.append(f"updated role {exported.shortname}")
    for a in exported.assignments:
        user = await _user_by_name(store, users, a.username)
        if user is None or await contexts.get(a.contextid) is None:
            done.append(
                f"skipped assignment of {exported.shortname} to {a.username} in context "
                f"{a.contextid}: no such user or context"
            )
            continue
        held = {(x.roleid, x.contextid) for x in await roles.assignments(user.id)}
        if (role.id, a.contextid) not in held:
            await roles.assign(user.id, role.id, a.contextid)
            done.append(f"assigned {exported.shortname} to {a.username} in context {a.contextid}")


async def _import_service(
    store: Store, users: dict[str, UserRecord], exported: ExportedService, done: list[str]
) -> None:
    fields: dict[str, Any] = {
        "name": exported.name,
        "enabled": exported.enabled,
        "restrictedusers": exported.restrictedusers,
        "requiredcapability": exported.requiredcapability,
        "component": exported.component,
        "downloadfiles": exported.downloadfiles,
        "uploadfiles": exported.uploadfiles,
    }
    service = await store.get_service_by_shortname(exported.shortname)
    if service is None:
        service = await store.create_service(
            ServiceRecord(id=0, shortname=exported.shortname, **fields), exported.functions
        )
        done.append(f"created service {exported.shortname}")
    else:
        changed = sorted(f for f, v in fields.items() if getattr(service, f) != v)
        if changed:
            for f in changed:
                setattr(service, f, fields[f])
            await store.save_service(service)
            done.append(f"updated service {exported.shortname}: {', '.join(changed)}")
        current = await store.service_functions(service.id)
        wanted = set(exported.functions)
        if wanted - current:
            await store.add_service_functions(service.id, sorted(wanted - current))
            done.append(
                f"service {exported.shortname}: added {', '.join(sorted(wanted - current))}"
            )
        if current - wanted:
            await store.remove_service_functions(service.id, sorted(current - wanted))
            done.append(
                f"service {exported.shortname}: removed {', '.join(sorted(current - wanted))}"
            )
    present = {a.userid: a for a in await store.list_authorised_users(service.id)}
    keep: set[int] = set()
    for a in exported.authorised_users:
        user = await _user_by_name(store, users, a.username)
        if user is None:
            done.append(f"service {exported.shortname}: no user {a.username} to authorise")
            continue
        keep.add(user.id)
        old = present.get(user.id)
        if old is None or (old.iprestriction, old.validuntil) != (a.iprestriction, a.validuntil):
            await store.set_authorised_user(
                service.id,
                AuthorisedUser(user.id, iprestriction=a.iprestriction, validuntil=a.validuntil),
            )
            done.append(f"service {exported.shortname}: authorised {a.username}")
    for userid in set(present) - keep:
        await store.remove_authorised_user(service.id, userid)
        done.append(f"service {exported.shortname}: removed authorised user #{userid}")


# --- wsadmin commands ----------------------------------------------------------------------------
async def _cmd_export(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    site = await export_site(accounts.store)
    data = encode_export(site)
    if args.file == "-":
        sys.stdout.buffer.write(data)
        return
    await asyncio.to_thread(Path(args.file).write_bytes, data)
    print(
        f"exported {len(site.users)} user(s), {len(site.roles)} role(s), "
        f"{len(site.services)} service(s), {len(site.config)} setting(s) to {args.file}"
    )


async def _cmd_import(accounts: Accounts, _: AdminSettings, args: argparse.Namespace) -> None:
    try:
        source = sys.stdin.buffer.read if args.file == "-" else Path(args.file).read_bytes
        raw = await asyncio.to_thread(source)
    except OSError as exc:
        raise AccountError(f"cannot read {args.file}: {exc.strerror}") from None
    done = await import_site(accounts, decode_export(raw))
    for line in done:
        print(line)
    print(f"imported: {len(done)} change(s)" if done else "imported: nothing to change")


def add_export_commands(groups: Any) -> None:
    """Add ``export FILE`` and ``import FILE`` to wsadmin's sub-command group."""
    p = groups.add_parser(
        "export", help="write services, roles, users (no passwords) and settings to a JSON file"
    )
    p.add_argument("file", metavar="FILE", help="where to write ('-' for stdout)")
    p.set_defaults(run=_cmd_export)
    p = groups.add_parser("import", help="create or update the site from an export file")
    p.add_argument("file", metavar="FILE", help="the export file ('-' for stdin)")
    p.set_defaults(run=_cmd_import)
