"""AMQP 0-9-1 framing for the frames a call carries, written out by hand.

A call is three frames each way (method, content header, body) plus an ack. Building them
through general-purpose frame objects cost more CPU than everything else the gateway does for
a call (docs/performance.md), so the frames of the call path are packed and parsed here with
``struct`` directly. Frames off the call path (handshake, declarations, closes) go through
pamqp's codec, which covers the whole protocol and is fast enough for them.

Frame layout: ``type:u8 channel:u16 size:u32 payload[size] 0xCE``.
"""

from __future__ import annotations

import struct
from typing import Any

from pamqp import decode as pdecode
from pamqp import encode as pencode

__all__ = [
    "FRAME_BODY",
    "FRAME_END",
    "FRAME_HEADER",
    "FRAME_HEARTBEAT",
    "FRAME_METHOD",
    "HEARTBEAT_FRAME",
    "PROTOCOL_HEADER",
    "Properties",
    "decode_properties",
    "encode_ack",
    "encode_nack",
    "encode_publish",
    "encode_reject",
    "read_shortstr",
]

PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_METHOD = 1
FRAME_HEADER = 2
FRAME_BODY = 3
FRAME_HEARTBEAT = 8
FRAME_END = 0xCE
HEARTBEAT_FRAME = b"\x08\x00\x00\x00\x00\x00\x00\xce"

BASIC = 60
PUBLISH = 40
RETURN = 50
DELIVER = 60
ACK = 80
REJECT = 90
NACK = 120

_frame_head = struct.Struct(">BHI")
_method_head = struct.Struct(">BHIHH")  # frame head + class id + method id
_content_head = struct.Struct(">BHIHHQH")  # frame head + class, weight, body size, flags
_u8 = struct.Struct(">B")
_u16 = struct.Struct(">H")
_u64 = struct.Struct(">Q")
_ack = struct.Struct(">BHIHHQB")
_END = b"\xce"

# Property flags, in the order the properties follow the flags on the wire.
_CONTENT_TYPE = 1 << 15
_CONTENT_ENCODING = 1 << 14
_HEADERS = 1 << 13
_DELIVERY_MODE = 1 << 12
_PRIORITY = 1 << 11
_CORRELATION_ID = 1 << 10
_REPLY_TO = 1 << 9
_EXPIRATION = 1 << 8
_MESSAGE_ID = 1 << 7
_TIMESTAMP = 1 << 6
_TYPE = 1 << 5
_USER_ID = 1 << 4
_APP_ID = 1 << 3
_CLUSTER_ID = 1 << 2


class Properties:
    """A message's basic properties; ``None`` means absent. ``expiration`` is in milliseconds,
    as a string, as AMQP carries it."""

    __slots__ = (
        "app_id",
        "cluster_id",
        "content_encoding",
        "content_type",
        "correlation_id",
        "delivery_mode",
        "expiration",
        "headers",
        "message_id",
        "priority",
        "reply_to",
        "timestamp",
        "type",
        "user_id",
    )

    def __init__(
        self,
        *,
        content_type: str | None = None,
        content_encoding: str | None = None,
        headers: dict[str, Any] | None = None,
        delivery_mode: int | None = None,
        priority: int | None = None,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        expiration: str | None = None,
        message_id: str | None = None,
        timestamp: int | None = None,
        type: str | None = None,
        user_id: str | None = None,
        app_id: str | None = None,
        cluster_id: str | None = None,
    ) -> None:
        self.content_type = content_type
        self.content_encoding = content_encoding
        self.headers = headers
        self.delivery_mode = delivery_mode
        self.priority = priority
        self.correlation_id = correlation_id
        self.reply_to = reply_to
        self.expiration = expiration
        self.message_id = message_id
        self.timestamp = timestamp
        self.type = type
        self.user_id = user_id
        self.app_id = app_id
        self.cluster_id = cluster_id

    def __repr__(self) -> str:
        shown = {name: getattr(self, name) for name in _ALL if getattr(self, name) is not None}
        return f"Properties({shown})"


_ALL = (
    "content_type",
    "content_encoding",
    "headers",
    "delivery_mode",
    "priority",
    "correlation_id",
    "reply_to",
    "expiration",
    "message_id",
    "timestamp",
    "type",
    "user_id",
    "app_id",
    "cluster_id",
)


def _shortstr(value: str) -> bytes:
    raw = value.encode()
    if len(raw) > 255:
        raise ValueError(f"AMQP short string longer than 255 bytes: {value[:40]!r}...")
    return _u8.pack(len(raw)) + raw


def read_shortstr(data: bytes | memoryview, offset: int) -> tuple[str, int]:
    """A short string at ``offset``, and the offset after it."""
    length = data[offset]
    end = offset + 1 + length
    return bytes(data[offset + 1 : end]).decode(), end


