"""Customers' own media on real MongoDB: files served by the Twilio stand-in's media endpoint
(basic auth, then a redirect to its CDN), read with the knowledge extractors (OCR included), and
given to the scripted OpenAI stand-in as the customer's words; voice notes, videos and files too
large get a polite reply that says what the bot reads."""

from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from fpdf import FPDF

from services.ingest.channels import meta_messaging_payloads as meta_messaging
from services.ingest.channels import whatsapp_cloud_payloads as payloads
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received
from shared.answering.answerer import WEBHOOKS_ONLY_MAX_AGE, Answerer
from shared.answering.commerce_tools import CommerceTools
from shared.answering.model import ChatModel
from shared.channels import Channel
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.knowledge.retrieval import Retriever
from shared.mongo import Database
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.bot_settings import BotSettings, BotSettingsRepository, PrivacySettings
from shared.stores.directory import Store, TwilioAccount, save_store
from tests.standins import graph_api as meta
from tests.standins.graph_api import GraphApiStandIn
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.inbound import customer_says
from tests.support.responder import MEDIA_MAX_BYTES, responder_deps, through_twilio
from tests.support.stores import save_cloud_store, save_messaging_store

pytestmark = pytest.mark.slow

CUSTOMER = "+6281299887766"
POSTER = Path(__file__).resolve().parents[1] / "fixtures" / "sample_store" / "promo-gajian.png"


def invoice_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Invoice INV-2024-0042 total Rp 450000")
    return bytes(pdf.output())


@pytest.fixture
def media_settings(
    settings: Settings,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
    graph_api: GraphApiStandIn,
) -> Settings:
    return through_twilio(settings, twilio_api).updated(
        whatsapp_cloud={"graph_api_base_url": graph_api.url},
        llm={"api_key": "sk-test", "base_url": openai_api.base_url},
    )


def make_deps(
    db: Database, broker: KafkaBroker, settings: Settings, max_bytes: int = MEDIA_MAX_BYTES
) -> ResponderDeps:
    chat = ChatModel(settings)
    answerer = Answerer(Retriever(db, None), chat, CommerceTools(db, WEBHOOKS_ONLY_MAX_AGE))
    return responder_deps(db, broker, settings, answerer=answerer, media_max_bytes=max_bytes)


@pytest.fixture
def deps(db: Database, broker: KafkaBroker, media_settings: Settings) -> ResponderDeps:
    return make_deps(db, broker, media_settings)


async def stored(db: Database, message_id: str) -> dict[str, Any]:
    found = await db[MESSAGES].find_one({"_id": message_id})
    assert found is not None
    return found


