from collections.abc import Callable
from datetime import timedelta

from services.responder.repository import Reply, ReplyState
from services.responder.service import reply_sent
from shared.answering.draft import WHATSAPP_MAX_CHARS, fit_for_whatsapp
from shared.events import Author, Citation, HandOverReason
from tests.support.events import MORNING

MakeReply = Callable[..., Reply]
T0 = MORNING  # the customer message of `make_reply`'s record


# -- fit_for_whatsapp ------------------------------------------------------------------------


def test_a_short_reply_is_kept_as_it_is_without_surrounding_space() -> None:
    assert fit_for_whatsapp("  Ready kak, silakan order 🙏 \n") == "Ready kak, silakan order 🙏"


def test_a_reply_of_exactly_the_limit_is_not_cut() -> None:
    text = "a" * WHATSAPP_MAX_CHARS

    assert fit_for_whatsapp(text) == text


def test_a_long_reply_is_cut_at_a_word_and_marked_with_an_ellipsis() -> None:
    words = [f"kata{index}" for index in range(600)]
    text = " ".join(words)

    fitted = fit_for_whatsapp(text)

    assert len(fitted) <= WHATSAPP_MAX_CHARS
    assert fitted.endswith("…")
    kept = fitted.removesuffix("…")
    assert kept.split(" ") == words[: len(kept.split(" "))]  # whole words only
    assert text.startswith(kept + " ")


def test_a_long_reply_keeps_its_whole_sentences_and_leaves_out_the_one_that_does_not_fit() -> None:
    sentence = "Kirim ke Jl. Sudirman No. 5 dikenai ongkir Rp. 20.000 dan tiba 2-3 hari kerja. "
    text = sentence * 40

    fitted = fit_for_whatsapp(text)

    assert len(fitted) <= WHATSAPP_MAX_CHARS
    assert fitted == (sentence * (len(fitted) // len(sentence) + 1)).strip()
    assert fitted.endswith("hari kerja.")
    assert len(fitted) > WHATSAPP_MAX_CHARS - len(sentence)


def test_a_long_reply_without_spaces_is_cut_at_the_limit() -> None:
    fitted = fit_for_whatsapp("x" * 5000)

    assert len(fitted) == WHATSAPP_MAX_CHARS
    assert fitted == "x" * (WHATSAPP_MAX_CHARS - 1) + "…"


def test_a_cut_reply_does_not_end_in_space_before_the_ellipsis() -> None:
    text = "kata " * 318 + "          " + "y" * 2000

    fitted = fit_for_whatsapp(text)

    assert not fitted.removesuffix("…").endswith(" ")
    assert len(fitted) <= WHATSAPP_MAX_CHARS


# -- reply_sent -------------------------------------------------------------------------------


def test_a_sent_reply_becomes_a_sent_event_with_its_response_time(make_reply: MakeReply) -> None:
    reply = make_reply(customer_message_at=T0, finished_at=T0 + timedelta(seconds=7.5))

    event = reply_sent(reply)

    assert event.sent is True
    assert event.twilio_sid == reply.twilio_sid
    assert event.not_sent_reason is None
    assert event.response_seconds == 7.5
    assert event.occurred_at == reply.finished_at
    assert event.customer_message_at == T0
    assert event.message_id == reply.id
    assert event.in_reply_to == reply.in_reply_to
    assert event.conversation_id == reply.conversation_id
    assert event.author is Author.BOT
    assert event.first_response is True


def test_a_reply_that_could_not_go_out_becomes_a_not_sent_event(make_reply: MakeReply) -> None:
    reply = make_reply(
        state=ReplyState.NOT_SENT,
        twilio_sid=None,
        not_sent_reason="twilio_not_configured",
        hand_over=HandOverReason.TOOL_FAILURE,
    )

    event = reply_sent(reply)

    assert event.sent is False
    assert event.not_sent_reason == "twilio_not_configured"
    assert event.hand_over is HandOverReason.TOOL_FAILURE


def test_the_same_reply_always_gives_the_same_event(make_reply: MakeReply) -> None:
    first = reply_sent(make_reply())
    republished = reply_sent(make_reply())
    other = reply_sent(make_reply(_id="reply:SM" + "c" * 32))

    assert first.event_id == republished.event_id
    assert first == republished
    assert other.event_id != first.event_id


def test_an_unfinished_reply_dates_its_event_at_its_creation(make_reply: MakeReply) -> None:
    reply = make_reply(finished_at=None, created_at=T0 + timedelta(seconds=3))

    event = reply_sent(reply)

    assert event.occurred_at == T0 + timedelta(seconds=3)
    assert event.response_seconds == 3.0


def test_the_replys_citations_travel_on_the_event(make_reply: MakeReply) -> None:
    citation = Citation(
        kind="passage",
        ref="doc-1:1:0",
        document_id="doc-1",
        filename="pengiriman.pdf",
        locator="page 2",
        snippet="Pengiriman ke seluruh Indonesia",
    )

    event = reply_sent(make_reply(citations=[citation]))

    assert event.citations == [citation]
    assert reply_sent(make_reply()).citations == []


def test_a_clock_skewed_reply_never_reports_a_negative_response_time(make_reply: MakeReply) -> None:
    reply = make_reply(customer_message_at=T0, finished_at=T0 - timedelta(seconds=2))

    assert reply_sent(reply).response_seconds == 0.0
