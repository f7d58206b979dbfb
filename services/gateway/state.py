"""The gateway's per-process state, shared by handlers through one typed app key."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

import aiohttp
from aiohttp import web

from services.gateway.catalog import Catalog
from services.gateway.dispatch import Dispatcher
from services.gateway.forms import FormError, FormLimits, decode_pairs, decode_query
from services.gateway.rpc import RpcClient
from services.gateway.settings import GatewaySettings
from shared.store import Store

__all__ = ["GatewayState", "read_body", "request_params"]


@dataclass
class GatewayState:
    KEY: ClassVar[web.AppKey[GatewayState]]

    settings: GatewaySettings
    store: Store
    catalog: Catalog
    rpc: RpcClient
    dispatcher: Dispatcher
    http: aiohttp.ClientSession
    form_limits: FormLimits

    @property
    def show_debuginfo(self) -> bool:
        return self.settings.debug != "none"

    @property
    def developer(self) -> bool:
        return self.settings.debug == "developer"


GatewayState.KEY = web.AppKey("gateway_state", GatewayState)


async def read_body(request: web.Request, state: GatewayState) -> bytes:
    """The request body, bounded in size (``client_max_size``) and in time: a client that
    trickles its body cannot hold a handler forever."""
    if request.content.is_eof():
        # Already received in full (small bodies come with the headers): nothing to wait
        # for, so no timer to arm and cancel.
        return await request.read()
    try:
        async with asyncio.timeout(state.settings.body_timeout):
            return await request.read()
    except TimeoutError:
        raise FormError(
            f"Request body not received within {state.settings.body_timeout:g} s"
        ) from None


async def request_params(request: web.Request, state: GatewayState) -> dict[str, Any]:
    """``array_merge($_GET, $_POST)``: query and form body decoded, the body winning."""
    limits = state.form_limits
    merged = decode_query(request.rel_url.raw_query_string, limits)
    if request.method != "POST" or not request.body_exists:
        return merged
    ctype = request.content_type
    try:
        if ctype == "application/x-www-form-urlencoded":
            body = decode_query(await read_body(request, state), limits)
        elif ctype == "multipart/form-data":
            fields = await _multipart_fields(request, limits, state.settings.max_body)
            body = decode_pairs(fields, limits)
        else:
            return merged  # Moodle ignores JSON and other bodies on REST
    except web.HTTPRequestEntityTooLarge:
        raise FormError(f"Request body larger than {state.settings.max_body} bytes") from None
    except (ValueError, aiohttp.ClientError) as exc:
        raise FormError(f"Malformed request body: {exc}") from None
    merged.update(body)
    return merged


async def _multipart_fields(
    request: web.Request, limits: FormLimits, max_body: int
) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    total = 0
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        # Streaming bypasses client_max_size, so the body is bounded here, chunk by chunk.
        chunks = []
        while chunk := await part.read_chunk():
            total += len(chunk)
            if total > max_body:
                raise web.HTTPRequestEntityTooLarge(max_size=max_body, actual_size=total)
            chunks.append(chunk)
        if part.filename is not None:
            continue  # files belong to upload.php, not to function arguments
        try:
            fields.append((part.name, b"".join(chunks).decode("utf-8")))
        except UnicodeDecodeError:
            raise FormError("Invalid UTF-8 in form data") from None
        if len(fields) > limits.max_fields:
            raise FormError(f"Too many form fields (more than {limits.max_fields})")
    return fields
