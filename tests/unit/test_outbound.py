"""Store URLs Balas calls must be plain base URLs on public addresses (issue: server-side request
forgery through a shop's WooCommerce URL)."""

import pytest

from shared.outbound import ForbiddenUrl, check_public_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost",
        "http://10.1.2.3",
        "https://192.168.0.10/shop",
        "http://172.16.5.4",
        "http://169.254.169.254",  # cloud metadata
        "http://100.64.0.1",  # carrier-grade NAT
        "http://[::1]:27017",
        "http://[::ffff:127.0.0.1]",
        "http://0.0.0.0",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(ForbiddenUrl, match="private or local address"):
        check_public_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://admin:pw@93.184.215.14", "user name or password"),
        ("https://93.184.215.14/?rest_route=/x", "without \\? or #"),
        ("https://93.184.215.14/#x", "without \\? or #"),
        ("ftp://93.184.215.14", "base URL"),
        ("toko.example", "base URL"),
    ],
)
def test_only_plain_base_urls_are_taken(url: str, reason: str) -> None:
    with pytest.raises(ForbiddenUrl, match=reason):
        check_public_url(url, allow_private=True)


def test_a_public_address_passes() -> None:
    check_public_url("https://93.184.215.14/shop")


def test_development_may_allow_private_addresses() -> None:
    check_public_url("http://127.0.0.1:8080", allow_private=True)


def test_a_name_that_does_not_resolve_is_refused_with_a_reason() -> None:
    with pytest.raises(ForbiddenUrl, match="does not resolve"):
        check_public_url("https://no-such-shop.invalid")
