"""docs/privacy.md mirrors the personal-data map: every collection and topic is on the page."""

from pathlib import Path

from shared.privacy.data_map import COLLECTIONS, TOPICS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def test_the_privacy_page_names_every_collection_and_topic_of_the_map() -> None:
    page = PAGE.read_text()
    names = [holding.collection for holding in COLLECTIONS] + [h.topic for h in TOPICS]

    assert [name for name in names if f"`{name}`" not in page] == []
