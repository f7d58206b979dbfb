"""Token values, derived so that Redis never holds a usable token.

A token record stores a random ``nonce`` and ``sha256(token)``. The value itself is
``HMAC-SHA256(site secret, nonce)`` cut to Moodle's format (32 lowercase hex characters), so:

* the gateway finds a token by hashing what the client sent (no secret needed);
* auth, which holds the secret, can hand out an existing token again (Moodle reuses tokens);
* a Redis dump without the secret yields no token.

The private token (64 alphanumerics in Moodle) is derived the same way with another label.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

__all__ = ["derive_private_token", "derive_token", "hash_token", "new_nonce"]

_ALNUM = string.ascii_letters + string.digits


def new_nonce() -> str:
    return secrets.token_hex(16)


def derive_token(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), b"token:" + nonce.encode(), hashlib.sha256).hexdigest()[:32]


def derive_private_token(secret: str, nonce: str) -> str:
    digest = hmac.new(secret.encode(), b"private:" + nonce.encode(), hashlib.sha512).digest()
    # 64 bytes -> 64 characters; the modulo bias of 256 % 62 is irrelevant at 64 * ~5.95 bits.
    return "".join(_ALNUM[b % len(_ALNUM)] for b in digest)


def hash_token(token: str) -> str:
    """The lookup key of a token. Plain SHA-256 is enough: tokens carry 128 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()