async def test_a_photo_is_read_and_its_text_reaches_the_model_as_the_customers_words(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    url = twilio_api.add_media(POSTER.read_bytes(), "image/png")
    event = customer_says(store, CUSTOMER, "Promo ini masih berlaku?", (url, "image/png"))

    await on_message_received(event, deps)

    [request] = openai_api.requests
    words = request["messages"][-1]["content"]
    assert words.startswith("Promo ini masih berlaku?\n[photo text: PROMO GAJIAN")
    assert "GAJIAN20" in words
    assert len(twilio_api.media_downloads) == 1  # fetched through the redirect, once
    message = await stored(db, event.message_sid)
    [attachment] = message["media"]
    assert attachment["status"] == "read"
    assert attachment["detected_type"] == "image/png"
    assert "GAJIAN20" in attachment["media_text"]
    assert attachment["url"] == url
    reply = await stored(db, f"reply:{event.message_sid}")
    assert "GAJIAN20" in reply["text"]  # the stand-in echoes what it was given


async def test_a_store_that_keeps_no_media_keeps_the_text_and_deletes_the_photo_at_twilio(
    db: Database, store: Store, deps: ResponderDeps, twilio_api: TwilioStandIn
) -> None:
    no_media = BotSettings(privacy=PrivacySettings(keep_media=False))
    await BotSettingsRepository(db).save(store.id, no_media, 0)
    url = twilio_api.add_media(POSTER.read_bytes(), "image/png")
    event = customer_says(store, CUSTOMER, "Promo ini masih berlaku?", (url, "image/png"))

    await on_message_received(event, deps)

    [attachment] = (await stored(db, event.message_sid))["media"]
    assert "GAJIAN20" in attachment["media_text"]
    assert "url" not in attachment
    assert twilio_api.media_deletions == [url.rsplit("/", 1)[-1]]  # the file is gone at Twilio
    assert twilio_api.media == {}


async def test_a_store_that_keeps_media_leaves_the_file_at_twilio(
    db: Database, store: Store, deps: ResponderDeps, twilio_api: TwilioStandIn
) -> None:
    url = twilio_api.add_media(POSTER.read_bytes(), "image/png")
    event = customer_says(store, CUSTOMER, "Promo ini masih berlaku?", (url, "image/png"))

    await on_message_received(event, deps)

    assert twilio_api.media_deletions == []
    [attachment] = (await stored(db, event.message_sid))["media"]
    assert attachment["url"] == url


async def test_a_pdf_without_a_caption_is_the_whole_question(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    url = twilio_api.add_media(invoice_pdf(), "application/pdf")
    event = customer_says(store, CUSTOMER, "", (url, "application/pdf"))

    await on_message_received(event, deps)

    [request] = openai_api.requests
    assert request["messages"][-1]["content"] == (
        "[document text: Invoice INV-2024-0042 total Rp 450000]"
    )
    reply = await stored(db, f"reply:{event.message_sid}")
    assert reply.get("hand_over") is None


async def test_a_cloud_api_document_is_fetched_through_the_graph_api_with_the_stores_token(
    db: Database,
    media_settings: Settings,
    deps: ResponderDeps,
    graph_api: GraphApiStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    number = graph_api.add_number("+15550001234", "cloud-media-token", "cloud-media-secret")
    store = await save_cloud_store(
        db, media_settings, number.phone_number_id, "cloud-media-token", "cloud-media-secret"
    )
    media_id = graph_api.add_media(number, invoice_pdf(), "application/pdf")
    document = {"id": media_id, "mime_type": "application/pdf", "filename": "invoice.pdf"}
    payload = meta.message_payload(number, CUSTOMER, {"type": "document", "document": document})
    [value] = payloads.parse(graph_api.signed(number, payload)[0])
    event = payloads.message_received(value, value.messages[0], store)
    assert event is not None

    await on_message_received(event, deps)

    assert graph_api.media_downloads == [media_id]
    [request] = openai_api.requests
    assert request["messages"][-1]["content"] == (
        "[document text: Invoice INV-2024-0042 total Rp 450000]"
    )


async def test_an_instagram_file_is_fetched_from_metas_cdn_without_credentials_and_read(
    db: Database,
    media_settings: Settings,
    deps: ResponderDeps,
    graph_api: GraphApiStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    page = graph_api.add_page("instagram", "ig-media-token", "ig-media-secret")
    store = await save_messaging_store(
        db, media_settings, Channel.INSTAGRAM, page.account_id, "ig-media-token", "ig-media-secret"
    )
    url = graph_api.add_attachment(invoice_pdf(), "application/pdf")
    attached = {"attachments": [{"type": "file", "payload": {"url": url}}]}
    parsed = meta_messaging.parse(
        graph_api.signed(page, meta.customer_message(page, "671", attached))[0]
    )
    [entry] = parsed.entry
    event = meta_messaging.message_received(parsed.channel, entry, entry.messaging[0], store)
    assert event is not None

    await on_message_received(event, deps)

    [headers] = graph_api.attachment_requests
    assert "authorization" not in headers  # a public file: no store's secret goes with it
    [request] = openai_api.requests
    assert request["messages"][-1]["content"] == (
        "[document text: Invoice INV-2024-0042 total Rp 450000]"
    )


async def test_a_voice_note_alone_gets_a_polite_reply_without_the_model_and_a_person(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    url = twilio_api.add_media(b"OggS\x00fake-voice", "audio/ogg")
    event = customer_says(store, CUSTOMER, "", (url, "audio/ogg"))

    await on_message_received(event, deps)

    reply = await stored(db, f"reply:{event.message_sid}")
    assert reply["text"].startswith("Maaf, saya belum bisa mendengarkan pesan suara.")
    assert "foto" in reply["text"]
    assert "PDF" in reply["text"]
    assert reply["hand_over"] == "missing_knowledge"
    conversation = await db[CONVERSATIONS].find_one({"_id": event.conversation_id})
    assert conversation is not None
    assert conversation["owner"] == "human"
    assert openai_api.requests == []
    assert twilio_api.media_downloads == []  # never downloaded
    [attachment] = (await stored(db, event.message_sid))["media"]
    assert attachment["status"] == "unsupported"
    assert attachment["media_text"] is None


async def test_a_video_with_a_question_answers_the_question_and_says_what_it_reads(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    url = twilio_api.add_media(b"\x00\x00\x00\x18ftypmp42", "video/mp4")
    event = customer_says(store, CUSTOMER, "What are your opening hours?", (url, "video/mp4"))

    await on_message_received(event, deps)

    [request] = openai_api.requests
    assert request["messages"][-1]["content"] == "What are your opening hours?"
    reply = await stored(db, f"reply:{event.message_sid}")
    assert reply["text"].startswith("Terima kasih! Anda menulis: What are your opening hours?")
    assert reply["text"].endswith(
        "Sorry, I can't play videos yet. I can read text messages, photos (JPG, PNG, WEBP) "
        "and documents (PDF, Word, Excel)."
    )
    assert reply.get("hand_over") is None


async def test_a_file_over_the_limit_is_not_read_past_it(
    db: Database,
    broker: KafkaBroker,
    store: Store,
    media_settings: Settings,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    deps = make_deps(db, broker, media_settings, max_bytes=1024)
    url = twilio_api.add_media(POSTER.read_bytes(), "image/png")
    event = customer_says(store, CUSTOMER, "Please check this photo", (url, "image/png"))

    await on_message_received(event, deps)

    [attachment] = (await stored(db, event.message_sid))["media"]
    assert attachment["status"] == "too_large"
    reply = await stored(db, f"reply:{event.message_sid}")
    assert "Sorry, your file is too large for me to read (at most 1 MB)." in reply["text"]


async def test_a_stores_own_twilio_account_fetches_its_media(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    media_settings: Settings,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    own_sid, own_token = "AC" + "7" * 32, "the-store-s-own-token"
    twilio_api.add_account(own_sid, own_token)
    box = secret_box(media_settings)
    own = store.model_copy(
        update={"twilio": TwilioAccount(account_sid=own_sid, auth_token=box.encrypt(own_token))}
    )
    await save_store(db, own)
    url = twilio_api.add_media(invoice_pdf(), "application/pdf", account_sid=own_sid)
    event = customer_says(own, CUSTOMER, "Ini tagihan saya", (url, "application/pdf"))

    await on_message_received(event, deps)

    [attachment] = (await stored(db, event.message_sid))["media"]
    assert attachment["status"] == "read"  # the global account would get a 401


async def test_credentials_never_go_to_a_url_outside_twilios_api(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    media_url = twilio_api.add_media(POSTER.read_bytes(), "image/png")
    elsewhere = media_url.replace("127.0.0.1", "localhost")
    event = customer_says(store, CUSTOMER, "Cek foto ini", (elsewhere, "image/png"))

    await on_message_received(event, deps)

    [attachment] = (await stored(db, event.message_sid))["media"]
    assert attachment["status"] == "unreadable"
    assert twilio_api.media_downloads == []
    reply = await stored(db, f"reply:{event.message_sid}")
    assert reply["text"].endswith(
        "Maaf, file Anda tidak bisa saya buka. Saya bisa membaca pesan teks, foto (JPG, PNG, "
        "WEBP) dan dokumen (PDF, Word, Excel)."
    )
