"""Messages that cross process boundaries: bus calls and replies, and catalog entries.

Every field added later gets a default, so gateways and workers can be deployed out of step.
Calls and replies travel as MessagePack; catalog entries are stored in Redis as JSON so an
operator can read them with ``redis-cli``.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from shared.errors import ErrorInfo

__all__ = [
    "CallReply",
    "CallRequest",
    "CallSettings",
    "Caller",
    "FunctionInfo",
    "catalog_decoder",
    "catalog_encoder",
    "reply_decoder",
    "reply_encoder",
    "request_decoder",
    "request_encoder",
]


class CallSettings(msgspec.Struct, frozen=True, omit_defaults=True):
    """Moodle's ``external_settings``: per-request formatting switches."""

    raw: bool = False
    fileurl: bool = True
    filter: bool = False
    lang: str = ""
    timezone: str = ""
    #: Script that file URLs point to: ``webservice/pluginfile.php`` for WS, ``pluginfile.php``
    #: for AJAX.
    file: str = "webservice/pluginfile.php"


class Caller(msgspec.Struct, frozen=True, omit_defaults=True):
    """Who is calling, as established by the gateway's checks."""

    userid: int
    username: str = ""
    #: The token's service (0 for AJAX calls made with a browser session).
    serviceid: int = 0
    service: str = ""
    tokenid: int = 0
    #: ``rest``, ``ajax``, ``api`` ...
    protocol: str = "rest"
    remoteaddr: str = ""


class CallRequest(msgspec.Struct, frozen=True, omit_defaults=True):
    """One function call published on the bus."""

    call_id: str
    function: str
    #: Cleaned parameters, keys in declaration order.
    args: dict[str, Any]
    caller: Caller
    #: Absolute UNIX time after which nobody waits for the answer; workers drop it then.
    deadline: float
    settings: CallSettings = CallSettings()
    request_id: str = ""
    #: UNIX time the gateway published the call (0 from older gateways): the worker's queue
    #: wait is its receive time minus this.
    published_at: float = 0.0


class CallReply(msgspec.Struct, frozen=True, omit_defaults=True):
    """A worker's answer: ``result`` (raw, not yet cleaned) or ``error``."""

    call_id: str
    result: Any = None
    error: ErrorInfo | None = None
    #: Seconds the worker spent in the function, for metrics.
    worker_time: float = 0.0
    #: Seconds the call waited in the broker before the worker received it, for metrics.
    queue_wait: float = 0.0


class FunctionInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    """A catalog entry: everything about a function except its code.

    ``parameters`` and ``returns`` hold the JSON form of the descriptions
    (:func:`shared.external.description_from_dict` reads them back).
    """

    name: str
    component: str
    parameters: dict[str, Any]
    returns: dict[str, Any] | None = None
    description: str = ""
    type: Literal["read", "write"] = "read"
    ajax: bool = False
    loginrequired: bool = True
    readonlysession: bool = False
    capabilities: list[str] = []
    services: list[str] = []
    deprecated: bool = False
    #: Version reported in site info's function list.
    version: str = ""


request_encoder = msgspec.msgpack.Encoder()
request_decoder = msgspec.msgpack.Decoder(CallRequest)
reply_encoder = msgspec.msgpack.Encoder()
reply_decoder = msgspec.msgpack.Decoder(CallReply)
catalog_encoder = msgspec.json.Encoder()
catalog_decoder = msgspec.json.Decoder(FunctionInfo)