def encode_publish(
    channel: int,
    exchange_and_key: bytes,
    mandatory: bool,
    body: bytes,
    frame_max: int,
    *,
    content_type: str | None = None,
    correlation_id: str | None = None,
    reply_to: str | None = None,
    expiration: str | None = None,
    delivery_mode: int | None = None,
    headers: dict[str, Any] | None = None,
    message_id: str | None = None,
) -> bytes:
    """The frames of one ``basic.publish``: method, content header, body (split to fit
    ``frame_max``). ``exchange_and_key`` is :func:`publish_target` of the destination."""
    method = b"\x00\x00" + exchange_and_key + (b"\x01" if mandatory else b"\x00")
    flags = 0
    props: list[bytes] = []
    # Properties go on the wire in flag order.
    if content_type is not None:
        flags |= _CONTENT_TYPE
        props.append(_shortstr(content_type))
    if headers:
        flags |= _HEADERS
        props.append(pencode.field_table(headers))
    if delivery_mode is not None:
        flags |= _DELIVERY_MODE
        props.append(_u8.pack(delivery_mode))
    if correlation_id is not None:
        flags |= _CORRELATION_ID
        props.append(_shortstr(correlation_id))
    if reply_to is not None:
        flags |= _REPLY_TO
        props.append(_shortstr(reply_to))
    if expiration is not None:
        flags |= _EXPIRATION
        props.append(_shortstr(expiration))
    if message_id is not None:
        flags |= _MESSAGE_ID
        props.append(_shortstr(message_id))
    prop_bytes = b"".join(props)
    size = len(body)
    parts: list[bytes | memoryview] = [
        _method_head.pack(FRAME_METHOD, channel, 4 + len(method), BASIC, PUBLISH),
        method,
        _END,
        _content_head.pack(FRAME_HEADER, channel, 14 + len(prop_bytes), BASIC, 0, size, flags),
        prop_bytes,
        _END,
    ]
    chunk = frame_max - 8  # frame head (7) and frame end (1)
    if size <= chunk:
        if size:
            parts += (_frame_head.pack(FRAME_BODY, channel, size), body, _END)
    else:
        view = memoryview(body)
        for start in range(0, size, chunk):
            piece = view[start : start + chunk]
            parts += (_frame_head.pack(FRAME_BODY, channel, len(piece)), piece, _END)
    return b"".join(parts)


def publish_target(exchange: str, routing_key: str) -> bytes:
    """The exchange and routing key of a publish, encoded once and reused."""
    return _shortstr(exchange) + _shortstr(routing_key)


def encode_ack(channel: int, delivery_tag: int, multiple: bool = False) -> bytes:
    return _ack.pack(FRAME_METHOD, channel, 13, BASIC, ACK, delivery_tag, multiple) + _END


def encode_nack(channel: int, delivery_tag: int, *, multiple: bool, requeue: bool) -> bytes:
    bits = (1 if multiple else 0) | (2 if requeue else 0)
    return _ack.pack(FRAME_METHOD, channel, 13, BASIC, NACK, delivery_tag, bits) + _END


def encode_reject(channel: int, delivery_tag: int, *, requeue: bool) -> bytes:
    return _ack.pack(FRAME_METHOD, channel, 13, BASIC, REJECT, delivery_tag, requeue) + _END


def decode_content_header(payload: bytes | memoryview) -> tuple[int, Properties]:
    """The body size and the properties of a content header frame's payload."""
    _class, _weight, size, flags = struct.unpack_from(">HHQH", payload, 0)
    offset = 14
    if flags & 1:
        raise ValueError("continued property flags are not supported")
    return size, decode_properties(payload, offset, flags)


def decode_properties(payload: bytes | memoryview, offset: int, flags: int) -> Properties:
    props = Properties()
    if not flags:
        return props
    data = bytes(payload)
    if flags & _CONTENT_TYPE:
        props.content_type, offset = read_shortstr(data, offset)
    if flags & _CONTENT_ENCODING:
        props.content_encoding, offset = read_shortstr(data, offset)
    if flags & _HEADERS:
        used, table = pdecode.field_table(data[offset:])
        props.headers = dict(table)
        offset += used
    if flags & _DELIVERY_MODE:
        props.delivery_mode = data[offset]
        offset += 1
    if flags & _PRIORITY:
        props.priority = data[offset]
        offset += 1
    if flags & _CORRELATION_ID:
        props.correlation_id, offset = read_shortstr(data, offset)
    if flags & _REPLY_TO:
        props.reply_to, offset = read_shortstr(data, offset)
    if flags & _EXPIRATION:
        props.expiration, offset = read_shortstr(data, offset)
    if flags & _MESSAGE_ID:
        props.message_id, offset = read_shortstr(data, offset)
    if flags & _TIMESTAMP:
        (props.timestamp,) = _u64.unpack_from(data, offset)
        offset += 8
    if flags & _TYPE:
        props.type, offset = read_shortstr(data, offset)
    if flags & _USER_ID:
        props.user_id, offset = read_shortstr(data, offset)
    if flags & _APP_ID:
        props.app_id, offset = read_shortstr(data, offset)
    if flags & _CLUSTER_ID:
        props.cluster_id, offset = read_shortstr(data, offset)
    return props
