"""The IP restriction matcher against Moodle's documented entry forms."""

from __future__ import annotations

import pytest

from shared.iprestriction import invalid_entries, ip_matches

CASES = [
    # full addresses
    ("192.168.1.5", "192.168.1.5", True),
    ("192.168.1.6", "192.168.1.5", False),
    ("192.168.1.5", " 10.0.0.1 , 192.168.1.5 ", True),
    # CIDR
    ("10.20.30.40", "10.0.0.0/8", True),
    ("11.0.0.1", "10.0.0.0/8", False),
    ("192.168.1.77", "192.168.1.64/26", True),
    ("192.168.1.128", "192.168.1.64/26", False),
    ("10.0.0.1", "10.0.0.0/33", False),
    # last-group ranges
    ("192.168.1.10", "192.168.1.10-20", True),
    ("192.168.1.15", "192.168.1.10-20", True),
    ("192.168.1.20", "192.168.1.10-20", True),
    ("192.168.1.21", "192.168.1.10-20", False),
    ("192.168.1.9", "192.168.1.10-20", False),
    ("192.168.2.15", "192.168.1.10-20", False),
    ("192.168.1.15", "192.168.1.10-192.168.1.20", True),
    ("192.168.1.15", "192.168.1.10-999", False),
    # prefixes end on a group boundary
    ("192.168.7.7", "192.168.", True),
    ("192.168.7.7", "192.168", True),
    ("192.168.1.200", "192.168.1", True),
    ("192.168.10.1", "192.168.1", False),
    ("192.168.10.1", "192.168.1.", False),
    ("193.168.1.1", "192.168.", False),
    ("10.1.1.1", "10.", True),
    # IPv6
    ("2001:db8::1", "2001:db8::1", True),
    ("2001:0db8:0000::0001", "2001:db8::1", True),
    ("2001:db8::2", "2001:db8::1", False),
    ("2001:db8:1::5", "2001:db8::/32", True),
    ("2001:db9::5", "2001:db8::/32", False),
    ("2001:db8::10", "2001:db8::1-ff", True),
    ("2001:db8::100", "2001:db8::1-ff", False),
    ("2001:db8:5::1", "2001:db8", True),
    ("2001:db8:5::1", "2001:db8:", True),
    ("2001:db80::1", "2001:db8", False),
    # families never mix; IPv4-mapped IPv6 counts as IPv4
    ("2001:db8::1", "10.0.0.0/8", False),
    ("10.0.0.1", "::/0", False),
    ("::ffff:10.0.0.1", "10.0.0.0/8", True),
    # garbage never matches
    ("10.0.0.1", "", False),
    ("10.0.0.1", "not-an-ip", False),
    ("10.0.0.1", "10.0.0.x", False),
    ("nonsense", "10.0.0.0/8", False),
    ("", "0.0.0.0/0", False),
]


@pytest.mark.parametrize(("remote", "restriction", "expected"), CASES)
def test_ip_matches(remote: str, restriction: str, expected: bool) -> None:
    assert ip_matches(remote, restriction) is expected


def test_invalid_entries_names_the_typos() -> None:
    good = "10.0.0.0/8, 192.168.1.10-20, 192.168., 2001:db8::1, 2001:db8, 172.16.0.1"
    assert invalid_entries(good) == []
    assert invalid_entries("10.0.0.0/8, 10.0.0.x, 1.2.3.4-999, ,hello") == [
        "10.0.0.x",
        "1.2.3.4-999",
        "hello",
    ]
