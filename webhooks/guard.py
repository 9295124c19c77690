"""Where webhooks may go: http(s) URLs whose every address is public, unless allowed otherwise.

Checked at registration and again at each delivery after DNS resolution; the delivery then
connects to the address that was checked, so a name cannot resolve to a public address for the
check and to a private one for the connection.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import Invalid
from webhooks.models import MAX_URL_CHARS

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DNS_TIMEOUT_S = 5.0
"""Longest wait for a name to resolve (getaddrinfo has no deadline of its own)."""
_resolver = ThreadPoolExecutor(4, "webhook-dns")


class RefusedDestination(Exception):
    """The URL is malformed, does not resolve, or resolves to an address we do not send to."""


@dataclass(frozen=True)
class Destination:
    """A checked URL: where to connect, and what to send as Host and TLS server name."""

    scheme: str
    host: str
    port: int
    target: str
    """The path and query, as the request line carries them."""
    address: str


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(url: str, *, allow_private: bool) -> Destination:
    """The URL's checked destination; RefusedDestination says why there is none."""
    if len(url) > MAX_URL_CHARS:
        raise RefusedDestination(f"the URL is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise RefusedDestination(f"the URL is not valid ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedDestination("the URL must start with https:// (or http://) and name a host")
    if parts.username or parts.password:
        raise RefusedDestination("the URL must not carry a user name or password")
    lookup = _resolver.submit(socket.getaddrinfo, parts.hostname, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=DNS_TIMEOUT_S)
    except TimeoutError:
        raise RefusedDestination(
            f"the host {parts.hostname} did not resolve within {DNS_TIMEOUT_S:g} s"
        ) from None
    except (OSError, UnicodeError, ValueError):
        raise RefusedDestination(f"the host {parts.hostname} could not be resolved") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    refused = [a for a in addresses if not _public(a)]
    if refused and not allow_private:
        raise RefusedDestination(
            f"{parts.hostname} is a private, loopback or link-local address ({refused[0]}); "
            "webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE)"
        )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(parts.scheme, parts.hostname, port, target, str(addresses[0]))


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL, stripped, if webhooks may go there; Invalid (a 4xx) otherwise."""
    url = url.strip()
    try:
        resolve(url, allow_private=allow_private)
    except RefusedDestination as exc:
        raise Invalid(str(exc), field="url") from None
    return url
