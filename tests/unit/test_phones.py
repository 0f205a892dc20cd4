"""Phone numbers in E.164 from what customers type at checkout."""

import pytest

from shared.phones import normalise, store_country
from shared.stores.directory import Store


@pytest.mark.parametrize(
    "typed",
    [
        "0812-3456-7890",
        "081234567890",
        "6281234567890",
        "62 812-3456-7890",
        "+62 812 3456 7890",
        "+62 (0)812-3456-7890",
        "+6281234567890",
        "whatsapp:+6281234567890",
        " 0812 3456 7890 ",
    ],
)
def test_indonesian_numbers_in_any_form_become_one_e164(typed: str) -> None:
    assert normalise(typed, "ID") == "+6281234567890"


def test_a_national_number_takes_the_stores_country() -> None:
    assert normalise("(415) 523-8886", "US") == "+14155238886"
    assert normalise("0412 345 678", "au") == "+61412345678"


def test_an_international_number_keeps_its_own_country_whatever_the_store() -> None:
    assert normalise("+14155238886", "ID") == "+14155238886"


@pytest.mark.parametrize("typed", [None, "", "   ", "abc", "12345", "0812", "+62 000 000"])
def test_what_is_not_a_valid_number_is_none(typed: str | None) -> None:
    assert normalise(typed, "ID") is None


def test_no_country_means_indonesia() -> None:
    assert normalise("0812-3456-7890", None) == "+6281234567890"


def test_the_stores_country_defaults_to_indonesia() -> None:
    store = Store(id="toko", name="Toko", whatsapp_number="+14155238886")
    assert store_country(store) == "ID"
    assert store_country({"_id": "toko", "default_country": "my"}) == "MY"
    assert store_country({"_id": "toko"}) == "ID"
