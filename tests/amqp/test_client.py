"""The lean AMQP client against the real broker: handshake, topology, publish and consume,
confirms, returns, nacks from a full queue, channel and connection errors, big bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from shared import amqp
from shared.amqp import codec


@pytest.fixture
async def connection(amqp_url: str) -> AsyncIterator[amqp.Connection]:
    conn = await amqp.connect(amqp_url, name="test-amqp-client")
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def queue(connection: amqp.Connection, namespace: str) -> AsyncIterator[str]:
    name = f"{namespace}.q"
    channel = await connection.channel()
    await channel.queue_declare(name, auto_delete=False)
    yield name
    cleanup = await connection.channel()
    await cleanup.queue_delete(name)
    await cleanup.close()


async def test_publish_consume_ack_round_trip(connection: amqp.Connection, queue: str) -> None:
    channel = await connection.channel()
    await channel.basic_qos(10)
    got: asyncio.Queue[amqp.Delivery] = asyncio.Queue()
    await channel.basic_consume(queue, got.put_nowait)
    channel.publish(
        codec.publish_target("", queue),
        b"hello",
        content_type="application/msgpack",
        correlation_id="c-1",
        reply_to="replies",
        expiration="5000",
        delivery_mode=1,
        headers={"traceparent": "00-abc-def-01", "n": 3},
        message_id="m-1",
    )
    delivery = await asyncio.wait_for(got.get(), 5)
    assert delivery.body == b"hello"
    props = delivery.properties
    assert (props.content_type, props.correlation_id, props.message_id) == (
        "application/msgpack",
        "c-1",
        "m-1",
    )
    assert props.expiration == "5000"
    assert props.delivery_mode == 1
    assert props.headers == {"traceparent": "00-abc-def-01", "n": 3}
    assert props.reply_to == "replies"
    assert delivery.routing_key == queue and not delivery.redelivered
    channel.ack(delivery.delivery_tag)


async def test_nack_requeues_and_redelivers(connection: amqp.Connection, queue: str) -> None:
    channel = await connection.channel()
    got: asyncio.Queue[amqp.Delivery] = asyncio.Queue()
    await channel.basic_consume(queue, got.put_nowait)
    channel.publish(codec.publish_target("", queue), b"again")
    first = await asyncio.wait_for(got.get(), 5)
    channel.nack(first.delivery_tag, requeue=True)
    second = await asyncio.wait_for(got.get(), 5)
    assert second.body == b"again" and second.redelivered
    channel.ack(second.delivery_tag)


@pytest.mark.parametrize("size", [0, 1, 131_064, 131_065, 1_000_003])
async def test_bodies_of_every_size_arrive_whole(
    connection: amqp.Connection, queue: str, size: int
) -> None:
    """Empty bodies (no body frame), exactly one frame, and bodies split over many frames."""
    channel = await connection.channel()
    got: asyncio.Queue[amqp.Delivery] = asyncio.Queue()
    await channel.basic_consume(queue, got.put_nowait, no_ack=True)
    body = bytes(i % 251 for i in range(size))
    channel.publish(codec.publish_target("", queue), body)
    delivery = await asyncio.wait_for(got.get(), 5)
    assert delivery.body == body


async def test_confirms_and_returns(connection: amqp.Connection, namespace: str) -> None:
    channel = await connection.channel()
    await channel.confirm_select()
    outcomes: dict[str, str] = {}
    returned: list[amqp.Returned] = []
    channel.on_confirm = outcomes.__setitem__
    channel.on_return = returned.append
    exchange = f"{namespace}.x"
    await channel.exchange_declare(exchange, "direct", durable=False, auto_delete=True)
    queue = f"{namespace}.bound"
    await channel.queue_declare(queue, auto_delete=False)
    await channel.queue_bind(queue, exchange, "known")
    try:
        channel.publish(codec.publish_target(exchange, "known"), b"a", mandatory=True, token="t1")
        channel.publish(
            codec.publish_target(exchange, "nobody"),
            b"b",
            mandatory=True,
            token="t2",
            correlation_id="lost-call",
        )
        for _ in range(100):
            if len(outcomes) == 2:
                break
            await asyncio.sleep(0.02)
        # An unroutable mandatory message is returned, then acked.
        assert outcomes == {"t1": amqp.ACKED, "t2": amqp.ACKED}
        assert len(returned) == 1
        assert returned[0].reply_code == 312 and returned[0].routing_key == "nobody"
        assert returned[0].properties.correlation_id == "lost-call"
        assert returned[0].body == b"b"
    finally:
        await channel.queue_delete(queue)
        await channel.exchange_delete(exchange)


async def test_a_full_reject_publish_queue_nacks(
    connection: amqp.Connection, namespace: str
) -> None:
    channel = await connection.channel()
    await channel.confirm_select()
    outcomes: dict[int, str] = {}
    channel.on_confirm = outcomes.__setitem__
    queue = f"{namespace}.full"
    await channel.queue_declare(
        queue, arguments={"x-max-length": 1, "x-overflow": "reject-publish"}
    )
    try:
        for token in (1, 2):
            channel.publish(codec.publish_target("", queue), b"x", token=token)
        for _ in range(100):
            if len(outcomes) == 2:
                break
            await asyncio.sleep(0.02)
        assert outcomes == {1: amqp.ACKED, 2: amqp.NACKED}
    finally:
        await channel.queue_delete(queue)


async def test_passive_declare_of_a_missing_queue_closes_only_that_channel(
    connection: amqp.Connection, namespace: str
) -> None:
    channel = await connection.channel()
    with pytest.raises(amqp.ChannelClosed) as caught:
        await channel.queue_declare(f"{namespace}.missing", passive=True)
    assert caught.value.code == 404
    assert channel.is_closed and not connection.is_closed
    with pytest.raises(amqp.ChannelClosed):
        channel.publish(codec.publish_target("", "x"), b"")
    other = await connection.channel()
    ok = await other.queue_declare(f"{namespace}.present")
    assert ok.consumer_count == 0
    # Deleted by hand: auto_delete acts only once a consumer has come and gone.
    await other.queue_delete(f"{namespace}.present")
    await other.close()


async def test_direct_reply_to_round_trip(connection: amqp.Connection, queue: str) -> None:
    """The call pattern itself: request with reply_to, answer on the default exchange."""
    client = await connection.channel()
    replies: asyncio.Queue[amqp.Delivery] = asyncio.Queue()
    await client.basic_consume("amq.rabbitmq.reply-to", replies.put_nowait, no_ack=True)
    server = await connection.channel()

    def answer(delivery: amqp.Delivery) -> None:
        reply_to = delivery.properties.reply_to
        assert reply_to is not None
        server.publish(
            codec.publish_target("", reply_to),
            delivery.body.upper(),
            correlation_id=delivery.properties.correlation_id,
        )
        server.ack(delivery.delivery_tag)

    await server.basic_consume(queue, answer)
    for n in range(20):
        client.publish(
            codec.publish_target("", queue),
            b"ping %d" % n,
            correlation_id=str(n),
            reply_to="amq.rabbitmq.reply-to",
        )
    seen = {}
    for _ in range(20):
        reply = await asyncio.wait_for(replies.get(), 5)
        seen[reply.properties.correlation_id] = reply.body
    assert seen == {str(n): b"PING %d" % n for n in range(20)}


async def test_close_callbacks_and_failed_waiters(amqp_url: str) -> None:
    conn = await amqp.connect(amqp_url, name="test-amqp-close")
    reasons: list[BaseException | None] = []
    conn.add_close_callback(reasons.append)
    channel = await conn.channel()
    await conn.close()
    assert conn.is_closed and channel.is_closed
    assert reasons == [None]  # closed by us: not reported as a loss
    with pytest.raises(amqp.ConnectionClosed):
        conn.send(b"")
    with pytest.raises(amqp.AMQPError):
        await channel.basic_qos(1)


async def test_wrong_password_is_refused(amqp_url: str) -> None:
    bad = amqp_url.replace("guest:guest", "guest:wrong")
    with pytest.raises(amqp.ConnectionClosed) as caught:
        await amqp.connect(bad, name="test-amqp-refused", timeout=5)
    assert caught.value.code == 403


async def test_unreachable_broker_fails_fast() -> None:
    with pytest.raises(OSError):
        await amqp.connect("amqp://guest:guest@127.0.0.1:1/", name="test", timeout=5)


async def test_heartbeat_is_negotiated_from_the_url(amqp_url: str) -> None:
    sep = "&" if "?" in amqp_url else "?"
    conn = await amqp.connect(f"{amqp_url}{sep}heartbeat=2", name="test-amqp-hb")
    try:
        assert conn.heartbeat == 2
        # Quiet for three heartbeats: our beats keep the broker from dropping us.
        await asyncio.sleep(6.5)
        assert not conn.is_closed
        channel = await conn.channel()
        await channel.close()
    finally:
        await conn.close()


def test_bad_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="not an AMQP URL"):
        asyncio.run(amqp.connect("redis://127.0.0.1:5672/", name="x"))
