"""Prometheus metrics every consumer shares. Labels stay bounded: no phone, no conversation."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "balas_events_consumed_total",
    "Events a consumer finished, by outcome (handled or dead_lettered).",
    ["group", "topic", "outcome"],
)
EVENT_RETRIES = Counter(
    "balas_event_retries_total",
    "Handler attempts that failed and were retried.",
    ["group", "topic"],
)
DEAD_LETTERS = Counter(
    "balas_dead_letters_total", "Events published to a dead-letter topic.", ["group", "topic"]
)
HANDLER_SECONDS = Histogram(
    "balas_event_handler_seconds",
    "Time to handle one event, retries included.",
    ["group", "topic"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
EVENTS_IN_FLIGHT = Gauge("balas_events_in_flight", "Events taken and not finished.", ["group"])
CONSUMER_LAG = Gauge(
    "balas_consumer_lag",
    "Records in the partition not yet committed by the group.",
    ["group", "topic", "partition"],
)
CONSUMERS_PAUSED = Gauge(
    "balas_consumers_paused",
    "Consumers waiting for a dependency that is down (taking no records, dead-lettering none).",
    ["group", "dependency"],
)
PAUSED_SECONDS = Counter(
    "balas_consumer_paused_seconds_total",
    "Seconds consumers spent paused because a dependency was down.",
    ["group", "dependency"],
)

# In every process that talks to MongoDB (shared/mongo.py counts them), so the bench can tell the
# services' operations apart where the server's opcounters add them all up.
MONGODB_COMMANDS = Counter(
    "balas_mongodb_commands",
    "MongoDB commands this process sent, by command and collection.",
    ["command", "collection"],
)
