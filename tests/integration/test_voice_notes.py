"""Customers' voice notes on real MongoDB: real speech (espeak-ng, OGG/Opus) served by the Twilio
stand-in, transcribed by the OpenAI-compatible stand-in, which checks the multipart request; the
offline engine answers the transcript from the store's knowledge. Without an endpoint the voice
note is handed over as before (tests/integration/test_customer_media.py)."""

from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY

from services.enricher.knowledge import on_knowledge_document_changed
from services.ingest.channels import whatsapp_cloud_payloads as payloads
from services.responder.adapters.transcription import TranscriptionDown
from services.responder.deps import ResponderDeps
from services.responder.handlers import on_message_received
from shared.answering.answerer import Answerer
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import HandOverReason
from shared.knowledge.library import Incoming, InMemory, KnowledgeLibrary, document_event
from shared.knowledge.retrieval import Retriever
from shared.mongo import Database
from shared.outages import dependency_down
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins import graph_api as meta
from tests.standins.graph_api import GraphApiStandIn
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.inbound import customer_says
from tests.support.responder import MEDIA_MAX_BYTES, responder_deps, through_twilio
from tests.support.speech import voice_note
from tests.support.stores import save_cloud_store

pytestmark = pytest.mark.slow

CUSTOMER = "+6281299887711"
SHIPPING = (
    "Ongkos kirim ke Surabaya Rp 15.000, sampai dalam 2-3 hari kerja.\n\n"
    "Shipping to Surabaya costs Rp 15.000 and takes 2-3 working days."
)
ASKED_ID = "Berapa ongkos kirim ke Surabaya?"
ASKED_EN = "How much is shipping to Surabaya?"


@pytest.fixture
def voice_settings(
    settings: Settings,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
    graph_api: GraphApiStandIn,
) -> Settings:
    """Twilio and a transcription endpoint; no chat model: the offline engine answers."""
    return through_twilio(settings, twilio_api).updated(
        whatsapp_cloud={"graph_api_base_url": graph_api.url},
        transcription={"base_url": openai_api.base_url, "timeout_seconds": 5.0},
    )


def make_deps(db: Database, broker: KafkaBroker, settings: Settings) -> ResponderDeps:
    offline = Answerer(Retriever(db, None), None, None)
    return responder_deps(db, broker, settings, answerer=offline, media_max_bytes=MEDIA_MAX_BYTES)


async def knows_shipping(db: Database, library: KnowledgeLibrary, store: Store) -> None:
    document = Incoming("ongkir.txt", InMemory(SHIPPING.encode()))
    (added,) = await library.add(store.id, [document])
    await on_knowledge_document_changed(document_event(added, "upload"), db, None)


@pytest.fixture
async def deps(
    db: Database,
    broker: KafkaBroker,
    voice_settings: Settings,
    store: Store,
    library: KnowledgeLibrary,
) -> ResponderDeps:
    await knows_shipping(db, library, store)
    return make_deps(db, broker, voice_settings)


def voice_notes(status: str) -> float:
    """The responder's count of voice notes with `status` so far (its metric)."""
    return REGISTRY.get_sample_value("balas_voice_notes_total", {"status": status}) or 0.0


async def stored(db: Database, message_id: str) -> dict[str, Any]:
    found = await db[MESSAGES].find_one({"_id": message_id})
    assert found is not None
    return found


async def owner(db: Database, conversation_id: str) -> str:
    conversation = await db[CONVERSATIONS].find_one({"_id": conversation_id})
    assert conversation is not None
    return str(conversation["owner"])


