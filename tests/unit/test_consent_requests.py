"""Which whole chat messages are stop (or restart) requests, and which merely use the word."""

import pytest

from shared.consent.chat import Intent, consent_intent


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop!!",
        "stooop",
        "BERHENTI",
        "berhentiii",
        "brhenti",  # a typo in a long word
        "Berhenti langganan kak 🙏",
        "berhenti langganan",
        "unsubscribe",
        "Unsubscibe please",
        "stop promo",
        "STOP PROMO!!!",
        "stop kirim pesan promosi ya min",
        "tolong stop kirim pesan",
        "jangan kirim lagi",
        "jgn krm lg ya kak",  # chat spellings, through the text pipeline
        "jangan di kirim lagi ya",
        "udah jgn kirim2 lagi",
        "jangan kirim promo lagi",
        "Stop dulu kak",
        "opt out",
        "Opt-out",
    ],
)
def test_a_whole_message_asking_to_stop_withdraws(text: str) -> None:
    assert consent_intent(text) is Intent.WITHDRAW


@pytest.mark.parametrize(
    "text",
    [
        "kapan berhentinya diskon?",
        "kapan berhenti diskonnya",
        "berhenti?",  # asks whether something stopped
        "kak pesanan saya stop di gudang?",
        "stop order",
        "jangan kirim dulu pesanannya",  # about an order, not about messages
        "stok",  # one letter from "stop": short words take no typo
        "halo",
        "ok",
        "promo apa aja hari ini",
        "",
    ],
)
def test_a_message_that_merely_uses_the_word_is_no_stop_request(text: str) -> None:
    assert consent_intent(text) is None


@pytest.mark.parametrize("text", ["START", "mulai", "Mulai lagi kak", "start again"])
def test_start_or_mulai_alone_asks_to_be_written_to_again(text: str) -> None:
    assert consent_intent(text) is Intent.GRANT


@pytest.mark.parametrize("text", ["mulai kapan promonya?", "start order", "mulai jangan kirim"])
def test_start_inside_another_message_is_no_restart(text: str) -> None:
    assert consent_intent(text) is not Intent.GRANT
