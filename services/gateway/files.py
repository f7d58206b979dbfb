"""File endpoints: ``webservice/upload.php``, ``webservice/pluginfile.php`` and friends.

Uploads stream from the multipart body straight into the file store (256 KiB chunks; nothing
is buffered whole), into the caller's draft area (reference §5.1). Downloads stream from disk
with ``Content-Length``, ``Content-Disposition`` and single ``Range`` requests (§5.2 and
clients-in-the-wild "File downloads").

Errors before any file is handled use the AJAX fatal-error body (``{error, errorcode,
stacktrace, debuginfo, reproductionlink}``). Upload errors are HTTP 200 like every Moodle error;
download errors carry a real status (401, 403, 404, 416) because clients treat any other
answer to a download as file content.
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import aiohttp
import msgspec
from aiohttp import web

from services.gateway.fileaccess import FileIdentity, authenticate_file_token, may_read_file_area
from services.gateway.rest import lenient_bool
from services.gateway.state import GatewayState
from shared.contexts import CONTEXT_USER, ContextStore
from shared.errors import AccessException, WSError, http_status
from shared.external import PARAM_FILE, PARAM_INT, PARAM_PATH, clean_param
from shared.filestore import CHUNK, FileRecord, FileStore, guess_mimetype
from shared.records import UserRecord
from shared.roles import RoleStore
from shared.sessions import SessionStore

__all__ = [
    "FILE_SERVICES",
    "FileServices",
    "handle_pluginfile",
    "handle_tokenpluginfile",
    "handle_upload",
]

_json = msgspec.json.Encoder()
_CORS = {"Access-Control-Allow-Origin": "*"}
#: Form fields of an upload are small (token, filepath, itemid): bound each one.
_MAX_FIELD = 64 * 1024
_SLASHES = re.compile(r"/{2,}")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_PRIVATE_KEY = re.compile(r"^[A-Za-z0-9]{1,64}$")


@dataclass(frozen=True, slots=True)
class FileServices:
    """What the file endpoints use besides the gateway state."""

    files: FileStore
    contexts: ContextStore
    roles: RoleStore
    sessions: SessionStore


FILE_SERVICES = web.AppKey("file_services", FileServices)


def fatal_error(err: WSError, *, show_debuginfo: bool, status: int = 200) -> web.Response:
    """The AJAX fatal-error body upload.php and pluginfile.php answer with."""
    body = {
        "error": err.message,
        "errorcode": err.errorcode,
        "stacktrace": None,
        "debuginfo": err.debuginfo if show_debuginfo else None,
        "reproductionlink": None,
    }
    return web.Response(
        status=status, body=_json.encode(body), content_type="application/json", headers=_CORS
    )


# --- upload.php -------------------------------------------------------------------------------


def _php_serialized_source(filename: str) -> str:
    """Moodle stores the upload's source as a PHP-serialized ``{source: filename}`` object."""
    return f'O:8:"stdClass":1:{{s:6:"source";s:{len(filename.encode())}:"{filename}";}}'


def _correct_filepath(path: str) -> str:
    path = path if path.startswith("/") else "/" + path
    return path if path.endswith("/") else path + "/"


