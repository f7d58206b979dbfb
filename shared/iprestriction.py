"""Moodle's IP restriction lists (``iprestriction`` on tokens and authorised users).

A restriction is a comma-separated list; an address matches when any entry matches it:

* a full address: ``192.168.1.5``, ``2001:db8::1``;
* a CIDR block: ``10.0.0.0/8``, ``2001:db8::/32``;
* a range of the last group: ``192.168.1.10-20``, ``2001:db8::1-ff`` (a full upper address,
  ``192.168.1.10-192.168.1.20``, is accepted too);
* a prefix ending on a group boundary: ``192.168.`` or ``192.168.1`` (``192.168.1`` does not
  match ``192.168.10.1``), ``2001:db8`` for IPv6.

Entries that cannot be parsed never match (Moodle skips them too); :func:`invalid_entries`
lets administrative tools reject such typos before they are stored. IPv4-mapped IPv6 addresses
(``::ffff:10.0.0.1``) are compared as IPv4, as a dual-stack socket reports them that way.
"""

from __future__ import annotations

import ipaddress

__all__ = ["forwarded_client", "invalid_entries", "ip_matches"]

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_address(text: str) -> _Address | None:
    try:
        addr = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _groups(addr: _Address) -> list[int]:
    if isinstance(addr, ipaddress.IPv4Address):
        return list(addr.packed)
    packed = addr.packed
    return [int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2)]


def _match_cidr(addr: _Address, entry: str) -> bool | None:
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None
    return addr.version == network.version and addr in network


def _match_range(addr: _Address, entry: str) -> bool | None:
    low_text, _, high_text = entry.partition("-")
    low = _parse_address(low_text)
    if low is None:
        return None
    high = _parse_address(high_text)
    if high is None:
        # Moodle's form: only the last group's upper bound follows the dash.
        try:
            bound = int(high_text.strip(), 16 if low.version == 6 else 10)
        except ValueError:
            return None
        limit = 0xFFFF if low.version == 6 else 0xFF
        if not 0 <= bound <= limit:
            return None
        high_groups = [*_groups(low)[:-1], bound]
    else:
        if high.version != low.version:
            return None
        high_groups = _groups(high)
    if addr.version != low.version:
        return False
    return _groups(low) <= _groups(addr) <= high_groups


def _match_prefix(addr: _Address, entry: str) -> bool | None:
    full = _parse_address(entry)
    if full is not None:
        return addr == full
    if ":" in entry:
        parts = entry.rstrip(":").split(":")
        if "" in parts or len(parts) > 8:
            return None
        try:
            wanted = [int(p, 16) for p in parts]
        except ValueError:
            return None
        if any(not 0 <= g <= 0xFFFF for g in wanted):
            return None
        return addr.version == 6 and _groups(addr)[: len(wanted)] == wanted
    parts = entry.rstrip(".").split(".")
    if "" in parts or len(parts) > 3 or not all(p.isdigit() for p in parts):
        return None
    wanted = [int(p) for p in parts]
    if any(g > 255 for g in wanted):
        return None
    return addr.version == 4 and _groups(addr)[: len(wanted)] == wanted


def _match_entry(addr: _Address, entry: str) -> bool | None:
    """True/False for a well-formed entry, None for one that cannot be parsed."""
    if "/" in entry:
        return _match_cidr(addr, entry)
    if "-" in entry:
        return _match_range(addr, entry)
    return _match_prefix(addr, entry)


def _entries(restriction: str) -> list[str]:
    return [e.strip() for e in restriction.split(",") if e.strip()]


def ip_matches(remote: str, restriction: str) -> bool:
    """Whether address ``remote`` is allowed by the comma-separated ``restriction``.

    An empty restriction allows nobody; callers treat "no restriction" before calling.
    """
    addr = _parse_address(remote)
    if addr is None:
        return False
    return any(_match_entry(addr, entry) for entry in _entries(restriction))


def invalid_entries(restriction: str) -> list[str]:
    """The entries of ``restriction`` that can never match anything (typos)."""
    probe_v4 = ipaddress.IPv4Address(0)
    probe_v6 = ipaddress.IPv6Address(0)
    return [
        entry
        for entry in _entries(restriction)
        if _match_entry(probe_v4, entry) is None and _match_entry(probe_v6, entry) is None
    ]


def forwarded_client(peer: str, forwarded_for: list[str], trusted_proxies: str) -> str:
    """The client's address behind our own proxies.

    ``X-Forwarded-For`` is believed only when the connection comes from ``trusted_proxies``;
    then the right-most hop that is not one of those proxies is the first address nobody
    trustworthy can have forged. Anyone else could forge the header to pass IP restrictions.
    """
    if not trusted_proxies or not ip_matches(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    return next(
        (h for h in reversed(hops) if not ip_matches(h, trusted_proxies)), hops[0] if hops else peer
    )
