"""When the journal's low-watermark may advance: every group that ever read a topic is done."""

from aiokafka.structs import TopicPartition

from shared import topics
from shared.broker_recovery import caught_up


def test_the_watermark_waits_for_every_group_that_ever_read_a_topic() -> None:
    inbound = TopicPartition(topics.WHATSAPP_INBOUND, 0)
    ends = {inbound: 10}
    readers = {(topics.WHATSAPP_INBOUND, "responder"), (topics.WHATSAPP_INBOUND, "enricher")}

    assert caught_up(ends, {"responder": {inbound: 10}, "enricher": {inbound: 10}}, readers)
    assert not caught_up(ends, {"responder": {inbound: 10}, "enricher": {inbound: 7}}, readers)
    # The enricher has not rejoined the restarted broker yet: it still counts.
    assert not caught_up(ends, {"responder": {inbound: 10}}, readers)
    # Records nobody is known to read are unfinished, not forgotten.
    assert not caught_up(ends, {}, set())
