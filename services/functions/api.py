"""The plugin API: what a plugin author imports to write web-service functions.

A plugin is a component (Moodle's frankenstyle name, e.g. ``local_greetings``) holding functions.
A function is an async callable declared with its parameter and return descriptions; it
receives a :class:`CallContext` and its cleaned parameters as keyword arguments, in declaration
order::

    plugin = Plugin("local_greetings", version="2026112500")

    @plugin.function(
        parameters=ExternalFunctionParameters({"name": ExternalValue(PARAM_TEXT, "Who")}),
        returns=ExternalSingleStructure({"message": ExternalValue(PARAM_TEXT, "Greeting")}),
        description="Greets someone.",
    )
    async def say_hello(ctx: CallContext, name: str) -> dict[str, str]:
        return {"message": f"Hello, {name}!"}

The function's web-service name is ``<component>_<python name>`` unless ``name=`` is given.
The worker imports plugins; the gateway only ever sees their JSON descriptions (the catalog).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from shared.external import (
    Description,
    ExternalFunctionParameters,
    description_to_dict,
)
from shared.wire import Caller, CallSettings, FunctionInfo

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from shared.constants import Names
    from shared.contexts import ContextStore
    from shared.filestore import FileStore
    from shared.roles import RoleStore
    from shared.store import Store

__all__ = [
    "CallContext",
    "FunctionDef",
    "Implementation",
    "InstallContext",
    "InstallHook",
    "Plugin",
    "ServiceDef",
    "run_blocking",
]


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a function knows about its call; handed in, never constructed by plugins."""

    caller: Caller
    settings: CallSettings
    call_id: str
    deadline: float
    #: The site's data layer (users, services, configuration).
    store: Store
    #: Public base URL of the site, for URLs in results.
    wwwroot: str
    #: Contexts (system, course, module ...), roles and capability checks, and files.
    contexts: ContextStore
    roles: RoleStore
    files: FileStore
    #: For a plugin's own data: keys must be built with ``names.key(...)`` so they stay in
    #: the site's namespace.
    redis: aioredis.Redis
    names: Names
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class InstallContext:
    """What a plugin's install hook gets: the site's stores, no caller (nobody is calling)."""

    store: Store
    wwwroot: str
    contexts: ContextStore
    roles: RoleStore
    files: FileStore
    redis: aioredis.Redis
    names: Names
    #: Whether the site wants demo data (``WS_SEED``); hooks create only required data when off.
    seed: bool = True


#: ``async def hook(ctx: InstallContext) -> None``: run once per site (namespace), in
#: registration order, by the first worker that loads the plugin.
InstallHook = Callable[[InstallContext], Awaitable[None]]


#: ``async def fn(ctx: CallContext, **cleaned_params) -> result``; the parameters are named as
#: in the description, so each implementation has its own precise signature.
Implementation = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """A declared function: its catalog entry plus its implementation."""

    info: FunctionInfo
    implementation: Implementation


@dataclass(frozen=True, slots=True)
class ServiceDef:
    """A built-in service a plugin declares (Moodle's ``$services`` in db/services.php)."""

    shortname: str
    name: str
    functions: tuple[str, ...] = ()
    enabled: bool = True
    restrictedusers: bool = False
    requiredcapability: str = ""
    downloadfiles: bool = False
    uploadfiles: bool = False


@dataclass
class Plugin:
    """A component and the functions and services it declares."""

    component: str
    version: str = ""
    functions: dict[str, FunctionDef] = field(default_factory=dict)
    services: list[ServiceDef] = field(default_factory=list)
    install_hooks: list[InstallHook] = field(default_factory=list)

    def function(
        self,
        *,
        parameters: ExternalFunctionParameters,
        returns: Description | None,
        description: str = "",
        name: str | None = None,
        type: Literal["read", "write"] = "read",
        ajax: bool = False,
        loginrequired: bool = True,
        readonlysession: bool = False,
        capabilities: Sequence[str] = (),
        services: Sequence[str] = (),
        deprecated: bool = False,
    ) -> Callable[[Implementation], Implementation]:
        """Declare a function; the decorated coroutine function is its implementation."""

        def register(impl: Implementation) -> Implementation:
            fname = name or f"{self.component}_{getattr(impl, '__name__', '')}"
            if fname in self.functions:
                raise ValueError(f"function {fname} declared twice in {self.component}")
            if not asyncio.iscoroutinefunction(impl):
                raise TypeError(f"{fname}: implementations must be async (use run_blocking)")
            info = FunctionInfo(
                name=fname,
                component=self.component,
                parameters=description_to_dict(parameters),
                returns=None if returns is None else description_to_dict(returns),
                description=description,
                type=type,
                ajax=ajax,
                loginrequired=loginrequired,
                readonlysession=readonlysession,
                capabilities=list(capabilities),
                services=sorted(services),
                deprecated=deprecated,
                version=self.version,
            )
            self.functions[fname] = FunctionDef(info, impl)
            return impl

        return register

    def service(self, service: ServiceDef) -> None:
        self.services.append(service)

    def on_install(self, hook: InstallHook) -> InstallHook:
        """Register a hook run once per site when the plugin is first loaded (Moodle's
        ``db/install.php``). It must be idempotent: a worker killed mid-install has the next
        worker run it again."""
        self.install_hooks.append(hook)
        return hook


async def run_blocking(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run blocking or CPU-heavy code off the event loop, so broker heartbeats keep flowing."""
    return await asyncio.get_running_loop().run_in_executor(
        None, functools.partial(fn, *args, **kwargs)
    )
