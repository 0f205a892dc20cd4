"""Requests to addresses an admin typed (a shop's WooCommerce URL): public addresses only.

A store owner can type any URL, and Balas then calls it with its own network position: without
a check, that is a way to reach internal services (metadata endpoints, the database, the admin
ports). So the URL must be a plain base URL (no credentials, query or fragment) whose host
resolves only to global addresses, checked again before every call (a name can change what it
resolves to). Private, loopback and link-local addresses are allowed only by ALLOW_PRIVATE_URLS,
for development against a shop on the same machine or network.
"""

import ipaddress
import socket
from urllib.parse import urlsplit


class ForbiddenUrl(ValueError):
    """The URL may not be called; the message says why, in words fit for an admin."""


def check_url_shape(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ForbiddenUrl("must be the shop's base URL, like https://toko.example")
    if parts.username or parts.password:
        raise ForbiddenUrl("must not carry a user name or password")
    if parts.query or parts.fragment:
        raise ForbiddenUrl("must be the shop's base URL, without ? or #")


def check_public_url(url: str, allow_private: bool = False) -> None:
    """Raises ForbiddenUrl unless `url` is a base URL whose host resolves to public addresses."""
    check_url_shape(url)
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        found = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ForbiddenUrl(f"the name {host} does not resolve: is the address right?") from None
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        if not (mapped or ip).is_global:
            raise ForbiddenUrl(
                f"{host} is a private or local address; Balas only calls shops on the internet"
            )
