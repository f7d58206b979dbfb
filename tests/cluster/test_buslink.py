"""BusLink with a list of broker URLs, and the call queue's declare arguments (quick tests)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from shared.bus import BusLink, amqp_urls, call_queue_arguments, connect_amqp


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def test_amqp_urls_split_on_commas_and_ignore_blanks() -> None:
    assert amqp_urls("amqp://a/") == ["amqp://a/"]
    assert amqp_urls(" amqp://a/ , amqp://b/,,") == ["amqp://a/", "amqp://b/"]
    with pytest.raises(ValueError, match="no broker"):
        amqp_urls(" , ")


def test_call_queue_arguments_by_type() -> None:
    classic = call_queue_arguments(100)
    assert classic == {"x-max-length": 100, "x-overflow": "reject-publish"}
    assert call_queue_arguments(100, "quorum") == {**classic, "x-queue-type": "quorum"}
    with pytest.raises(ValueError, match="classic, quorum"):
        call_queue_arguments(100, "stream")


async def test_buslink_skips_a_dead_node_and_rotates_after_a_loss(amqp_url: str) -> None:
    dead = f"amqp://guest:guest@127.0.0.1:{closed_port()}/"
    setups: list[str] = []
    link: BusLink

    async def setup(_connection: object) -> None:
        setups.append(link.url)

    link = BusLink(f"{dead},{amqp_url}", name="test-buslink", setup=setup, connect_timeout=2)
    await link.start()
    try:
        assert link.url == amqp_url and setups == [amqp_url]
        # After a loss the next round starts after the node lost: the dead one, then ours.
        assert link.connection is not None
        link.connection.abort()  # the socket drops, as when the node dies
        for _ in range(250):
            if link.reconnects == 1 and link.ready.is_set():
                break
            await asyncio.sleep(0.02)
        assert setups == [amqp_url, amqp_url] and link.reconnects == 1
    finally:
        await link.close()


async def test_buslink_raises_when_no_node_answers() -> None:
    urls = ",".join(f"amqp://guest:guest@127.0.0.1:{closed_port()}/" for _ in range(2))

    async def setup(_connection: object) -> None:
        raise AssertionError("never connected")

    link = BusLink(urls, name="test-buslink", setup=setup, connect_timeout=2)
    with pytest.raises(ConnectionError):
        await link.start()
    await link.close()


async def test_connect_amqp_takes_the_first_node_that_answers(amqp_url: str) -> None:
    dead = f"amqp://guest:guest@127.0.0.1:{closed_port()}/"
    connection = await connect_amqp(f"{dead},{amqp_url}", name="test-connect")
    try:
        assert not connection.is_closed
    finally:
        await connection.close()
