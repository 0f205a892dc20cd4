"""How the inbox shows messages (author, tick, failure reason) and picks the UI language."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.requests import Request

from services.console.conversations import window_open
from services.console.delivery import (
    FAILURE_KINDS,
    NOT_SENT_REASONS,
    REFUSED,
    UNKNOWN,
    WHATSAPP_ERROR,
    WHATSAPP_ERRORS,
    Failure,
)
from services.console.i18n import Lang, catalogue, request_lang, t
from services.console.pages.inbox_views import kind_of, list_time, message_view, tick_of, waited
from shared.phones import display_number

AT = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)  # 14:30 in Jakarta


@pytest.mark.parametrize(
    ("message", "tick"),
    [
        ({"state": "sending"}, ("pending", None)),
        ({"state": "sent", "delivery_status": "queued"}, ("pending", None)),
        ({"state": "sent", "delivery_status": "sent"}, ("sent", None)),
        ({"state": "sent", "delivery_status": "delivered"}, ("delivered", None)),
        ({"state": "sent", "delivery_status": "read"}, ("read", None)),
        (
            {"state": "sent", "delivery_status": "undelivered", "delivery_error_code": "30003"},
            ("undelivered", Failure("undelivered", "unreachable", 30003)),
        ),
        (
            {"state": "sent", "delivery_status": "failed", "delivery_error_code": "12345"},
            ("undelivered", Failure("undelivered", "whatsapp_error", 12345)),
        ),
        (
            {"state": "sent", "delivery_status": "failed"},
            ("undelivered", Failure("undelivered", "unknown")),
        ),
        (
            {"state": "not_sent", "not_sent_reason": "outside_24h_window"},
            ("not_sent", Failure("not_sent", "outside_24h_window")),
        ),
        (
            {"state": "not_sent", "not_sent_reason": "HTTP 400 error: Unable to create record"},
            ("not_sent", Failure("not_sent", "refused")),
        ),
    ],
)
def test_ticks(message: dict[str, object], tick: tuple[str, Failure | None]) -> None:
    assert tick_of(message) == tick


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_failure_has_words_in_both_languages(lang: Lang) -> None:
    """Each kind and reason a failure can carry is a sentence of the catalogue, never a code."""
    reasons = {*NOT_SENT_REASONS, REFUSED, *WHATSAPP_ERRORS.values(), WHATSAPP_ERROR, UNKNOWN}
    keys = [f"delivery.{kind}" for kind in FAILURE_KINDS]
    keys += [f"delivery.reason.{reason}" for reason in reasons]
    for key in keys:
        assert key in catalogue(lang)
        assert "_" not in t(key, lang, code=63999)


def test_authors_and_notes() -> None:
    assert kind_of({"direction": "inbound", "author": "customer"}) == "customer"
    assert kind_of({"direction": "outbound", "author": "bot"}) == "bot"
    assert kind_of({"direction": "outbound", "author": "agent"}) == "agent"
    assert kind_of({"direction": "internal", "author": "agent"}) == "note"
    note = message_view(
        {
            "_id": "note:1",
            "direction": "internal",
            "author": "agent",
            "agent_id": "u1",
            "text": "cek gudang",
            "created_at": AT,
        },
        {"u1": "Sari"},
    )
    assert (note.kind, note.author_name, note.tick) == ("note", "Sari", None)


def test_citations_are_shown_on_bot_answers_only() -> None:
    cited = [{"kind": "passage", "ref": "d:1:0", "filename": "faq.pdf", "snippet": "..."}]
    bot = {
        "_id": "r",
        "direction": "outbound",
        "author": "bot",
        "created_at": AT,
        "citations": cited,
        "state": "sent",
        "delivery_status": "read",
    }
    assert message_view(bot, {}).citations == cited
    assert message_view({**bot, "author": "agent"}, {}).citations == []


def test_product_photos_sent_with_a_reply_are_shown_when_their_address_is_https() -> None:
    photo = "https://toko.example/wp-content/uploads/batik-parang.jpg"
    reply = {"_id": "r", "direction": "outbound", "author": "bot", "created_at": AT}
    shown = message_view({**reply, "media_urls": [photo, "javascript:alert(1)"]}, {})
    assert shown.photos == [photo]
    assert message_view(reply, {}).photos == []


def test_times_in_the_store_timezone() -> None:
    now = AT + timedelta(hours=1)
    assert list_time(AT, now, "Asia/Jakarta", "id") == "14:30"
    assert list_time(AT - timedelta(days=1), now, "Asia/Jakarta", "id") == "kemarin"
    assert list_time(AT - timedelta(days=1), now, "Asia/Jakarta", "en") == "yesterday"
    assert list_time(AT - timedelta(days=5), now, "Asia/Jakarta", "en") == "23/11"


def test_window_and_masked_number() -> None:
    assert window_open(AT, AT + timedelta(hours=23))
    assert not window_open(AT, AT + timedelta(hours=24))
    assert not window_open(None, AT)
    assert display_number("+6281234567890") == "+62 812 •••• 7890"


def test_catalogues_have_the_same_keys() -> None:
    locales = Path(__file__).parents[2] / "services" / "console" / "locales"
    indonesian = json.loads((locales / "id.json").read_text())
    english = json.loads((locales / "en.json").read_text())
    assert set(indonesian) == set(english)
    assert t("inbox.count", "en", count=3) == "3 conversations"
    assert t("no.such.key", "en") == "no.such.key"


def request(cookie: str = "", accept: str = "") -> Request:
    headers = [(b"cookie", cookie.encode()), (b"accept-language", accept.encode())]
    return Request({"type": "http", "headers": headers})


def test_language_from_cookie_then_browser_then_indonesian() -> None:
    assert request_lang(request()) == "id"
    assert request_lang(request(accept="en-US,en;q=0.9")) == "en"
    assert request_lang(request(accept="fr-FR,en;q=0.5")) == "en"
    assert request_lang(request(cookie="balas_lang=id", accept="en-US")) == "id"
    assert request_lang(request(cookie="balas_lang=xx", accept="de")) == "id"


@pytest.mark.parametrize(
    ("minutes", "en", "indonesian"),
    [(4, "4 min", "4 mnt"), (125, "2 h 5 min", "2 j 5 mnt"), (3 * 24 * 60 + 7, "3 d", "3 hr")],
)
def test_waiting_times_are_short_and_in_the_ui_language(
    minutes: int, en: str, indonesian: str
) -> None:
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    since = now - timedelta(minutes=minutes, seconds=30)
    assert waited(since, now, "en") == en
    assert waited(since, now, "id") == indonesian
