"""Settings and names every alternative shares; stdlib only, imported from every venv.

Configured by environment: ``ALT_PORT`` (the front's port), ``ALT_PREFIX`` (unique per run: every
AMQP queue and exchange a stack declares has it in its name, so cleanup never touches anyone
else's), ``ALT_TOKEN_KEY`` (the token is valid when ``<ALT_TOKEN_KEY>:<token>`` exists in
Redis), ``REDIS_URL``, ``AMQP_URL``.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["INVALID", "Settings", "amqp_names", "loop_factory", "until_terminated"]

#: The answer to an unknown token: Moodle's shape, which the wrk script counts as bad.
INVALID = {"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid token"}


@dataclass(frozen=True)
class Settings:
    port: int
    prefix: str
    token_key: str
    redis_url: str
    amqp_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            port=int(env.get("ALT_PORT", "0")),
            prefix=env["ALT_PREFIX"],
            token_key=env["ALT_TOKEN_KEY"],
            redis_url=env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            amqp_url=env.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        )

    def redis_key(self, token: str) -> str:
        return f"{self.token_key}:{token}"


def amqp_names(stack: str, prefix: str) -> tuple[list[str], list[str]]:
    """The queues and exchanges ``stack`` declares under ``prefix`` with names known in advance.

    Reply queues named by the libraries (nameko's ``rpc.reply-<service>-<uuid>``) are found by
    the harness's sweep of names holding the prefix; Celery's and aio-pika's are auto-delete.
    """
    if stack == "aiopika_rpc":
        return [f"{prefix}.sum"], [f"{prefix}.rpc.dlx"]
    if stack == "nameko_rpc":
        return [f"rpc-{prefix}_adder"], [f"{prefix}.nameko-rpc"]
    if stack == "faststream_rpc":
        return [f"{prefix}.sum"], []
    if stack == "celery_rpc":
        return [f"{prefix}.celery"], [
            f"{prefix}.celery",
            f"{prefix}.celeryev",
            f"{prefix}.pidbox",
            f"reply.{prefix}.pidbox",
        ]
    raise ValueError(f"unknown alternative {stack!r}")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's loop when installed (the baselines and services all run on it), else asyncio's."""
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        return asyncio.new_event_loop
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


async def until_terminated() -> None:
    """Return on SIGTERM or SIGINT: the harness stops every process with SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
