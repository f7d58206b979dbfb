"""upload.php, pluginfile.php (both URL forms) and tokenpluginfile.php over HTTP (§5.1, §5.2)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from shared.constants import Names
from shared.store import Store, connect_redis
from tests.e2e.stack import Stack, login, rest

pytestmark = pytest.mark.e2e

MB = 1024 * 1024


async def token_of(http: aiohttp.ClientSession, stack: Stack, user: str = "student") -> str:
    password = {"student": "Student-2026!", "teacher": "Teacher-2026!"}[user]
    body = await login(http, stack, user, password)
    token: str = body["token"]
    return token


async def upload(
    http: aiohttp.ClientSession,
    stack: Stack,
    token: str,
    files: dict[str, Any],
    **query: str,
) -> Any:
    form = aiohttp.FormData()
    for name, content in files.items():
        form.add_field(f"file_{name}", content, filename=name)
    async with http.post(
        f"{stack.url}/webservice/upload.php", params={"token": token, **query}, data=form
    ) as resp:
        assert resp.status == 200
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        return await resp.json()


def draft_url(stack: Stack, entry: dict[str, Any]) -> str:
    return (
        f"{stack.url}/webservice/pluginfile.php/{entry['contextid']}/user/draft/"
        f"{entry['itemid']}{entry['filepath']}{entry['filename']}"
    )


async def with_store(stack: Stack) -> Store:
    return Store(
        connect_redis(stack.env.get("REDIS_URL", "redis://127.0.0.1:6379/0")),
        Names(stack.namespace),
    )


async def test_upload_then_download_in_both_url_forms(
    http: aiohttp.ClientSession, pstack: Stack
) -> None:
    token = await token_of(http, pstack)
    entries = await upload(http, pstack, token, {"hello.txt": b"Hello, files!"})
    assert len(entries) == 1
    entry = entries[0]
    assert {
        "component",
        "contextid",
        "userid",
        "filearea",
        "filename",
        "filepath",
        "itemid",
        "license",
        "author",
        "source",
    } <= set(entry)
    assert (entry["component"], entry["filearea"], entry["filepath"]) == ("user", "draft", "/")
    assert entry["filename"] == "hello.txt" and entry["itemid"] > 0
    assert entry["author"] == "Sam Student"
    assert entry["source"] == 'O:8:"stdClass":1:{s:6:"source";s:9:"hello.txt";}'

    async with http.get(draft_url(pstack, entry), params={"token": token}) as resp:
        assert resp.status == 200
        assert await resp.read() == b"Hello, files!"
        assert resp.headers["Content-Length"] == "13"
        assert resp.headers["Content-Type"].startswith("text/plain")
        assert resp.headers["Content-Disposition"].startswith("inline;")
        assert resp.headers["Accept-Ranges"] == "bytes"
    relative = f"/{entry['contextid']}/user/draft/{entry['itemid']}/hello.txt"
    async with http.get(
        f"{pstack.url}/webservice/pluginfile.php",
        params={"token": token, "file": relative, "forcedownload": "1"},
    ) as resp:
        assert resp.status == 200
        assert await resp.read() == b"Hello, files!"
        assert resp.headers["Content-Disposition"].startswith('attachment; filename="hello.txt"')
    # Clients whose base URL ends in "/" double the slash.
    doubled = draft_url(pstack, entry).replace("/webservice", "//webservice")
    async with http.head(doubled, params={"token": token}) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Length"] == "13"
        assert "hello.txt" in resp.headers["Content-Disposition"]
        assert await resp.read() == b""


async def test_second_upload_to_the_same_item_and_per_file_errors(
    http: aiohttp.ClientSession, pstack: Stack
) -> None:
    token = await token_of(http, pstack)
    first = (await upload(http, pstack, token, {"a.txt": b"a"}))[0]
    itemid = str(first["itemid"])
    entries = await upload(
        http, pstack, token, {"a.txt": b"again", "b.txt": b"bee"}, itemid=itemid, filepath="/sub"
    )
    assert entries[0]["filepath"] == "/sub/" and entries[0]["itemid"] == first["itemid"]
    entries = await upload(http, pstack, token, {"a.txt": b"dup", "c.txt": b"c"}, itemid=itemid)
    assert entries[0]["errortype"] == "filenameexist"
    assert entries[0]["error"] == "File name already exists: a.txt"
    assert entries[1]["filename"] == "c.txt" and "errortype" not in entries[1]
    async with http.get(draft_url(pstack, first), params={"token": token}) as resp:
        assert await resp.read() == b"a"  # the refused duplicate did not replace it
    sub = draft_url(pstack, {**first, "filepath": "/sub/"})
    async with http.get(sub, params={"token": token}) as resp:
        assert await resp.read() == b"again"


async def test_upload_refusals(http: aiohttp.ClientSession, pstack: Stack) -> None:
    token = await token_of(http, pstack)
    body = await upload(http, pstack, "0" * 32, {"x.txt": b"x"})
    assert body["errorcode"] == "invalidtoken"
    assert set(body) == {"error", "errorcode", "stacktrace", "debuginfo", "reproductionlink"}
    async with http.post(f"{pstack.url}/webservice/upload.php", params={"token": token}) as resp:
        assert (await resp.json())["errorcode"] == "nofile"
    # The token may come as a form field placed before the files.
    form = aiohttp.FormData()
    form.add_field("token", token)
    form.add_field("file", b"form token", filename="f.txt")
    async with http.post(f"{pstack.url}/webservice/upload.php", data=form) as resp:
        assert (await resp.json())[0]["filename"] == "f.txt"

    store = await with_store(pstack)
    try:
        await store.set_config("maxbytes", "10")
        entries = await upload(http, pstack, token, {"big.txt": b"x" * 11, "ok.txt": b"y" * 10})
        assert entries[0]["errortype"] == "fileoversized"
        assert entries[1]["filename"] == "ok.txt"
        await store.set_config("maxbytes", "0")
        await store.set_config("userquota", "100")
        body = await upload(http, pstack, token, {"q1.txt": b"x" * 60, "q2.txt": b"x" * 60})
        assert body["errorcode"] == "userquotalimit"
        await store.redis.hdel(store.names.config, "userquota", "maxbytes")

        service = await store.get_service_by_shortname("moodle_mobile_app")
        assert service is not None
        service.uploadfiles = False
        await store.save_service(service)
        try:
            body = await upload(http, pstack, token, {"x.txt": b"x"})
            assert body["errorcode"] == "accessexception"
            assert "upload must be enabled" in body["debuginfo"]
        finally:
            service.uploadfiles = True
            await store.save_service(service)
    finally:
        await store.redis.hdel(store.names.config, "userquota", "maxbytes")
        await store.redis.aclose()


async def test_download_statuses_and_permissions(
    http: aiohttp.ClientSession, pstack: Stack
) -> None:
    token = await token_of(http, pstack)
    entry = (await upload(http, pstack, token, {"secret.txt": b"mine"}))[0]
    url = draft_url(pstack, entry)
    async with http.get(url, params={"token": "f" * 32}) as resp:
        assert resp.status == 401
        assert (await resp.json())["errorcode"] == "invalidtoken"
    async with http.get(url) as resp:
        assert resp.status == 401
    teacher = await token_of(http, pstack, "teacher")
    async with http.get(url, params={"token": teacher}) as resp:
        assert resp.status == 403  # another user's draft area
    async with http.get(url.replace("secret.txt", "nope.txt"), params={"token": token}) as resp:
        assert resp.status == 404
    async with http.get(
        f"{pstack.url}/webservice/pluginfile.php/999999/user/draft/1/a.txt", params={"token": token}
    ) as resp:
        assert resp.status == 404
    async with http.get(
        f"{pstack.url}/webservice/pluginfile.php/x", params={"token": token}
    ) as resp:
        assert resp.status == 404

    store = await with_store(pstack)
    try:
        service = await store.get_service_by_shortname("moodle_mobile_app")
        assert service is not None
        service.downloadfiles = False
        await store.save_service(service)
        try:
            async with http.get(url, params={"token": token}) as resp:
                assert resp.status == 403
                assert "downloading must be enabled" in (await resp.json())["debuginfo"]
        finally:
            service.downloadfiles = True
            await store.save_service(service)
    finally:
        await store.redis.aclose()


async def test_ranges(http: aiohttp.ClientSession, pstack: Stack) -> None:
    token = await token_of(http, pstack)
    content = bytes(range(256)) * 4
    entry = (await upload(http, pstack, token, {"r.bin": content}))[0]
    url = draft_url(pstack, entry)
    cases = {
        "bytes=0-9": (0, 10),
        "bytes=1000-": (1000, 1024),
        "bytes=-24": (1000, 1024),
        "bytes=1020-5000": (1020, 1024),
    }
    for header, (start, end) in cases.items():
        async with http.get(url, params={"token": token}, headers={"Range": header}) as resp:
            assert resp.status == 206, header
            assert resp.headers["Content-Range"] == f"bytes {start}-{end - 1}/1024"
            assert resp.headers["Content-Length"] == str(end - start)
            assert await resp.read() == content[start:end]
    async with http.get(url, params={"token": token}, headers={"Range": "bytes=1024-"}) as resp:
        assert resp.status == 416
        assert resp.headers["Content-Range"] == "bytes */1024"
    async with http.get(url, params={"token": token}, headers={"Range": "bytes=0-1,5-6"}) as resp:
        assert resp.status == 200  # several ranges: the whole file
        assert await resp.read() == content


async def test_tokenpluginfile_with_the_private_access_key(
    http: aiohttp.ClientSession, pstack: Stack
) -> None:
    token = await token_of(http, pstack)
    info = await rest(http, pstack, "core_webservice_get_site_info", token)
    key = info["userprivateaccesskey"]
    entry = (await upload(http, pstack, token, {"k.txt": b"by key"}))[0]
    relative = f"{entry['contextid']}/user/draft/{entry['itemid']}/k.txt"
    async with http.get(f"{pstack.url}/tokenpluginfile.php/{key}/{relative}") as resp:
        assert resp.status == 200
        assert await resp.read() == b"by key"
    async with http.get(
        f"{pstack.url}/tokenpluginfile.php/{relative}", params={"token": key}
    ) as resp:
        assert resp.status == 200
    async with http.get(f"{pstack.url}/tokenpluginfile.php/{'a' * 32}/{relative}") as resp:
        assert resp.status == 403


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_large_upload_and_ranged_download_keep_gateway_memory_flat(
    http: aiohttp.ClientSession, pstack: Stack
) -> None:
    token = await token_of(http, pstack)
    pid = pstack.processes["gateway"].pid
    size = 100 * MB
    block = hashlib.sha256(b"seed").digest() * (MB // 32)  # 1 MiB, not all zeros
    expected = hashlib.sha256()
    for _ in range(size // MB):
        expected.update(block)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(size // MB):
            yield block

    before = rss_kib(pid)
    form = aiohttp.FormData()
    form.add_field("file", body(), filename="big.bin", content_type="application/octet-stream")
    async with http.post(
        f"{pstack.url}/webservice/upload.php", params={"token": token}, data=form
    ) as resp:
        entry = (await resp.json())[0]
    assert entry["filesize"] == size
    after_upload = rss_kib(pid)

    url = draft_url(pstack, entry)
    digest = hashlib.sha256()
    received = 0
    async with http.get(url, params={"token": token}) as resp:
        assert resp.headers["Content-Length"] == str(size)
        async for chunk in resp.content.iter_chunked(MB):
            digest.update(chunk)
            received += len(chunk)
    assert received == size and digest.hexdigest() == expected.hexdigest()
    # A resumed download: the second half only.
    half = hashlib.sha256()
    async with http.get(
        url, params={"token": token}, headers={"Range": f"bytes={size // 2}-"}
    ) as resp:
        assert resp.status == 206
        async for chunk in resp.content.iter_chunked(MB):
            half.update(chunk)
    tail = hashlib.sha256()
    for _ in range(size // MB // 2):
        tail.update(block)
    assert half.hexdigest() == tail.hexdigest()
    after_download = rss_kib(pid)
    assert after_upload - before < 40 * 1024, (before, after_upload)
    assert after_download - before < 40 * 1024, (before, after_download)
