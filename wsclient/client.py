"""``MoodleClient``: log in, call functions, batch, upload and download, on aiohttp.

One client holds one HTTP session and (after ``login``) one token::

    async with MoodleClient("http://127.0.0.1:8000") as client:
        await client.login("student", "Student-2026!")
        info = await client.call("core_webservice_get_site_info")

Calls go over Moodle REST (form-encoded, JSON answers) by default, or over the JSON API
(``protocol="api"``: JSON body, Bearer token, real HTTP statuses). Every error becomes a
:class:`~wsclient.errors.MoodleError` subclass chosen by its errorcode.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Self
from urllib.parse import quote, urlsplit

import aiohttp
import msgspec

from wsclient.encoding import encode_form, prune_none
from wsclient.errors import (
    AccessDenied,
    LoginFailed,
    MoodleError,
    NotFound,
    Timeout,
    TransportError,
    error_from_body,
)

__all__ = ["DEFAULT_SERVICE", "BatchResult", "MoodleClient", "Protocol"]

Protocol = Literal["rest", "api"]

#: The service token.php is asked for when none is named (the mobile app's).
DEFAULT_SERVICE = "moodle_mobile_app"
#: The batch function of Moodle 3.7+ (reference §6.1).
BATCH_FUNCTION = "tool_mobile_call_external_functions"

_CHUNK = 64 * 1024
_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One answer of a batch: ``data`` when it succeeded, else ``error``."""

    function: str
    data: Any = None
    error: MoodleError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def result(self) -> Any:
        """The data, or raise the error."""
        if self.error is not None:
            raise self.error
        return self.data


def _is_error(body: Any) -> bool:
    # The rule Moodle's own clients use: an object carrying an exception is an error.
    return isinstance(body, dict) and "exception" in body and "errorcode" in body


