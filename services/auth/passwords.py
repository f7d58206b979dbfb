"""Password hashing with argon2id, off the event loop.

Hashing is memory-hard on purpose, so each call runs in a worker thread
(:func:`asyncio.to_thread`); the event loop keeps serving other requests meanwhile. The cost
parameters come from settings: production keeps argon2-cffi's RFC 9106 low-memory profile,
tests lower them.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Protocol

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["HashCost", "Passwords"]

_PROFILE = argon2.profiles.RFC_9106_LOW_MEMORY


class HashCost(Protocol):
    """The settings fields that size the hash (every service settings Struct that hashes)."""

    argon2_time_cost: int
    argon2_memory_cost: int
    argon2_parallelism: int


#: Defaults for the settings fields above (argon2-cffi's RFC 9106 low-memory profile).
DEFAULT_TIME_COST = _PROFILE.time_cost
DEFAULT_MEMORY_COST = _PROFILE.memory_cost
DEFAULT_PARALLELISM = _PROFILE.parallelism


class Passwords:
    """Hashes and verifies passwords; one instance per process."""

    def __init__(self, cost: HashCost) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=cost.argon2_time_cost,
            memory_cost=cost.argon2_memory_cost,
            parallelism=cost.argon2_parallelism,
        )
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored: str, password: str) -> bool:
        """Whether ``password`` matches the hash ``stored``.

        An empty or malformed ``stored`` (an account that cannot log in with a password) is
        verified against a dummy hash instead, so the answer takes as long as a real one and
        response times do not reveal which usernames exist.
        """
        if not stored:
            await self._verify(await self._dummy_hash(), password)
            return False
        try:
            return await self._verify(stored, password)
        except InvalidHashError:
            await self._verify(await self._dummy_hash(), password)
            return False

    async def verify_missing_user(self, password: str) -> None:
        """Spend the time a real verification takes (the user does not exist)."""
        await self._verify(await self._dummy_hash(), password)

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` was made with other cost parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True

    async def _verify(self, stored: str, password: str) -> bool:
        return await asyncio.to_thread(self._verify_sync, stored, password)

    def _verify_sync(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except VerificationError:  # includes VerifyMismatchError
            return False

    async def _dummy_hash(self) -> str:
        # Made lazily with the current parameters so its cost equals a real user's hash.
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        return self._dummy
