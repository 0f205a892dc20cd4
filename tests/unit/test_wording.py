"""The CLI's counts read right for one and for many."""

import pytest

from balas.wording import counted, inflected


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (0, "0 customers"),
        (1, "1 customer"),
        (2, "2 customers"),
        (1_000_000, "1000000 customers"),
        (1.0, "1 customer"),
        (1.5, "1.5 customers"),
        (10.0, "10 customers"),
    ],
)
def test_a_count_is_singular_for_one_alone(number: float, shown: str) -> None:
    assert counted(number, "customer") == shown


def test_a_noun_of_more_words_or_an_irregular_plural() -> None:
    assert counted(1, "day bucket") == "1 day bucket"
    assert counted(3, "day bucket") == "3 day buckets"
    assert counted(2, "person", "people") == "2 people"
    assert counted(1, "person", "people") == "1 person"


def test_a_noun_without_its_number_follows_it_too() -> None:
    assert (inflected(1, "id"), inflected(2, "id"), inflected(0, "id")) == ("id", "ids", "ids")
    assert inflected(2, "person", "people") == "people"
