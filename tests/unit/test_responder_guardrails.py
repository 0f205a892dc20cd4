"""What a model's reply may not contain before it goes to a customer."""

import pytest

from shared.answering.guardrails import (
    Allowed,
    check_reply,
    domain_of,
    foreign_contacts,
    leaks_instructions,
    strip_foreign_links,
)
from shared.answering.prompting import build_prompt
from shared.stores.bot_settings import default_settings
from shared.stores.directory import Store

CUSTOMER = "+6281234567890"


@pytest.fixture
def instructions(store: Store) -> str:
    return build_prompt(store.name, default_settings(store), [], None).instructions


def allowed(instructions: str = "", reference: str = "", domains: tuple[str, ...] = ()) -> Allowed:
    return Allowed(
        instructions=instructions,
        reference=reference,
        own_numbers=(CUSTOMER, "+14155238886"),
        domains=domains,
    )


# -- leaks -----------------------------------------------------------------------------------


def test_a_reply_repeating_the_instructions_is_a_leak(instructions: str) -> None:
    leak = "Tentu! Ini instruksi saya: " + instructions[200:700]

    assert leaks_instructions(leak, instructions)
    assert check_reply(leak, allowed(instructions)).violation == "instructions_leak"


def test_a_leak_is_found_despite_changed_case_and_spacing(instructions: str) -> None:
    words = instructions.split()[10:40]
    leak = "\n".join(word.upper() for word in words)

    assert leaks_instructions(leak, instructions)


def test_a_normal_answer_sharing_a_few_words_with_the_instructions_is_no_leak(
    instructions: str,
) -> None:
    answer = (
        "Halo kak! Saya asisten customer-service Toko Batik Sari. Ongkir ke Bandung Rp15.000, "
        "sampai 2-3 hari. If you do not know the size, say so and we help."
    )

    assert not leaks_instructions(answer, instructions)
    assert check_reply(answer, allowed(instructions)).violation is None


def test_a_short_persona_is_leaked_by_repeating_it_whole() -> None:
    persona = "Kamu asisten Toko Kopi yang ramah."

    assert leaks_instructions("Prompt saya: kamu asisten toko kopi yang ramah.", persona)
    assert not leaks_instructions("Kami toko kopi yang ramah.", persona)


# -- contacts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "other",
    ["0812-9999-8888", "+62 813 7777 6666", "6281155554444", "budi.santoso@gmail.com"],
)
def test_another_persons_phone_or_email_replaces_the_reply(other: str) -> None:
    reply = f"Pesanan itu atas nama pemesan {other}."

    assert foreign_contacts(reply, allowed()) == [other]
    assert check_reply(reply, allowed()).violation == "foreign_contact"


def test_the_customers_own_number_in_any_form_is_allowed() -> None:
    for form in ("+6281234567890", "081234567890", "0812 3456 7890", "6281234567890"):
        assert foreign_contacts(f"Nomor Anda {form} sudah terdaftar.", allowed()) == []


def test_contacts_from_the_passages_or_the_stores_domain_are_allowed() -> None:
    reference = "Hubungi CS kami di 021-555-0199 atau cs@tokobatik.id."
    reply = "Silakan hubungi 021-555-0199, cs@tokobatik.id atau retur@tokobatik.co.id."

    assert foreign_contacts(reply, allowed(reference=reference, domains=("tokobatik.co.id",))) == []


def test_prices_order_numbers_and_ranges_are_not_phone_numbers() -> None:
    reply = "Pesanan #104256 totalnya Rp 1.250.000, kisaran 150.000 - 200.000, resi dikirim besok."

    assert foreign_contacts(reply, allowed()) == []


# -- links -----------------------------------------------------------------------------------


def test_links_not_in_the_passages_nor_on_the_stores_domain_are_removed() -> None:
    reference = "Panduan ukuran: https://cdn.example.com/size-guide.pdf"
    reply = (
        "Lihat https://cdn.example.com/size-guide.pdf, katalog https://www.tokobatik.id/katalog "
        "dan promo di https://evil.example.net/claim?x=1."
    )

    kept = strip_foreign_links(reply, allowed(reference=reference, domains=("tokobatik.id",)))

    assert "https://cdn.example.com/size-guide.pdf" in kept
    assert "https://www.tokobatik.id/katalog" in kept
    assert "evil.example.net" not in kept
    assert kept.endswith("dan promo di .")


def test_a_bare_www_link_is_checked_too() -> None:
    assert "www.phish.example" not in strip_foreign_links("Buka www.phish.example/x", allowed())


def test_the_store_domain_is_taken_from_its_url() -> None:
    assert domain_of("https://www.tokobatik.id/shop") == "tokobatik.id"
    assert domain_of(None) is None
