"""The invalidation listener: applies ``kind:ident`` messages from Redis pub/sub.

Writers publish on ``Names.invalidations`` (see ``Store.invalidate``); each gateway process
subscribes once. Catalog messages mark the compiled catalog stale; the others drop entries of
the access cache. When the subscription is lost, messages may have been missed, so everything
is dropped on (re)subscribing.
"""

from __future__ import annotations

import asyncio
import logging

from services.gateway.catalog import Catalog
from services.gateway.tokencache import TokenCache
from shared.store import Store

__all__ = ["listen_invalidations"]

log = logging.getLogger(__name__)


def apply_invalidation(data: bytes, catalog: Catalog, cache: TokenCache) -> None:
    kind, _, ident = data.partition(b":")
    if kind == b"catalog":
        catalog.invalidate()
    else:
        cache.invalidate(kind.decode(errors="replace"), ident.decode(errors="replace"))


async def listen_invalidations(store: Store, catalog: Catalog, cache: TokenCache) -> None:
    """Run until cancelled; reconnects (and forgets every cached entry) if Redis drops."""
    channel = store.names.invalidations
    while True:
        try:
            pubsub = store.redis.pubsub()
            await pubsub.subscribe(channel)
            # Anything may have changed while we were not listening.
            catalog.invalidate()
            cache.clear()
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    apply_invalidation(bytes(message["data"]), catalog, cache)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("invalidation listener lost Redis (%r); retrying", exc)
            cache.clear()
            await asyncio.sleep(1)
