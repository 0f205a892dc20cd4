"""Twilio's webhook signature (X-Twilio-Signature), checked without the SDK's validator.

Twilio signs a webhook with HMAC-SHA1, keyed by the account's auth token, over the URL it
called followed by every form field's name and value, names in sorted order (the values of a
repeated name sorted too, each distinct value once), and sends the digest in base64. It may
have signed the URL with or without the scheme's default port, so both forms are accepted.
The SDK's validator parses the URL and rebuilds the fields' string for each form of each URL;
here the fields' string is built once per request and only the HMACs repeat.
"""

import base64
import hmac
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def signed_fields(fields: Iterable[tuple[str, str]]) -> str:
    """The fields as Twilio appends them to the URL it signs: sorting the distinct (name, value)
    pairs orders names, then a repeated name's values."""
    return "".join(name + value for name, value in sorted(set(fields)))


def signature(token: str, url: str, fields: str) -> str:
    digest = hmac.digest(token.encode(), (url + fields).encode(), "sha1")  # one C call
    return base64.b64encode(digest).decode()


@lru_cache(maxsize=256)
def port_forms(url: str) -> tuple[str, str]:
    """`url` without its port and with the scheme's default one (or its own, if it has one)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
    return (
        parts._replace(netloc=host).geturl(),
        parts._replace(netloc=f"{host}:{port}").geturl(),
    )


def matches(token: str, urls: Iterable[str], fields: Iterable[tuple[str, str]], sent: str) -> bool:
    """Whether `sent` signs the fields posted to one of `urls` (with or without its port)."""
    signed = signed_fields(fields)
    expected = sent.encode()
    return any(
        hmac.compare_digest(signature(token, form, signed).encode(), expected)
        for url in urls
        for form in port_forms(url)
    )
