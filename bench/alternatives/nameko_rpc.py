"""nameko: an HTTP-entrypoint service calling an RPC service, as nameko's docs pair them.

``python -m bench.alternatives.nameko_rpc front|worker`` (``.venv-alt``: nameko 2.14 on
eventlet). Each role is one service in one ``ServiceRunner`` process, as ``nameko run`` would
start it: the worker is ``<prefix>_adder`` with an ``@rpc`` method, the front
``<prefix>_front`` with an ``@http("POST", "/sum")`` entrypoint, a synchronous redis-py client
(green under eventlet's monkey patching) and an ``RpcProxy`` to the adder.

nameko's RPC exchange is ``nameko-rpc`` for everybody by default: the ``rpc_exchange`` setting
moves it under ``ALT_PREFIX``; its queues are ``rpc-<service>`` and
``rpc.reply-<service>-<uuid>``, so the service names carry the prefix too. The front may run
``FRONT_WORKERS`` requests at once (nameko's default ``max_workers`` of 10 would hold the
16 connections of the benchmark back); the worker keeps nameko's default.
"""
# mypy: disable-error-code="import-not-found, import-untyped, untyped-decorator, unused-ignore"
# (nameko lives in .venv-alt only: the main venv's mypy cannot see it.)

from __future__ import annotations

import eventlet

eventlet.monkey_patch()  # before anything opens a socket: nameko's contract

import json  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

import redis  # noqa: E402
from nameko.rpc import RpcProxy, rpc  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.web.handlers import http  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from bench.alternatives.common import INVALID, Settings, amqp_names  # noqa: E402

__all__ = ["main"]

FRONT_WORKERS = 16


def services(settings: Settings) -> tuple[type, type]:
    """The adder and the front, named under the run's prefix."""
    adder_name = f"{settings.prefix}_adder"
    tokens = redis.Redis.from_url(settings.redis_url)

    class Adder:
        name = adder_name

        @rpc
        def sum(self, a: int, b: int) -> int:
            return a + b

    class Front:
        name = f"{settings.prefix}_front"
        adder = RpcProxy(adder_name)

        @http("POST", "/sum")
        def sum(self, request: Request) -> Response:
            form = request.form
            if tokens.get(settings.redis_key(form.get("wstoken", ""))) is None:
                body: dict[str, Any] = INVALID
            else:
                body = {"sum": self.adder.sum(int(form["a"]), int(form["b"]))}
            return Response(json.dumps(body), mimetype="application/json")

    return Adder, Front


def config(settings: Settings, role: str) -> dict[str, Any]:
    conf: dict[str, Any] = {
        "AMQP_URI": settings.amqp_url,
        "rpc_exchange": amqp_names("nameko_rpc", settings.prefix)[1][0],
    }
    if role == "front":
        conf |= {
            "WEB_SERVER_ADDRESS": f"127.0.0.1:{settings.port}",
            "max_workers": FRONT_WORKERS,
        }
    return conf


def main(argv: list[str]) -> int:
    role = argv[0] if argv else ""
    if role not in ("front", "worker"):
        print("usage: python -m bench.alternatives.nameko_rpc front|worker", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    adder, front = services(settings)
    runner = ServiceRunner(config(settings, role))
    runner.add_service(front if role == "front" else adder)

    # As `nameko run` does: stop gracefully on SIGTERM, from a green thread.
    def shutdown(_signum: int, _frame: object) -> None:
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    runner.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
