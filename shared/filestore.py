"""The file store: content-addressed blobs on disk, file records in Redis.

Blobs live under ``WS_FILES_DIR`` as ``<sha256[:2]>/<sha256[2:4]>/<sha256>``: identical
content is stored once, and a blob is written to a temporary name and renamed, so a reader
never sees half a file. The directory is shared by gateway and workers (a compose volume).

A file record is Moodle's: (contextid, component, filearea, itemid, filepath, filename) plus
size, mime type, author, licence and times. Records are indexed per area so listing an area
never scans the keyspace. Streaming in and out keeps memory flat for large files.

Disk writes happen on the event loop in 256 KiB chunks: local-disk writes of that size are
short, and a thread hop per chunk would cost more than it saves.

Keys: ``{ns}:file:<id>`` (JSON record), ``{ns}:filearea:<ctx>:<component>:<area>:<itemid>``
(hash ``<filepath><filename>`` -> id), ``{ns}:blobrefs`` (hash sha256 -> reference count).
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import redis.asyncio as aioredis

from shared.constants import Names

__all__ = ["DRAFT_ITEMID_MAX", "FileRecord", "FileStore"]

CHUNK = 256 * 1024
#: Draft item ids are random in 1..this (Moodle's file_get_unused_draft_itemid range).
DRAFT_ITEMID_MAX = 999_999_999
#: How long an allocated, still empty draft item id stays reserved (Moodle purges drafts after
#: four days).
DRAFT_CLAIM_TTL = 4 * 24 * 3600


class FileRecord(msgspec.Struct, omit_defaults=True):
    id: int
    contextid: int
    component: str
    filearea: str
    itemid: int
    filepath: str
    filename: str
    contenthash: str
    filesize: int
    mimetype: str = "application/octet-stream"
    userid: int = 0
    author: str = ""
    license: str = "unknown"
    source: str = ""
    sortorder: int = 0
    timecreated: int = 0
    timemodified: int = 0

    @property
    def pathname(self) -> str:
        area = f"/{self.contextid}/{self.component}/{self.filearea}/{self.itemid}"
        return f"{area}{self.filepath}{self.filename}"


_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(FileRecord)


def guess_mimetype(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


class FileStore:
    def __init__(self, redis: aioredis.Redis, names: Names, root: Path) -> None:
        self.redis = redis
        self.names = names
        self.root = root

    # --- blobs ---------------------------------------------------------------------------------
    def blob_path(self, contenthash: str) -> Path:
        return self.root / contenthash[:2] / contenthash[2:4] / contenthash

    async def put_blob(
        self, chunks: AsyncIterator[bytes], *, max_size: int = -1
    ) -> tuple[str, int]:
        """Store a stream; returns (sha256, size). ``max_size`` >= 0 bounds it (ValueError)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmpname = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if 0 <= max_size < size:
                        raise ValueError(f"file larger than {max_size} bytes")
                    digest.update(chunk)
                    out.write(chunk)
            contenthash = digest.hexdigest()
            final = self.blob_path(contenthash)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmpname, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmpname)
            raise
        return contenthash, size

    async def put_bytes(self, data: bytes) -> tuple[str, int]:
        async def one() -> AsyncIterator[bytes]:
            yield data

        return await self.put_blob(one())

    async def read_blob(
        self, contenthash: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """Bytes ``start`` to ``end`` (exclusive) of a blob, in chunks."""
        path = self.blob_path(contenthash)
        with path.open("rb") as handle:
            handle.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                chunk = handle.read(CHUNK if remaining is None else min(CHUNK, remaining))
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    async def discard_blob(self, contenthash: str) -> None:
        """Remove a blob that no file record references (an upload that was refused)."""
        if not await self.redis.hexists(self.names.key("blobrefs"), contenthash):
            self.blob_path(contenthash).unlink(missing_ok=True)

    async def new_draft_itemid(self, user_contextid: int) -> int:
        """An unused draft item id in the user's context, reserved for this caller."""
        while True:
            itemid = secrets.randbelow(DRAFT_ITEMID_MAX) + 1
            claim = self.names.key("draftclaim", user_contextid, itemid)
            if not await self.redis.set(claim, 1, nx=True, ex=DRAFT_CLAIM_TTL):
                continue
            if not await self.redis.exists(self._area(user_contextid, "user", "draft", itemid)):
                return itemid

    async def area_size(self, contextid: int, component: str, filearea: str, itemid: int) -> int:
        """Total bytes of the files in an area (directories count zero)."""
        return sum(f.filesize for f in await self.list_area(contextid, component, filearea, itemid))

    # --- records -------------------------------------------------------------------------------
    def _area(self, contextid: int, component: str, filearea: str, itemid: int) -> str:
        return self.names.key("filearea", contextid, component, filearea, itemid)

    async def add_file(self, record: FileRecord) -> FileRecord:
        """Record a file whose blob is stored; replaces a file of the same path and name."""
        record.id = int(await self.redis.hincrby(self.names.ids, "file", 1))
        now = int(time.time())
        record.timecreated = record.timecreated or now
        record.timemodified = record.timemodified or now
        area = self._area(record.contextid, record.component, record.filearea, record.itemid)
        previous = await self.redis.hget(area, record.filepath + record.filename)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.names.key("file", record.id), _enc.encode(record))
            pipe.hset(area, record.filepath + record.filename, record.id)
            pipe.hincrby(self.names.key("blobrefs"), record.contenthash, 1)
            await pipe.execute()
        if previous is not None:
            old = await self.get_file_by_id(int(previous))
            if old is not None:
                await self._forget(old)
        return record

    async def get_file_by_id(self, fileid: int) -> FileRecord | None:
        raw = await self.redis.get(self.names.key("file", fileid))
        return None if raw is None else _dec.decode(raw)

    async def get_file(
        self,
        *,
        contextid: int,
        component: str,
        filearea: str,
        itemid: int,
        filepath: str,
        filename: str,
    ) -> FileRecord | None:
        fileid = await self.redis.hget(
            self._area(contextid, component, filearea, itemid), filepath + filename
        )
        return None if fileid is None else await self.get_file_by_id(int(fileid))

    async def list_area(
        self, contextid: int, component: str, filearea: str, itemid: int
    ) -> list[FileRecord]:
        ids = await self.redis.hvals(self._area(contextid, component, filearea, itemid))
        files = [await self.get_file_by_id(int(i)) for i in ids]
        return sorted(
            (f for f in files if f is not None), key=lambda f: (f.sortorder, f.filepath, f.filename)
        )

    async def delete_file(self, record: FileRecord) -> None:
        area = self._area(record.contextid, record.component, record.filearea, record.itemid)
        await self.redis.hdel(area, record.filepath + record.filename)
        await self._forget(record)

    async def _forget(self, record: FileRecord) -> None:
        await self.redis.delete(self.names.key("file", record.id))
        refs = int(await self.redis.hincrby(self.names.key("blobrefs"), record.contenthash, -1))
        if refs <= 0:
            # Unreferenced: remove the blob (a later upload of the same content rewrites it).
            await self.redis.hdel(self.names.key("blobrefs"), record.contenthash)
            self.blob_path(record.contenthash).unlink(missing_ok=True)
