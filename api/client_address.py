"""The client's address behind trusted proxies: the right-most X-Forwarded-For hop that is not one
of TRUSTED_PROXIES. Anything a client writes in the header to the left of that is ignored, so a
forged header cannot pick the address the sign-in throttle counts."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from core.settings import Network


def _trusted(host: str, networks: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(host.strip())
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_host(peer: str, forwarded_for: str, networks: Sequence[Network]) -> str:
    """The peer when it is not a trusted proxy; else the right-most untrusted hop it forwards."""
    host = peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while _trusted(host, networks) and hops:
        host = hops.pop()
    return host


class ForwardedFor:
    """Sets scope["client"] (and the scheme) from the headers of trusted proxies only."""

    def __init__(self, app: ASGIApp, networks: Sequence[Network]) -> None:
        self.app, self.networks = app, list(networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.networks and scope.get("client"):
            peer, port = scope["client"]
            if _trusted(peer, self.networks):
                headers = Headers(scope=scope)
                host = client_host(peer, headers.get("x-forwarded-for", ""), self.networks)
                scope = {**scope, "client": (host[:64], port)}
                proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = proto if scope["type"] == "http" else f"ws{proto[4:]}"
        await self.app(scope, receive, send)
