"""What `balas topics` makes of the broker's answers: each group's lag from its committed
offsets and the logs' bounds, and a topic's retention from a DescribeConfigs response."""

from io import BytesIO

import pytest
from aiokafka import TopicPartition
from aiokafka.protocol.admin import DescribeConfigsResponse_v0, DescribeConfigsResponse_v1

from balas.topic_admin import groups_of, retention_by_topic
from balas.topics_commands import retention_text
from shared.kafka import LogBounds

TOPIC = "whatsapp.inbound"
BOUNDS = {
    TopicPartition(TOPIC, 0): LogBounds(first=0, end=9),
    TopicPartition(TOPIC, 1): LogBounds(first=4, end=6),  # two records left after retention
}


def test_a_group_lags_by_what_lies_between_its_commit_and_the_logs_end() -> None:
    committed = {"responder": {TopicPartition(TOPIC, 0): 7, TopicPartition(TOPIC, 1): 6}}

    (responder,) = groups_of(TOPIC, 2, BOUNDS, committed)

    assert [p.lag for p in responder.partitions] == [2, 0]
    assert responder.lag == 2


def test_a_partition_the_group_never_committed_on_counts_whole_from_its_first_record() -> None:
    committed = {"enricher": {TopicPartition(TOPIC, 0): 9}}

    (enricher,) = groups_of(TOPIC, 2, BOUNDS, committed)

    assert enricher.partitions[1].committed is None
    assert enricher.partitions[1].lag == 2


def test_only_groups_that_committed_on_the_topic_read_it() -> None:
    committed = {
        "kpi_aggregator": {TopicPartition("messages.outbound", 0): 3},
        "responder": {TopicPartition(TOPIC, 0): 9},
    }

    assert [group.group for group in groups_of(TOPIC, 2, BOUNDS, committed)] == ["responder"]


def _decoded(response: object) -> object:
    """The response as the client gets it: encoded and read back."""
    return type(response).decode(BytesIO(response.encode()))  # type: ignore[attr-defined]


def test_retention_comes_from_each_topics_entry_in_either_response_version() -> None:
    v0 = DescribeConfigsResponse_v0(
        0, [(0, None, 2, TOPIC, [("retention.ms", "604800000", False, True, False)])]
    )
    v1 = DescribeConfigsResponse_v1(
        0,
        [
            (0, None, 2, "agent.commands", [("cleanup.policy", "delete", False, 5, False, [])]),
            (0, None, 2, "customers.erased", [("retention.ms", "-1", False, 1, False, [])]),
            (29, "not allowed", 2, "secret", [("retention.ms", "1", False, 1, False, [])]),
        ],
    )

    found = retention_by_topic([_decoded(v0), _decoded(v1)])

    assert found == {TOPIC: 604_800_000, "customers.erased": -1}


@pytest.mark.parametrize(
    ("ms", "shown"),
    [
        (None, "broker default"),
        (-1, "forever"),
        (604_800_000, "7 d"),
        (7_200_000, "2 h"),
        (90_500, "90.5 s"),
    ],
)
def test_retention_reads_in_the_largest_whole_unit(ms: int | None, shown: str) -> None:
    assert retention_text(ms) == shown
