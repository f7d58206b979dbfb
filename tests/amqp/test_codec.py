"""The hand-written frames against pamqp's reference codec, and the parser fed byte by byte,
broken frames and broker notices, without a broker."""

from __future__ import annotations

import asyncio
from typing import Any

import pamqp.frame
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pamqp import commands as spec
from pamqp import header as pheader

from shared import amqp
from shared.amqp import codec


class FakeTransport:
    """Collects writes; ``abort`` and ``close`` report the loss as a real transport would."""

    def __init__(self, protocol: amqp.Connection) -> None:
        self.protocol = protocol
        self.written = bytearray()
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closing

    def abort(self) -> None:
        self.close()

    def close(self) -> None:
        if not self.closing:
            self.closing = True
            self.protocol.loop.call_soon(self.protocol.connection_lost, None)


def frames(data: bytes) -> list[Any]:
    out = []
    while data:
        used, channel, frame = pamqp.frame.unmarshal(data)
        out.append((channel, frame))
        data = data[used:]
    return out


@given(
    body=st.binary(max_size=3000),
    correlation_id=st.text(max_size=40),
    expiration=st.sampled_from([None, "1", "30000"]),
    headers=st.one_of(st.none(), st.dictionaries(st.text(min_size=1, max_size=8), st.text())),
    mandatory=st.booleans(),
)
def test_publish_frames_match_the_reference_codec(
    body: bytes,
    correlation_id: str,
    expiration: str | None,
    headers: dict[str, str] | None,
    mandatory: bool,
) -> None:
    data = codec.encode_publish(
        7,
        codec.publish_target("calls", "core_webservice_get_site_info"),
        mandatory,
        body,
        1024,  # a small frame size: bodies over 1016 bytes are split
        content_type="application/msgpack",
        correlation_id=correlation_id,
        reply_to="amq.rabbitmq.reply-to",
        expiration=expiration,
        delivery_mode=1,
        headers=headers,
    )
    parsed = frames(data)
    assert all(channel == 7 for channel, _ in parsed)
    method, content = parsed[0][1], parsed[1][1]
    assert isinstance(method, spec.Basic.Publish)
    assert (method.exchange, method.routing_key, method.mandatory) == (
        "calls",
        "core_webservice_get_site_info",
        mandatory,
    )
    assert isinstance(content, pheader.ContentHeader) and content.body_size == len(body)
    props = content.properties
    assert props.correlation_id == correlation_id
    assert props.expiration == expiration
    assert props.content_type == "application/msgpack" and props.delivery_mode == 1
    assert (props.headers or None) == (headers or None)
    pieces = [frame.value for _, frame in parsed[2:]]
    assert all(len(piece) <= 1016 for piece in pieces)
    assert b"".join(pieces) == body
    # Our own decoder reads the same properties back.
    raw_header = data[data.index(b"\xce") + 1 :]
    size, decoded = codec.decode_content_header(raw_header[7:])
    assert size == len(body) and decoded.correlation_id == correlation_id
    assert (decoded.headers or None) == (headers or None)


def test_ack_nack_reject_frames_match_the_reference_codec() -> None:
    ((channel, multiple),) = frames(codec.encode_ack(3, 99, True))
    assert channel == 3 and isinstance(multiple, spec.Basic.Ack)
    assert multiple.delivery_tag == 99 and multiple.multiple
    ack = frames(codec.encode_ack(3, 2**40))[0][1]
    assert isinstance(ack, spec.Basic.Ack) and ack.delivery_tag == 2**40 and not ack.multiple
    nack = frames(codec.encode_nack(3, 5, multiple=False, requeue=True))[0][1]
    assert isinstance(nack, spec.Basic.Nack) and nack.requeue and not nack.multiple
    reject = frames(codec.encode_reject(3, 6, requeue=False))[0][1]
    assert isinstance(reject, spec.Basic.Reject) and not reject.requeue


def test_a_long_short_string_is_refused() -> None:
    with pytest.raises(ValueError, match="255 bytes"):
        codec.publish_target("", "x" * 256)


async def opened() -> tuple[amqp.Connection, FakeTransport, amqp.Channel]:
    """A connection past its handshake, on a fake transport, with channel 1 open."""
    loop = asyncio.get_running_loop()
    conn = amqp.Connection(loop, name="test", heartbeat=0)
    transport = FakeTransport(conn)
    conn.connection_made(transport)  # type: ignore[arg-type]
    opening = asyncio.ensure_future(conn.channel())
    await asyncio.sleep(0)
    conn.data_received(pamqp.frame.marshal(spec.Channel.OpenOk(), 1))
    return conn, transport, await opening


def deliver_frames(body: bytes, tag: int = 1, consumer: str = "ctag") -> bytes:
    props = spec.Basic.Properties(correlation_id="c1", content_type="application/msgpack")
    return (
        pamqp.frame.marshal(
            spec.Basic.Deliver(
                consumer_tag=consumer, delivery_tag=tag, exchange="x", routing_key="fn"
            ),
            1,
        )
        + pamqp.frame.marshal(pheader.ContentHeader(0, len(body), props), 1)
        + (pamqp.frame.marshal(pamqp.body.ContentBody(body), 1) if body else b"")
    )