class _Upload:
    """One upload.php request: limits, the draft area, and the files seen so far."""

    def __init__(
        self, state: GatewayState, fs: FileServices, identity: FileIdentity, params: dict[str, str]
    ) -> None:
        self.state = state
        self.fs = fs
        self.identity = identity
        self.filepath = _correct_filepath(str(clean_param(params.get("filepath", "/"), PARAM_PATH)))
        try:
            self.itemid = int(clean_param(params.get("itemid", "0") or "0", PARAM_INT))
        except (ValueError, TypeError):
            raise WSError("invalidparameter", "Invalid parameter value detected") from None
        self.contextid = 0
        self.maxbytes = -1
        self.quota_left = math.inf
        self.names: set[str] = set()
        #: Response entries in part order; stored files also get a pending record.
        self.entries: list[dict[str, Any]] = []
        self.pending: list[FileRecord] = []

    async def prepare(self) -> None:
        user = self.identity.user
        context = await self.fs.contexts.ensure(CONTEXT_USER, user.id)
        self.contextid = context.id
        if self.itemid <= 0:
            self.itemid = await self.fs.files.new_draft_itemid(context.id)
        config = await self.state.store.get_config()
        settings = self.state.settings
        maxbytes = int(config.get("maxbytes", settings.max_upload_bytes))
        self.maxbytes = maxbytes if maxbytes > 0 else -1
        quota = int(config.get("userquota", settings.user_quota))
        # moodle/user:ignoreuserquota: administrators (and a quota of 0) are not limited.
        if quota > 0 and not user.siteadmin:
            used = await self.fs.files.area_size(context.id, "user", "private", 0)
            self.quota_left = quota - used
        existing = await self.fs.files.list_area(context.id, "user", "draft", self.itemid)
        self.names = {f.filepath + f.filename for f in existing}

    async def receive(self, part: aiohttp.BodyPartReader, filename: str) -> None:
        """Stream one file part into the store, or record why it was refused."""
        limit = self.maxbytes if self.maxbytes >= 0 else math.inf
        limit = min(limit, self.quota_left)

        async def chunks() -> AsyncIterator[bytes]:
            while chunk := await part.read_chunk(CHUNK):
                yield chunk

        try:
            contenthash, size = await self.fs.files.put_blob(
                chunks(), max_size=-1 if math.isinf(limit) else int(max(limit, 0))
            )
        except ValueError:
            await part.release()
            if self.maxbytes >= 0 and self.maxbytes <= self.quota_left:
                self.entries.append(
                    {
                        "avscantime": 0.0,
                        "filename": filename,
                        "errortype": "fileoversized",
                        "error": f"The file {filename} is larger than the maximum size allowed "
                        f"({self.maxbytes} bytes)",
                    }
                )
                return
            await self.discard()
            raise WSError("userquotalimit", "You have reached your quota limit.") from None
        if self.filepath + filename in self.names:
            await self.fs.files.discard_blob(contenthash)
            self.entries.append(
                {
                    "avscantime": 0.0,
                    "filename": filename,
                    "filepath": self.filepath,
                    "size": size,
                    "errortype": "filenameexist",
                    "error": f"File name already exists: {filename}",
                }
            )
            return
        self.names.add(self.filepath + filename)
        self.quota_left -= size
        user = self.identity.user
        config = await self.state.store.get_config()
        record = FileRecord(
            id=0,
            contextid=self.contextid,
            component="user",
            filearea="draft",
            itemid=self.itemid,
            filepath=self.filepath,
            filename=filename,
            contenthash=contenthash,
            filesize=size,
            mimetype=guess_mimetype(filename),
            userid=user.id,
            author=user.fullname,
            license=config.get("sitedefaultlicense", "unknown"),
            source=_php_serialized_source(filename),
        )
        self.pending.append(record)
        self.entries.append(
            {
                "component": "user",
                "contextid": self.contextid,
                "userid": user.id,
                "filearea": "draft",
                "filename": filename,
                "filepath": self.filepath,
                "itemid": self.itemid,
                "license": record.license,
                "author": record.author,
                "source": record.source,
                "filesize": size,
            }
        )

    async def discard(self) -> None:
        """Forget the blobs of a refused request (they are not referenced yet)."""
        for record in self.pending:
            await self.fs.files.discard_blob(record.contenthash)
        self.pending.clear()

    async def commit(self) -> None:
        for record in self.pending:
            await self.fs.files.add_file(record)


