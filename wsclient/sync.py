"""``SyncMoodleClient``: the async client for code that is not async.

It runs a private event loop in a daemon thread and hands each call to it, so one HTTP
session (and its keep-alive connections) serves every call, and it works even when the
calling thread already runs an event loop of its own::

    with SyncMoodleClient("http://127.0.0.1:8000") as client:
        client.login("student", "Student-2026!")
        print(client.call("core_webservice_get_site_info")["fullname"])
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Mapping, Sequence
from types import TracebackType
from typing import IO, Any, Self, TypeVar

from wsclient.client import DEFAULT_SERVICE, BatchResult, MoodleClient, Protocol

__all__ = ["SyncMoodleClient"]

T = TypeVar("T")


class SyncMoodleClient:
    """Blocking twin of :class:`~wsclient.client.MoodleClient`; same arguments and methods.

    Close it (or use it as a context manager) to stop its thread and session.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        protocol: Protocol = "rest",
        timeout: float = 60.0,
    ) -> None:
        self._client = MoodleClient(base_url, token=token, protocol=protocol, timeout=timeout)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="wsclient-loop", daemon=True
        )
        self._thread.start()
        self._closed = False

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coro.close()
            raise RuntimeError("the client is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the session and stop the loop thread; later calls raise RuntimeError."""
        if self._closed:
            return
        try:
            self._run(self._client.close())
        finally:
            self._closed = True
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    @property
    def token(self) -> str | None:
        return self._client.token

    @token.setter
    def token(self, value: str | None) -> None:
        self._client.token = value

    @property
    def privatetoken(self) -> str | None:
        return self._client.privatetoken

    def login(self, username: str, password: str, service: str = DEFAULT_SERVICE) -> str:
        """See :meth:`MoodleClient.login`."""
        return self._run(self._client.login(username, password, service))

    def call(self, function: str, /, **params: Any) -> Any:
        """See :meth:`MoodleClient.call`."""
        return self._run(self._client.invoke(function, params))

    def invoke(
        self,
        function: str,
        params: Mapping[str, Any] | None = None,
        *,
        protocol: Protocol | None = None,
    ) -> Any:
        """See :meth:`MoodleClient.invoke`."""
        return self._run(self._client.invoke(function, params, protocol=protocol))

    def batch(
        self,
        requests: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        raise_on_error: bool = False,
    ) -> list[BatchResult]:
        """See :meth:`MoodleClient.batch`."""
        return self._run(self._client.batch(requests, raise_on_error=raise_on_error))

    def upload(
        self,
        file: str | os.PathLike[str] | bytes,
        filename: str | None = None,
        *,
        itemid: int = 0,
        filepath: str = "/",
    ) -> dict[str, Any]:
        """See :meth:`MoodleClient.upload`."""
        return self._run(self._client.upload(file, filename, itemid=itemid, filepath=filepath))

    def file_url(self, fileurl: str) -> str:
        """See :meth:`MoodleClient.file_url`."""
        return self._client.file_url(fileurl)

    def download(self, fileurl: str, dest: str | os.PathLike[str] | IO[bytes]) -> int:
        """See :meth:`MoodleClient.download`."""
        return self._run(self._client.download(fileurl, dest))