class MoodleClient:
    """An async client for one Moodle-compatible site.

    ``base_url`` is the site root (``wwwroot``). Give ``token`` to use an existing token, or
    call :meth:`login`. ``timeout`` bounds each request in seconds. ``session`` lets callers
    share an aiohttp session (the client then never closes it).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        protocol: Protocol = "rest",
        timeout: float = 60.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if protocol not in ("rest", "api"):
            raise ValueError(f"protocol must be 'rest' or 'api', not {protocol!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.privatetoken: str | None = None
        self.protocol: Protocol = protocol
        self.timeout = timeout
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this client opened it."""
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None

    def _http(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop (aiohttp binds a session to its loop).
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self._owns_session = True
        return self._session

    def _require_token(self) -> str:
        if not self.token:
            raise MoodleError("missingtoken", "No token: call login() or pass token=")
        return self.token

    # --- transport -----------------------------------------------------------------------------
    async def _request(self, method: str, url: str, **kwargs: Any) -> tuple[int, bytes]:
        """Send one request; connection failures and timeouts become client errors."""
        try:
            async with self._http().request(method, url, **kwargs) as resp:
                return resp.status, await resp.read()
        except TimeoutError:
            raise Timeout(
                "clienttimeout", f"No answer from {self.base_url} within {self.timeout:g} s"
            ) from None
        except aiohttp.ClientError as exc:
            raise TransportError(
                "connectionfailed", f"Cannot reach {self.base_url}: {exc}"
            ) from exc

    @staticmethod
    def _decode(status: int, raw: bytes) -> Any:
        try:
            return _json_decode(raw)
        except msgspec.DecodeError:
            if status != 200:
                raise TransportError(
                    "httperror",
                    f"HTTP {status}: {raw[:200].decode(errors='replace')}",
                    status=status,
                ) from None
            raise TransportError(
                "invalidjson",
                f"The answer is not JSON: {raw[:200].decode(errors='replace')}",
                status=status,
            ) from None

    # --- login ---------------------------------------------------------------------------------
    async def login(self, username: str, password: str, service: str = DEFAULT_SERVICE) -> str:
        """Get a token from ``login/token.php`` and keep it for the next calls.

        Returns the token; ``privatetoken`` is set too (None unless the site sends one, which
        it does only over HTTPS). Raises :class:`LoginFailed` with token.php's errorcode.
        """
        status, raw = await self._request(
            "POST",
            f"{self.base_url}/login/token.php",
            data={"username": username, "password": password, "service": service},
        )
        body = self._decode(status, raw)
        if not isinstance(body, dict):
            raise TransportError("invalidjson", "token.php did not answer an object", status=status)
        if "errorcode" in body or "token" not in body:
            raise error_from_body(body, status=status, default=LoginFailed)
        self.token = str(body["token"])
        private = body.get("privatetoken")
        self.privatetoken = private if isinstance(private, str) else None
        return self.token

    # --- calls ---------------------------------------------------------------------------------
    async def call(self, function: str, /, **params: Any) -> Any:
        """Call ``function`` with keyword arguments over the client's protocol."""
        return await self.invoke(function, params)

    async def invoke(
        self,
        function: str,
        params: Mapping[str, Any] | None = None,
        *,
        protocol: Protocol | None = None,
    ) -> Any:
        """Call ``function`` with ``params`` (any nesting); returns the decoded JSON result.

        Use this form when a parameter is named like a keyword of :meth:`call` or when the
        protocol changes per call.
        """
        params = params or {}
        if (protocol or self.protocol) == "api":
            return await self._call_api(function, params)
        return await self._call_rest(function, params)

    async def _call_rest(self, function: str, params: Mapping[str, Any]) -> Any:
        form = [
            ("wstoken", self._require_token()),
            ("wsfunction", function),
            ("moodlewsrestformat", "json"),
            *encode_form(params),
        ]
        status, raw = await self._request(
            "POST", f"{self.base_url}/webservice/rest/server.php", data=form
        )
        if status != 200 and not raw.strip():
            # Moodle answers a disabled REST protocol with an empty 403.
            raise TransportError("httperror", f"HTTP {status} from the REST server", status=status)
        body = self._decode(status, raw)
        if _is_error(body):
            raise error_from_body(body, status=status)
        return body

    async def _call_api(self, function: str, params: Mapping[str, Any]) -> Any:
        token = self._require_token()
        status, raw = await self._request(
            "POST",
            f"{self.base_url}/api/v1/functions/{quote(function, safe='')}",
            data=_json_encode(prune_none(dict(params))),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        body = self._decode(status, raw)
        if status != 200:
            if isinstance(body, dict) and "errorcode" in body:
                raise error_from_body(body, status=status)
            raise TransportError("httperror", f"HTTP {status} from the JSON API", status=status)
        return body

    # --- batch ---------------------------------------------------------------------------------
    async def batch(
        self,
        requests: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        raise_on_error: bool = False,
    ) -> list[BatchResult]:
        """Run several calls in one round trip with ``tool_mobile_call_external_functions``.

        The site runs them in order and stops after the first failure, so the list can be
        shorter than ``requests``. With ``raise_on_error`` the first failure is raised.
        Always sent over REST (it is an ordinary function of the mobile service).
        """
        if not requests:
            return []
        wire = [
            {"function": name, "arguments": _json_encode(prune_none(dict(args))).decode()}
            for name, args in requests
        ]
        body = await self.invoke(BATCH_FUNCTION, {"requests": wire}, protocol="rest")
        responses = body.get("responses") if isinstance(body, dict) else None
        if not isinstance(responses, list):
            raise TransportError("invalidjson", f"{BATCH_FUNCTION} answered no responses list")
        results: list[BatchResult] = []
        for (name, _), item in zip(requests, responses, strict=False):
            if item.get("error"):
                detail = _json_decode(item.get("exception") or "{}")
                error = error_from_body(detail if isinstance(detail, dict) else {})
                if raise_on_error:
                    raise error
                results.append(BatchResult(name, error=error))
            else:
                data = item.get("data")
                results.append(BatchResult(name, _json_decode(data) if data else None))
        return results

    # --- files ---------------------------------------------------------------------------------
    async def upload(
        self,
        file: str | os.PathLike[str] | bytes,
        filename: str | None = None,
        *,
        itemid: int = 0,
        filepath: str = "/",
    ) -> dict[str, Any]:
        """Upload one file to the user's draft area through ``webservice/upload.php``.

        ``file`` is a path or the content itself (then ``filename`` is required). ``itemid``
        0 lets the site allocate a draft item id. Returns the site's record of the file
        (``itemid``, ``filename``, ``filesize``, ...).
        """
        if isinstance(file, bytes):
            if not filename:
                raise ValueError("filename is required when uploading bytes")
            content = file
        else:
            path = Path(file)
            content = await asyncio.to_thread(path.read_bytes)
            filename = filename or path.name
        form = aiohttp.FormData()
        form.add_field("token", self._require_token())
        form.add_field("filepath", filepath)
        form.add_field("itemid", str(itemid))
        form.add_field(
            "file_1", content, filename=filename, content_type="application/octet-stream"
        )
        url = f"{self.base_url}/webservice/upload.php"
        status, raw = await self._request("POST", url, data=form)
        if status == 404:
            raise NotFound("httperror", "This site has no webservice/upload.php", status=status)
        body = self._decode(status, raw)
        if isinstance(body, dict):  # token.php-shaped fatal error
            raise error_from_body(body, status=status)
        if not isinstance(body, list) or not body or not isinstance(body[0], dict):
            raise TransportError("invalidjson", "upload.php answered no file record", status=status)
        record: dict[str, Any] = body[0]
        if "errortype" in record:
            raise MoodleError(str(record["errortype"]), str(record.get("error", "")), status=status)
        return record

    def file_url(self, fileurl: str) -> str:
        """``fileurl`` as a token-authenticated download URL of this site.

        Public ``pluginfile.php`` URLs are switched to ``webservice/pluginfile.php`` (as the
        mobile app does) and the token is appended. URLs of other hosts are returned as they
        are: the token is never sent anywhere but the site.
        """
        if urlsplit(fileurl)[:2] != urlsplit(self.base_url)[:2]:
            return fileurl
        if "/pluginfile.php" in fileurl and "/webservice/pluginfile.php" not in fileurl:
            fileurl = fileurl.replace("/pluginfile.php", "/webservice/pluginfile.php", 1)
        separator = "&" if "?" in fileurl else "?"
        return f"{fileurl}{separator}token={quote(self._require_token(), safe='')}"

    async def download(self, fileurl: str, dest: str | os.PathLike[str] | IO[bytes]) -> int:
        """Stream a file of this site to ``dest`` (a path or a binary file); returns its size.

        A path is written through a temporary file in the same folder and renamed at the
        end, so a failed download never leaves a partial file behind.
        """
        url = self.file_url(fileurl)
        try:
            async with self._http().get(url) as resp:
                if resp.status != 200:
                    raise self._download_error(resp.status, await resp.read())
                if isinstance(dest, str | os.PathLike):
                    return await self._stream_to_path(resp, Path(dest))
                size = 0
                async for chunk in resp.content.iter_chunked(_CHUNK):
                    dest.write(chunk)
                    size += len(chunk)
                return size
        except TimeoutError:
            raise Timeout("clienttimeout", f"Download of {fileurl} timed out") from None
        except aiohttp.ClientError as exc:
            raise TransportError("connectionfailed", f"Download failed: {exc}") from exc

    @staticmethod
    async def _stream_to_path(resp: aiohttp.ClientResponse, dest: Path) -> int:
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in resp.content.iter_chunked(_CHUNK):
                    await asyncio.to_thread(out.write, chunk)
                    size += len(chunk)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return size

    @staticmethod
    def _download_error(status: int, raw: bytes) -> MoodleError:
        try:
            body = _json_decode(raw)
        except msgspec.DecodeError:
            body = None
        if isinstance(body, dict) and "errorcode" in body:
            return error_from_body(body, status=status)
        if status == 404:
            return NotFound("filenotfound", "The file does not exist", status=status)
        if status == 403:
            return AccessDenied("accessexception", "Access to the file is denied", status=status)
        return TransportError("httperror", f"HTTP {status} downloading the file", status=status)
