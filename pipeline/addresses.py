"""The hosts a crawl of a real site never reaches: this machine (loopback, ``localhost``) and
private, link-local and other non-public networks. Asking for one is how a hostile page (a
redirect, a start URL gone wrong) would turn the crawler against the machine it runs on or its
network, so such a request is refused before any connection (``spiders/middlewares.py``)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def address_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as an address stands for, in any form the resolver would accept
    (``127.1``, ``0x7f000001``, ``2130706433``, ``[::ffff:127.0.0.1]``); ``None`` for a name.
    Nothing is looked up."""
    text = host.strip("[]")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(text))  # the C library's lenient forms
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def private_address(host: str) -> str | None:
    """Why ``host`` is off limits to a real site's crawl, or ``None`` when it may be fetched. A name
    other than ``localhost`` passes here: it is judged by the address it resolved to."""
    name = host.strip("[]").rstrip(".").lower()
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return f"{host!r} names this machine"
    address = address_literal(name)
    if address is not None and not address.is_global:
        return f"{address} is a loopback, private, link-local or otherwise non-public address"
    return None


def on_domains(host: str, domains: Iterable[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or under one, as Scrapy's offsite rule has it."""
    host = host.lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def origin(url: str) -> tuple[str, int | None]:
    """(host, port) of a URL, the port as written."""
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port)
