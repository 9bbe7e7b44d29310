"""Where webhooks may go: public addresses only, unless the operator allows a private network.

A URL's host is read the way the C resolver reads it, so every spelling of an address counts:
`2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` are all 127.0.0.1, and an IPv6 address that
carries an IPv4 one (`::ffff:127.0.0.1`, `::127.0.0.1`, 6to4) is judged by the IPv4 address. A
name is resolved and every address it resolves to must pass. The check runs when an endpoint is
registered and again at connect time, where the address that passed is the one connected to
(`pin`), so a name that changes its answer in between (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from baton.config import Settings
from baton.errors import InvalidRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# host, port -> the addresses a connection could reach; socket.getaddrinfo by default.
Resolver = Callable[[str, int], Sequence[str]]
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_COMPATIBLE = ipaddress.IPv6Network("::/96")


class WebhookUrlForbidden(InvalidRequest):
    code = "webhook_url_forbidden"

    def __init__(self, message: str, *, reason: str, field: str | None = "url") -> None:
        super().__init__(message, field=field)
        self.reason = reason


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def literal_address(host: str) -> Address | None:
    """The address a host spells, in any notation the resolver accepts; None for a name."""
    bare = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if not bare or not all(c.isalnum() or c == "." for c in bare):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))  # decimal, hex, octal, short forms
    except OSError:
        return None


def _embedded(address: Address) -> Address:
    """The IPv4 address an IPv6 one carries (mapped, compatible, 6to4), else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _COMPATIBLE and int(address) > 1:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def refusal(address: Address) -> str | None:
    """Why a connection to `address` is refused (`loopback`, `private`, …), or None."""
    inner = _embedded(address)
    for kind, hit in (
        ("unspecified", inner.is_unspecified),
        ("loopback", inner.is_loopback),
        ("link-local", inner.is_link_local),
        ("multicast", inner.is_multicast),
        ("private", inner.is_private),
        ("reserved", inner.is_reserved or not inner.is_global),
    ):
        if hit:
            return kind
    return None


@dataclass(frozen=True)
class EgressGuard:
    """The check every webhook URL passes; `allow` lists the private networks that are fine.

    Args:
        allow: networks (`10.1.2.0/24`, `127.0.0.1/32`) let through although private, for
            on-premises receivers (`BATON_WEBHOOK_ALLOW_PRIVATE`).
        resolver: host, port -> addresses; the system's resolver by default.
        own_origins: `scheme://host:port` of Baton itself, never a receiver.
    """

    allow: tuple[Network, ...] = ()
    resolver: Resolver = system_resolver
    own_origins: frozenset[str] = frozenset()

    def allowed(self, address: Address) -> bool:
        inner = _embedded(address)
        return any(inner in net or address in net for net in self.allow)

    def pin(self, url: str) -> Address:
        """The one address to connect to for `url`; WebhookUrlForbidden if any is refused."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if f"{parts.scheme}://{host}:{port}" in self.own_origins:
            raise WebhookUrlForbidden("a webhook may not point at Baton itself", reason="baton")
        literal = literal_address(host)
        name = host.rstrip(".").lower()
        if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: always loopback
            literal = ipaddress.IPv4Address("127.0.0.1")
        if literal is not None:
            candidates: list[Address] = [literal]
        else:
            candidates = self._resolve(host, port)
        for address in candidates:
            reason = refusal(address)
            if reason is not None and not self.allowed(address):
                raise WebhookUrlForbidden(
                    f"{host!r} is a {reason} address; webhooks go to public addresses "
                    "(or networks listed in BATON_WEBHOOK_ALLOW_PRIVATE)",
                    reason=f"{reason} address",
                )
        return candidates[0]

    def check(self, url: str, *, unresolved_ok: bool = False) -> None:
        """Refuse `url` at registration; a name that does not resolve yet passes if allowed."""
        try:
            self.pin(url)
        except _Unresolved:
            if not unresolved_ok:
                raise

    def _resolve(self, host: str, port: int) -> list[Address]:
        try:
            found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in self.resolver(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise _Unresolved(f"{host!r} does not resolve", reason="unresolved") from exc
        if not found:
            raise _Unresolved(f"{host!r} does not resolve", reason="unresolved")
        return found


class _Unresolved(WebhookUrlForbidden):
    """The name has no address now: refused at connect time, tolerated at registration."""


def parse_networks(value: str) -> tuple[Network, ...]:
    """`BATON_WEBHOOK_ALLOW_PRIVATE`: comma-separated addresses or CIDR networks."""
    return tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in value.split(",") if p.strip()
    )


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"


def guard_from_settings(settings: Settings, resolver: Resolver = system_resolver) -> EgressGuard:
    """The guard for this deployment: its allow-list, and Baton's own public URL refused."""
    return EgressGuard(
        allow=parse_networks(settings.webhook_allow_private),
        resolver=resolver,
        own_origins=frozenset({origin_of(settings.public_url)}),
    )
