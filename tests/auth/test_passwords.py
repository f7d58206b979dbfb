"""argon2id hashing off the event loop."""

from __future__ import annotations

from services.auth.passwords import Passwords
from services.auth.settings import AuthSettings


async def test_hash_and_verify(auth_settings: AuthSettings) -> None:
    passwords = Passwords(auth_settings)
    stored = await passwords.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert await passwords.verify(stored, "correct horse")
    assert not await passwords.verify(stored, "correct horse ")
    assert not passwords.needs_rehash(stored)


async def test_unusable_hashes_never_verify(auth_settings: AuthSettings) -> None:
    passwords = Passwords(auth_settings)
    assert not await passwords.verify("", "")
    assert not await passwords.verify("not-a-hash", "not-a-hash")
    await passwords.verify_missing_user("anything")  # takes time, raises nothing


async def test_rehash_needed_when_cost_changes(auth_settings: AuthSettings) -> None:
    import msgspec  # noqa: PLC0415

    cheap = await Passwords(auth_settings).hash("pw")
    stronger = Passwords(msgspec.structs.replace(auth_settings, argon2_time_cost=2))
    assert stronger.needs_rehash(cheap)
    assert await stronger.verify(cheap, "pw")  # old hashes keep working