async def handle_upload(request: web.Request) -> web.Response:
    """``POST /webservice/upload.php``: files into the caller's draft area (§5.1).

    ``token``, ``filepath`` and ``itemid`` come from the query or from form fields placed
    before the first file (the files are streamed as they arrive).
    """
    state = request.app[GatewayState.KEY]
    fs = request.app[FILE_SERVICES]
    params: dict[str, str] = dict(request.query)
    upload: _Upload | None = None
    try:
        if request.content_type != "multipart/form-data":
            raise WSError("nofile", "No file was uploaded")
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            if part.filename is None:
                value = await part.read(decode=False)
                if len(value) > _MAX_FIELD:
                    raise WSError("invalidparameter", "Form field too large")
                params.setdefault(part.name, value.decode("utf-8", errors="ignore"))
                continue
            if upload is None:
                upload = await _start_upload(request, state, fs, params)
            filename = str(clean_param(part.filename, PARAM_FILE))
            if not filename:
                await part.release()  # an empty file input of a browser form
                continue
            await upload.receive(part, filename)
        if upload is None:
            # Authenticate anyway: a bad token must not be reported as "no file".
            await _start_upload(request, state, fs, params)
            raise WSError("nofile", "No file was uploaded")
        await upload.commit()
    except WSError as err:
        if upload is not None:
            await upload.discard()
        return fatal_error(err, show_debuginfo=state.show_debuginfo)
    except (ValueError, aiohttp.ClientError) as exc:
        if upload is not None:
            await upload.discard()
        malformed = WSError("invalidparameter", f"Malformed upload: {exc}")
        return fatal_error(malformed, show_debuginfo=state.show_debuginfo)
    except BaseException:
        if upload is not None:
            await upload.discard()
        raise
    return web.Response(
        body=_json.encode(upload.entries), content_type="application/json", headers=_CORS
    )


async def _start_upload(
    request: web.Request, state: GatewayState, fs: FileServices, params: dict[str, str]
) -> _Upload:
    identity = await authenticate_file_token(
        state.store, fs.roles, fs.sessions, params.get("token", ""), request.remote or ""
    )
    if not identity.service.uploadfiles:
        raise AccessException(
            "Web service file upload must be enabled in external service settings"
        )
    upload = _Upload(state, fs, identity, params)
    await upload.prepare()
    return upload


# --- pluginfile.php ---------------------------------------------------------------------------


def _slash_arguments(request: web.Request, script: str) -> str:
    """What follows the script name in the path (Moodle's slash arguments)."""
    path = _SLASHES.sub("/", request.path)
    return path[len(script) :] if path.startswith(script) else ""


def _split_relative_path(relative: str) -> list[str] | None:
    parts = [p for p in relative.split("/") if p]
    if len(parts) < 4 or not parts[0].isdigit() or any(p in (".", "..") for p in parts):
        return None
    return parts


async def _find_file(files: FileStore, parts: list[str]) -> FileRecord | None:
    """The stored file a pluginfile path names: with an item id segment, or without one
    (areas such as a module's ``intro`` leave it out of URLs and store item 0)."""
    contextid, component, filearea, *rest = parts
    candidates: list[tuple[int, list[str]]] = []
    if len(rest) >= 2 and rest[0].isdigit():
        candidates.append((int(rest[0]), rest[1:]))
    candidates.append((0, rest))
    for itemid, tail in candidates:
        filepath = "/" + "".join(p + "/" for p in tail[:-1])
        found = await files.get_file(
            contextid=int(contextid),
            component=component,
            filearea=filearea,
            itemid=itemid,
            filepath=filepath,
            filename=tail[-1],
        )
        if found is not None:
            return found
    return None


async def handle_pluginfile(request: web.Request) -> web.StreamResponse:
    """``GET``/``HEAD /webservice/pluginfile.php/<ctx>/<component>/<area>/<item>/<path>`` or
    ``…/pluginfile.php?file=/<ctx>/…``, with ``token`` (§5.2)."""
    state = request.app[GatewayState.KEY]
    fs = request.app[FILE_SERVICES]
    try:
        identity = await authenticate_file_token(
            state.store, fs.roles, fs.sessions, request.query.get("token", ""), request.remote or ""
        )
        if not identity.service.downloadfiles:
            raise AccessException(
                "Web service file downloading must be enabled in external service settings"
            )
    except WSError as err:
        return fatal_error(err, show_debuginfo=state.show_debuginfo, status=_status(err))
    relative = _slash_arguments(request, "/webservice/pluginfile.php") or request.query.get(
        "file", ""
    )
    return await serve_file(request, fs, identity.user, relative)


