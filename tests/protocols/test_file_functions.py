"""The file functions over REST: draft area to private files, listing, info, deleting drafts."""

from __future__ import annotations

import aiohttp
import pytest

from tests.e2e.stack import Stack, rest
from tests.protocols.test_files import draft_url, token_of, upload, with_store

pytestmark = pytest.mark.e2e


async def test_draft_to_private_files_and_back_out(
    http: aiohttp.ClientSession, pstack: Stack
) -> None:
    token = await token_of(http, pstack, "teacher")
    entries = await upload(http, pstack, token, {"one.txt": b"1", "two.txt": b"22"})
    itemid = entries[0]["itemid"]
    contextid = entries[0]["contextid"]
    await upload(http, pstack, token, {"deep.txt": b"333"}, itemid=str(itemid), filepath="/dir/")

    listing = await rest(
        http,
        pstack,
        "core_files_get_files",
        token,
        contextid=contextid,
        component="user",
        filearea="draft",
        itemid=itemid,
        filepath="/",
        filename="",
    )
    names = [(f["filepath"], f["filename"], f["isdir"]) for f in listing["files"]]
    assert names == [("/dir/", ".", True), ("/", "one.txt", False), ("/", "two.txt", False)]
    one = listing["files"][1]
    assert one["url"] == draft_url(pstack, entries[0]) and one["filesize"] == 1
    assert listing["parents"] == []

    result = await rest(http, pstack, "core_user_add_user_private_files", token, draftid=itemid)
    assert result is None
    info = await rest(http, pstack, "core_user_get_private_files_info", token)
    assert info == {
        "filecount": 3,
        "foldercount": 1,
        "filesize": 6,
        "filesizewithoutreferences": 6,
        "warnings": [],
    }
    private = await rest(
        http,
        pstack,
        "core_files_get_files",
        token,
        contextid=contextid,
        component="user",
        filearea="private",
        itemid=0,
        filepath="/dir/",
        filename="",
    )
    assert [f["filename"] for f in private["files"]] == ["deep.txt"]
    assert private["parents"][0]["filepath"] == "/"
    async with http.get(private["files"][0]["url"], params={"token": token}) as resp:
        assert await resp.read() == b"333"

    deleted = await rest(
        http,
        pstack,
        "core_files_delete_draft_files",
        token,
        draftitemid=itemid,
        **{
            "files[0][filepath]": "/",
            "files[0][filename]": "one.txt",
            "files[1][filepath]": "/dir/",
            "files[1][filename]": ".",
        },
    )
    assert deleted == {"parentpaths": ["/"], "warnings": []}
    listing = await rest(
        http,
        pstack,
        "core_files_get_files",
        token,
        contextid=contextid,
        component="user",
        filearea="draft",
        itemid=itemid,
        filepath="/",
        filename="",
    )
    assert [f["filename"] for f in listing["files"]] == ["two.txt"]
    # The private copies share the blobs and outlive the draft.
    async with http.get(private["files"][0]["url"], params={"token": token}) as resp:
        assert resp.status == 200


async def test_private_files_quota_and_other_users(
    http: aiohttp.ClientSession, pstack: Stack
) -> None:
    token = await token_of(http, pstack)
    entry = (await upload(http, pstack, token, {"q.txt": b"x" * 50}))[0]
    store = await with_store(pstack)
    try:
        await store.set_config("userquota", "20")
        body = await rest(
            http, pstack, "core_user_add_user_private_files", token, draftid=entry["itemid"]
        )
        assert body["errorcode"] == "userquotalimit"
    finally:
        await store.redis.hdel(store.names.config, "userquota")
        await store.redis.aclose()
    teacher = await token_of(http, pstack, "teacher")
    body = await rest(
        http,
        pstack,
        "core_files_get_files",
        teacher,
        contextid=entry["contextid"],
        component="user",
        filearea="draft",
        itemid=entry["itemid"],
        filepath="/",
        filename="",
    )
    assert body["errorcode"] == "nopermissions"
    body = await rest(
        http, pstack, "core_user_get_private_files_info", teacher, userid=entry["userid"]
    )
    assert body["errorcode"] == "nopermissions"