async def test_an_indonesian_voice_note_is_transcribed_stored_and_answered_from_knowledge(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    audio = voice_note(ASKED_ID, "id")
    openai_api.hears(audio, ASKED_ID)
    event = customer_says(
        store, CUSTOMER, "", (twilio_api.add_media(audio, "audio/ogg"), "audio/ogg")
    )
    transcribed = voice_notes("read")

    await on_message_received(event, deps)

    [request] = openai_api.transcription_requests
    assert request["audio"] == audio  # the bytes Twilio served, as OGG/Opus
    assert (request["model"], request["language"]) == ("whisper-1", "id")
    assert request["filename"].endswith(".ogg")
    [attachment] = (await stored(db, event.message_sid))["media"]
    assert (attachment["status"], attachment["media_text"]) == ("read", ASKED_ID)
    reply = await stored(db, f"reply:{event.message_sid}")
    assert "15.000" in reply["text"]
    assert "ongkir.txt" in {citation["filename"] for citation in reply["citations"]}
    assert reply["hand_over"] is None
    assert voice_notes("read") == transcribed + 1
    assert openai_api.requests == []  # offline: no chat model


async def test_an_english_conversation_hints_english_and_is_answered_in_english(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    await on_message_received(
        customer_says(store, CUSTOMER, "How long does shipping to Surabaya take?"), deps
    )
    audio = voice_note(ASKED_EN, "en")
    openai_api.hears(audio, ASKED_EN)
    event = customer_says(
        store, CUSTOMER, "", (twilio_api.add_media(audio, "audio/ogg"), "audio/ogg")
    )

    await on_message_received(event, deps)

    [request] = openai_api.transcription_requests
    assert request["language"] == "en"
    reply = await stored(db, f"reply:{event.message_sid}")
    assert "15.000" in reply["text"]
    assert reply["hand_over"] is None


async def test_a_voice_note_to_a_person_is_transcribed_for_them_and_the_bot_stays_silent(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    audio = voice_note(ASKED_ID, "id")
    openai_api.hears(audio, ASKED_ID)
    event = customer_says(
        store, CUSTOMER, "", (twilio_api.add_media(audio, "audio/ogg"), "audio/ogg")
    )
    await deps.conversations.record_inbound(customer_says(store, CUSTOMER, "Mau bicara admin"))
    await deps.conversations.hand_over(
        event.conversation_id, store.id, HandOverReason.CUSTOMER_REQUEST, event.occurred_at
    )

    await on_message_received(event, deps)

    [attachment] = (await stored(db, event.message_sid))["media"]
    assert (attachment["status"], attachment["media_text"]) == ("read", ASKED_ID)
    assert await db[MESSAGES].find_one({"_id": f"reply:{event.message_sid}"}) is None
    assert twilio_api.sent_to(CUSTOMER) == []


async def test_a_voice_note_with_no_words_heard_is_handed_over_with_the_reason(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    audio = voice_note("hmm", "id")  # registered with no transcript: the endpoint hears nothing
    event = customer_says(
        store, CUSTOMER, "", (twilio_api.add_media(audio, "audio/ogg"), "audio/ogg")
    )
    unheard = voice_notes("not_transcribed")

    await on_message_received(event, deps)

    reply = await stored(db, f"reply:{event.message_sid}")
    assert reply["text"].startswith("Maaf, pesan suara Anda tidak bisa saya dengarkan")
    assert reply["hand_over"] == "tool_failure"
    assert voice_notes("not_transcribed") == unheard + 1
    assert await owner(db, event.conversation_id) == "human"
    [attachment] = (await stored(db, event.message_sid))["media"]
    assert (attachment["status"], attachment["media_text"]) == ("not_transcribed", None)


async def test_a_transcription_that_times_out_is_handed_over(
    db: Database,
    broker: KafkaBroker,
    store: Store,
    deps: ResponderDeps,
    voice_settings: Settings,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    impatient = make_deps(
        db, broker, voice_settings.updated(transcription={"timeout_seconds": 0.2})
    )
    openai_api.transcription_latency_seconds = 3.0
    audio = voice_note(ASKED_ID, "id")
    openai_api.hears(audio, ASKED_ID)
    event = customer_says(
        store, CUSTOMER, "", (twilio_api.add_media(audio, "audio/ogg"), "audio/ogg")
    )

    await on_message_received(event, impatient)

    reply = await stored(db, f"reply:{event.message_sid}")
    assert reply["hand_over"] == "tool_failure"
    assert "pesan suara" in reply["text"]


async def test_an_endpoint_that_is_down_pauses_the_message_and_it_is_answered_once_back(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    audio = voice_note(ASKED_ID, "id")
    openai_api.hears(audio, ASKED_ID)
    event = customer_says(
        store, CUSTOMER, "", (twilio_api.add_media(audio, "audio/ogg"), "audio/ogg")
    )
    openai_api.fail_next_transcriptions(1, status=503)

    with pytest.raises(TranscriptionDown) as raised:
        await on_message_received(event, deps)

    assert dependency_down(raised.value) == "transcription"  # waited out, not dead-lettered
    assert await db[MESSAGES].find_one({"_id": f"reply:{event.message_sid}"}) is None
    await on_message_received(event, deps)  # the consumer's next try
    reply = await stored(db, f"reply:{event.message_sid}")
    assert "15.000" in reply["text"]


async def test_an_amr_recording_gets_a_clear_answer_without_a_download(
    db: Database,
    store: Store,
    deps: ResponderDeps,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    url = twilio_api.add_media(b"#!AMR\n\x3c", "audio/amr")
    event = customer_says(store, CUSTOMER, "", (url, "audio/amr"))

    await on_message_received(event, deps)

    reply = await stored(db, f"reply:{event.message_sid}")
    assert reply["text"].startswith("Maaf, saya belum bisa mendengarkan format audio ini")
    assert twilio_api.media_downloads == []
    assert openai_api.transcription_requests == []


async def test_a_voice_note_longer_than_the_limit_is_not_sent_to_the_endpoint(
    db: Database,
    broker: KafkaBroker,
    store: Store,
    deps: ResponderDeps,
    voice_settings: Settings,
    twilio_api: TwilioStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    short = make_deps(db, broker, voice_settings.updated(transcription={"max_seconds": 1}))
    audio = voice_note(ASKED_ID, "id")  # close to three seconds
    event = customer_says(
        store, CUSTOMER, "", (twilio_api.add_media(audio, "audio/ogg"), "audio/ogg")
    )

    await on_message_received(event, short)

    reply = await stored(db, f"reply:{event.message_sid}")
    assert reply["text"].startswith("Maaf, pesan suara Anda terlalu panjang")
    assert openai_api.transcription_requests == []
    [attachment] = (await stored(db, event.message_sid))["media"]
    assert attachment["status"] == "too_long"


async def test_a_cloud_api_voice_note_is_fetched_with_the_stores_token_and_answered(
    db: Database,
    voice_settings: Settings,
    deps: ResponderDeps,
    library: KnowledgeLibrary,
    graph_api: GraphApiStandIn,
    openai_api: OpenAIStandIn,
) -> None:
    number = graph_api.add_number("+15550004321", "cloud-voice-token", "cloud-voice-secret")
    store = await save_cloud_store(
        db, voice_settings, number.phone_number_id, "cloud-voice-token", "cloud-voice-secret"
    )
    await knows_shipping(db, library, store)
    audio = voice_note(ASKED_ID, "id")
    openai_api.hears(audio, ASKED_ID)
    media_id = graph_api.add_media(number, audio, "audio/ogg; codecs=opus")
    voice = {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": True}
    payload = meta.message_payload(number, CUSTOMER, {"type": "audio", "audio": voice})
    [value] = payloads.parse(graph_api.signed(number, payload)[0])
    event = payloads.message_received(value, value.messages[0], store)
    assert event is not None

    await on_message_received(event, deps)

    assert graph_api.media_downloads == [media_id]
    [request] = openai_api.transcription_requests
    assert request["audio"] == audio
    reply = await stored(db, f"reply:{event.message_sid}")
    assert "15.000" in reply["text"]
    [attachment] = (await stored(db, event.message_sid))["media"]
    assert attachment["id"] == media_id  # what the console plays it by
