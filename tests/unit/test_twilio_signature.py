"""ingest's own check of X-Twilio-Signature agrees with the Twilio SDK's validator, on random
forms and URLs (repeated names, empty and non-ASCII values, ports, query strings)."""

import random
import string
from collections.abc import Iterator

from twilio.request_validator import RequestValidator

from services.ingest import twilio_signature

ALPHABET = string.ascii_letters + string.digits + " +:/?&=%_-.éß中😀"
URLS = [
    "https://balas.example/webhooks/twilio/whatsapp",
    "https://balas.example:443/webhooks/twilio/whatsapp",
    "https://balas.example:8443/webhooks/twilio/status?x=1&y=2",
    "http://127.0.0.1:8000/webhooks/twilio/whatsapp",
    "http://localhost/webhooks/twilio/whatsapp?bodySHA=no",
]


def text(draw: random.Random, longest: int) -> str:
    return "".join(draw.choice(ALPHABET) for _ in range(draw.randint(0, longest)))


def random_fields(draw: random.Random) -> list[tuple[str, str]]:
    names = [text(draw, 12) or "Body" for _ in range(draw.randint(1, 12))]
    count = draw.randint(0, len(names) + 4)  # some names repeat, some forms are empty
    return [(draw.choice(names), text(draw, 40)) for _ in range(count)]


class MultiDict:
    """Repeated names as Starlette's form hands them to the SDK (its `getlist`)."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self.fields = fields

    def __iter__(self) -> Iterator[str]:
        return iter(name for name, _ in self.fields)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]


def test_a_signature_the_sdk_computes_is_accepted_on_random_forms() -> None:
    draw = random.Random(16)
    for _ in range(500):
        token, url, fields = text(draw, 32) or "t", draw.choice(URLS), random_fields(draw)
        signed = RequestValidator(token).compute_signature(url, MultiDict(fields))

        assert twilio_signature.matches(token, [url], fields, signed)
        assert (
            twilio_signature.signature(token, url, twilio_signature.signed_fields(fields)) == signed
        )


def test_both_checks_agree_on_random_signatures_urls_and_tampering() -> None:
    draw = random.Random(6)
    for _ in range(500):
        token, url, fields = text(draw, 32) or "t", draw.choice(URLS), random_fields(draw)
        signed_url = draw.choice(URLS)
        signed = RequestValidator(token).compute_signature(signed_url, MultiDict(fields))
        if draw.random() < 0.3 and fields:  # a field changed in transit
            name, value = fields[0]
            fields = [(name, value + "x"), *fields[1:]]
        sent = signed if draw.random() < 0.8 else text(draw, 28)

        ours = twilio_signature.matches(token, [url], fields, sent)
        sdk = RequestValidator(token).validate(url, MultiDict(fields), sent)

        assert ours == sdk, (token, url, signed_url, fields, sent)


def test_a_url_signed_with_or_without_its_default_port_is_accepted() -> None:
    fields = [("Body", "Halo"), ("From", "whatsapp:+6281234567890")]
    for signed_url, checked_url in [
        ("https://balas.example/w", "https://balas.example:443/w"),
        ("https://balas.example:443/w", "https://balas.example/w"),
    ]:
        signed = RequestValidator("token").compute_signature(signed_url, dict(fields))
        assert twilio_signature.matches("token", [checked_url], fields, signed)


def test_a_signature_made_with_another_token_is_refused() -> None:
    url, fields = URLS[0], [("Body", "Halo")]
    signed = RequestValidator("someone else").compute_signature(url, dict(fields))

    assert not twilio_signature.matches("token", [url], fields, signed)
