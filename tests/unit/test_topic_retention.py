"""Kafka topics keep personal data as long as MongoDB does: the configs Balas asks for, and
which existing topics it changes."""

from typing import Any

from shared import topics
from shared.kafka import DYNAMIC_TOPIC_CONFIG, config_changes, retention_configs
from shared.privacy.data_map import TOPICS
from shared.settings import Settings

WANTED = {"whatsapp.inbound": {"retention.ms": "15811200000"}}


def described(name: str, *entries: tuple[str, str, int]) -> dict[str, Any]:
    """A DescribeConfigs answer (v1+) for one topic: (name, value, source) per entry."""
    config_entries = [
        {"config_names": key, "config_value": value, "config_source": source}
        for key, value, source in entries
    ]
    resource = {"error_code": 0, "resource_name": name, "config_entries": config_entries}
    return {"resources": [resource]}


def test_every_topic_with_personal_data_and_its_dead_letters_expire_with_the_retention() -> None:
    configs = retention_configs(Settings().updated(retention={"days": 30}))

    personal = {holding.topic for holding in TOPICS if holding.fields}  # the data map's word
    assert set(topics.PERSONAL) == personal
    assert set(configs) == personal | {topics.dead_letter(name) for name in personal}
    assert {value["retention.ms"] for value in configs.values()} == {str(30 * 86_400_000)}
    assert topics.WOOCOMMERCE_PRODUCTS not in configs  # the catalogue is no one's data


def test_a_topic_that_already_has_the_retention_is_left_alone() -> None:
    answer = described("whatsapp.inbound", ("retention.ms", "15811200000", DYNAMIC_TOPIC_CONFIG))

    assert config_changes([answer], WANTED) == {}


def test_a_different_retention_is_changed_and_the_topics_own_settings_are_kept() -> None:
    answer = described(
        "whatsapp.inbound",
        ("retention.ms", "604800000", 5),  # the broker's default
        ("cleanup.policy", "delete", 5),
        ("max.message.bytes", "2097152", DYNAMIC_TOPIC_CONFIG),  # set by an operator
    )

    assert config_changes([answer], WANTED) == {
        "whatsapp.inbound": {"retention.ms": "15811200000", "max.message.bytes": "2097152"}
    }


def test_a_topic_the_broker_does_not_know_is_not_changed() -> None:
    answer = {"resources": [{"error_code": 3, "resource_name": "whatsapp.inbound"}]}

    assert config_changes([answer], WANTED) == {}