async def handle_tokenpluginfile(request: web.Request) -> web.StreamResponse:
    """``/tokenpluginfile.php/<userprivateaccesskey>/<ctx>/…``: the key instead of a token
    (no web-service checks); the key may also come as ``?token=``."""
    state = request.app[GatewayState.KEY]
    fs = request.app[FILE_SERVICES]
    tail = _slash_arguments(request, "/tokenpluginfile.php")
    key = request.query.get("token", "")
    if not key:
        key, _, tail = tail.lstrip("/").partition("/")
    user = None
    if _PRIVATE_KEY.match(key):
        userid = await state.store.user_by_private_key(key)
        user = None if userid is None else await state.store.get_user(userid)
    if user is None or user.deleted or user.suspended or user.auth == "nologin":
        err = WSError("invalidkey", "Invalid key")
        return fatal_error(err, show_debuginfo=state.show_debuginfo, status=403)
    return await serve_file(request, fs, user, tail)


def _status(err: WSError) -> int:
    return 401 if err.errorcode == "invalidtoken" else max(http_status(err.errorcode), 400)


def _not_found() -> web.Response:
    return web.Response(status=404, text="File not found", headers=_CORS)


async def serve_file(
    request: web.Request, fs: FileServices, user: UserRecord, relative: str
) -> web.StreamResponse:
    """Check the user may read the named file, then stream it (whole or one range)."""
    parts = _split_relative_path(relative)
    if parts is None:
        return _not_found()
    context = await fs.contexts.get(int(parts[0]))
    if context is None:
        return _not_found()
    # Permission first: a forbidden area answers 403 whether or not the file exists.
    if not await may_read_file_area(
        fs.contexts, fs.roles, user, context, component=parts[1], filearea=parts[2]
    ):
        return web.Response(status=403, text="Forbidden", headers=_CORS)
    record = await _find_file(fs.files, parts)
    if (
        record is None
        or record.filename == "."
        or not fs.files.blob_path(record.contenthash).is_file()
    ):
        return _not_found()
    return await stream_record(request, fs.files, record)


def _content_disposition(filename: str, forcedownload: bool) -> str:
    kind = "attachment" if forcedownload else "inline"
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _parse_range(header: str, size: int) -> tuple[int, int] | Literal[False] | None:
    """(start, end exclusive) of a single byte range; None to serve it all (absent, several
    ranges or malformed: RFC 9110 lets a server ignore those); False if unsatisfiable."""
    match = _RANGE.match(header.strip())
    if not header or match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(size - length, 0), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if last and int(last) < start:
        return None
    if start >= size:
        return False
    return start, end


async def stream_record(
    request: web.Request, files: FileStore, record: FileRecord
) -> web.StreamResponse:
    size = record.filesize
    headers = {
        **_CORS,
        "Content-Type": record.mimetype or "application/octet-stream",
        "Content-Disposition": _content_disposition(
            record.filename, lenient_bool(request.query.get("forcedownload"), False)
        ),
        "Accept-Ranges": "bytes",
        "ETag": f'"{record.contenthash}"',
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    wanted = _parse_range(request.headers.get("Range", ""), size)
    if wanted is False:
        headers["Content-Range"] = f"bytes */{size}"
        return web.Response(status=416, headers=headers)
    start, end = (0, size) if wanted is None else wanted
    response = web.StreamResponse(status=200 if wanted is None else 206, headers=headers)
    if wanted is not None:
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    response.content_length = end - start
    response.last_modified = record.timemodified
    await response.prepare(request)
    if request.method != "HEAD":
        async for chunk in files.read_blob(record.contenthash, start, end):
            await response.write(chunk)
    await response.write_eof()
    return response