async def consuming(conn: amqp.Connection, channel: amqp.Channel) -> list[amqp.Delivery]:
    got: list[amqp.Delivery] = []
    consume = asyncio.ensure_future(channel.basic_consume("q", got.append))
    await asyncio.sleep(0)
    conn.data_received(pamqp.frame.marshal(spec.Basic.ConsumeOk(consumer_tag="ctag"), 1))
    assert await consume == "ctag"
    return got


async def test_frames_split_at_every_byte_are_reassembled() -> None:
    conn, _transport, channel = await opened()
    got = await consuming(conn, channel)
    stream = deliver_frames(b"first") + deliver_frames(b"", tag=2) + deliver_frames(b"x" * 500, 3)
    for i in range(len(stream)):
        conn.data_received(stream[i : i + 1])
    assert [(d.delivery_tag, d.body) for d in got] == [(1, b"first"), (2, b""), (3, b"x" * 500)]
    assert got[0].properties.correlation_id == "c1"
    assert not conn.is_closed


async def test_a_delivery_for_a_cancelled_consumer_is_given_back() -> None:
    conn, transport, channel = await opened()
    await consuming(conn, channel)
    conn.data_received(deliver_frames(b"late", tag=9, consumer="gone"))
    await asyncio.sleep(0)  # writes go out at the end of the loop iteration
    (_, nack), *_ = frames(bytes(transport.written[len(codec.PROTOCOL_HEADER) :])[-21:])
    assert isinstance(nack, spec.Basic.Nack) and nack.delivery_tag == 9 and nack.requeue


async def test_a_broken_frame_drops_the_connection_and_fails_waiters() -> None:
    conn, _transport, channel = await opened()
    reasons: list[BaseException | None] = []
    conn.add_close_callback(reasons.append)
    declaring = asyncio.ensure_future(channel.basic_qos(5))
    await asyncio.sleep(0)
    conn.data_received(b"\x01\x00\x01\x00\x00\x00\x01\x00\xff")  # frame end is not 0xCE
    await asyncio.sleep(0)
    with pytest.raises(amqp.ProtocolError):
        await declaring
    assert conn.is_closed and channel.is_closed
    assert len(reasons) == 1 and isinstance(reasons[0], amqp.ProtocolError)


async def test_blocked_and_unblocked_notices_are_tracked() -> None:
    conn, _transport, _channel = await opened()
    states = [conn.blocked]
    conn.data_received(pamqp.frame.marshal(spec.Connection.Blocked(reason="low on memory"), 0))
    states.append(conn.blocked)
    conn.data_received(pamqp.frame.marshal(spec.Connection.Unblocked(), 0))
    states.append(conn.blocked)
    assert states == [False, True, False]


async def test_a_broker_close_is_answered_and_reported_with_its_code() -> None:
    conn, transport, channel = await opened()
    reasons: list[BaseException | None] = []
    conn.add_close_callback(reasons.append)
    conn.data_received(
        pamqp.frame.marshal(
            spec.Connection.Close(
                reply_code=320, reply_text="CONNECTION_FORCED", class_id=0, method_id=0
            ),
            0,
        )
    )
    await asyncio.sleep(0)
    assert isinstance(frames(bytes(transport.written[-12:]))[0][1], spec.Connection.CloseOk)
    assert conn.is_closed and channel.is_closed
    assert isinstance(reasons[0], amqp.ConnectionClosed) and reasons[0].code == 320
    with pytest.raises(amqp.ConnectionClosed):
        channel.publish(codec.publish_target("", "q"), b"")


async def test_confirms_resolve_single_and_multiple_and_report_loss() -> None:
    conn, _transport, channel = await opened()
    selecting = asyncio.ensure_future(channel.confirm_select())
    await asyncio.sleep(0)
    conn.data_received(pamqp.frame.marshal(spec.Confirm.SelectOk(), 1))
    await selecting
    seen: list[tuple[Any, str]] = []
    channel.on_confirm = lambda token, outcome: seen.append((token, outcome))
    tags = [channel.publish(codec.publish_target("", "q"), b"", token=f"t{n}") for n in range(5)]
    assert tags == [1, 2, 3, 4, 5]
    conn.data_received(pamqp.frame.marshal(spec.Basic.Ack(delivery_tag=2), 1))
    conn.data_received(pamqp.frame.marshal(spec.Basic.Ack(delivery_tag=3, multiple=True), 1))
    conn.data_received(pamqp.frame.marshal(spec.Basic.Nack(delivery_tag=4), 1))
    assert seen == [("t1", "ack"), ("t0", "ack"), ("t2", "ack"), ("t3", "nack")]
    conn.abort()
    await asyncio.sleep(0)
    assert seen[-1] == ("t4", "lost")
