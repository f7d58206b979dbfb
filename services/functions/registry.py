"""Loading plugins and publishing what they declare: the catalog and built-in services."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import Iterable

from services.functions.api import FunctionDef, InstallContext, Plugin
from shared.records import ServiceRecord
from shared.store import Store

__all__ = [
    "BUILTIN_SERVICE_COMPONENT",
    "load_plugins",
    "run_install_hooks",
    "select_functions",
    "sync_catalog",
]

log = logging.getLogger(__name__)

#: Component recorded on built-in services (Moodle records "moodle" for core's mobile service).
BUILTIN_SERVICE_COMPONENT = "moodle"


class PluginLoadError(Exception):
    pass


def load_plugins(modules: Iterable[str]) -> list[Plugin]:
    """Import each module and collect its ``plugins`` list or single ``plugin``."""
    found: list[Plugin] = []
    for name in (m.strip() for m in modules):
        if not name:
            continue
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise PluginLoadError(f"cannot import plugin module {name!r}: {exc}") from exc
        items = getattr(module, "plugins", None)
        if items is None:
            single = getattr(module, "plugin", None)
            items = [] if single is None else [single]
        plugins = [p for p in items if isinstance(p, Plugin)]
        if not plugins:
            raise PluginLoadError(f"module {name!r} defines no `plugins` or `plugin`")
        found.extend(plugins)
    return found


def select_functions(
    plugins: Iterable[Plugin], components: Iterable[str] = ()
) -> dict[str, FunctionDef]:
    """All functions of the given plugins, limited to ``components`` when any are named."""
    wanted = {c.strip() for c in components if c.strip()}
    functions: dict[str, FunctionDef] = {}
    for plugin in plugins:
        if wanted and plugin.component not in wanted:
            continue
        for name, fdef in plugin.functions.items():
            if name in functions:
                raise PluginLoadError(f"function {name} is declared by two plugins")
            functions[name] = fdef
    return functions


async def sync_catalog(
    store: Store, plugins: Iterable[Plugin], functions: dict[str, FunctionDef]
) -> None:
    """Publish function descriptions and apply Moodle's service discovery rules.

    Built-in services declared by plugins are created when missing; each function is added to the
    built-in services its ``services`` list names, never to services an administrator created.
    """
    plugin_list = list(plugins)
    await store.put_functions(f.info for f in functions.values())
    for plugin in plugin_list:
        for sdef in plugin.services:
            record, created = await store.ensure_service(
                ServiceRecord(
                    id=0,
                    name=sdef.name,
                    shortname=sdef.shortname,
                    enabled=sdef.enabled,
                    restrictedusers=sdef.restrictedusers,
                    requiredcapability=sdef.requiredcapability,
                    component=BUILTIN_SERVICE_COMPONENT,
                    downloadfiles=sdef.downloadfiles,
                    uploadfiles=sdef.uploadfiles,
                ),
                sdef.functions,
            )
            if created:
                log.info("created built-in service %r", record.shortname)
    for fdef in functions.values():
        for shortname in fdef.info.services:
            service = await store.get_service_by_shortname(shortname)
            if service is None:
                log.warning("%s names unknown service %r", fdef.info.name, shortname)
            elif not service.component:
                log.warning("%s cannot join admin-created service %r", fdef.info.name, shortname)
            else:
                await store.add_service_functions(service.id, [fdef.info.name])


#: Seconds an install may hold its claim; a worker that died mid-install frees it after this.
INSTALL_CLAIM_SECONDS = 300
INSTALL_DONE = b"done"


async def run_install_hooks(
    plugins: Iterable[Plugin], ctx: InstallContext, *, wait: float = 60.0
) -> None:
    """Run each plugin's install hooks once per namespace.

    The first worker claims ``{ns}:installed:<component>`` with ``SET NX`` and runs the hooks;
    the others wait (up to ``wait`` seconds) until it is marked done, so no worker serves calls
    against a half-installed site. A failed install releases the claim for the next start.
    """
    for plugin in plugins:
        if not plugin.install_hooks:
            continue
        key = ctx.names.key("installed", plugin.component)
        if await ctx.redis.set(key, "running", nx=True, ex=INSTALL_CLAIM_SECONDS):
            try:
                for hook in plugin.install_hooks:
                    await hook(ctx)
            except BaseException:
                await ctx.redis.delete(key)
                raise
            await ctx.redis.set(key, INSTALL_DONE)
            log.info("installed %s", plugin.component)
            continue
        deadline = time.monotonic() + wait
        while await ctx.redis.get(key) not in (INSTALL_DONE, None):
            if time.monotonic() > deadline:
                log.warning(
                    "%s is still being installed elsewhere; starting anyway", plugin.component
                )
                break
            await asyncio.sleep(0.1)
