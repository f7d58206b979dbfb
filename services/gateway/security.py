"""Wiring of the access layer for one gateway process: cache, invalidations, audit, limits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from services.gateway.access import Access
from services.gateway.catalog import Catalog
from services.gateway.invalidation import listen_invalidations
from services.gateway.ratelimit import RateLimiter
from services.gateway.settings import GatewaySettings
from services.gateway.tokencache import TokenCache
from shared.audit import AuditLog, EventPublisher
from shared.roles import RoleStore
from shared.store import Store

__all__ = ["open_access"]


@contextlib.asynccontextmanager
async def open_access(
    settings: GatewaySettings, store: Store, catalog: Catalog
) -> AsyncIterator[Access]:
    """The process's :class:`Access`, with its invalidation listener and audit flusher running."""
    roles = RoleStore(store.redis, store.names)
    cache = TokenCache(
        store, roles, ttl=settings.token_cache_ttl, max_entries=settings.token_cache_size
    )
    publisher = None
    if settings.audit_publish:
        publisher = EventPublisher(
            settings.amqp_url, store.names, connection_name=f"{settings.namespace}-gateway-events"
        )
        await publisher.connect()
    audit = AuditLog(
        store.redis, store.names, publisher=publisher, maxlen=settings.audit_maxlen, origin="ws"
    )
    audit.start()
    limiter = RateLimiter(
        store.redis,
        store.names,
        per_token=settings.ratelimit_token,
        per_address=settings.ratelimit_address,
        window=settings.ratelimit_window,
    )
    listener = asyncio.create_task(listen_invalidations(store, catalog, cache))
    try:
        yield Access(store, cache, audit=audit, limiter=limiter)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        await audit.close()
        if publisher is not None:
            await publisher.close()
