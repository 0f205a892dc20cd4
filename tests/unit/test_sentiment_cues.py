"""The sentiment cues the offline model reads beside its n-grams: negation scope, emoji and
emoticon groups, on the forms customers write (after the shared normalisation, as the model
reads them)."""

import pytest

from services.enricher.classification.cues import emotion_terms, negated_terms
from services.enricher.classification.offline import normalise


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("barangnya gak bagus", ["neg:bagus"]),
        ("ga sesuai foto kak", ["neg:sesuai", "neg:foto"]),
        ("nggak nyesel beli disini", ["neg:menyesal", "neg:beli"]),
        ("pesanan blm sampe", ["neg:sampai"]),
        ("bkn ukuran yg sy pesan", ["neg:ukuran", "neg:yang"]),
        ("kualitasnya kurang oke", ["neg:oke"]),
        ("jgn beli disini", ["neg:beli", "neg:di"]),
        ("It doesn't fit at all", ["neg:fit", "neg:at"]),
        ("i dont like the colour", ["neg:like", "neg:the"]),
        ("Never again.", ["neg:again"]),
        ("not good, but cheap", ["neg:good"]),  # a comma ends the scope
    ],
)
def test_the_words_after_a_negation_are_marked(text: str, negated: list[str]) -> None:
    assert negated_terms(normalise(text)) == negated


def test_a_text_without_a_negation_has_no_marked_words() -> None:
    assert negated_terms(normalise("bagus bgt kak, makasih")) == []
    assert negated_terms(normalise("Nothing")) == []  # nothing follows it


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("mantap kak 👍😍", ["emoji:positive", "emoji:positive"]),
        ("makasih ya :)", ["emoji:positive"]),
        ("siap kak :D", ["emoji:positive"]),
        ("udah seminggu blm nyampe 😡", ["emoji:negative"]),
        ("kecewa :( -_-", ["emoji:negative", "emoji:negative"]),
        ("ok kak 🙏", []),  # thanks or a plea: no side
        ("jam 10:dua, cek http://d.co", []),  # a colon in a time or an address
    ],
)
def test_emoji_and_emoticons_count_as_their_group(text: str, groups: list[str]) -> None:
    assert emotion_terms(normalise(text)) == groups
