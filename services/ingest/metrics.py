from prometheus_client import Counter, Gauge

WEBHOOKS = Counter(
    "balas_webhooks_total",
    "Webhooks answered and mails read (endpoint email), by endpoint and outcome (accepted, "
    "duplicate, in_progress, stale, ping, rejected; on Meta's routes also verified, "
    "unsupported, own_echo; for mail also auto_reply, bounce, malformed, unreachable).",
    ["endpoint", "outcome"],
)
WEBHOOK_REJECTIONS = Counter(
    "balas_webhook_rejections_total",
    "Webhooks refused, by endpoint and reason.",
    ["endpoint", "reason"],
)
WOOCOMMERCE_STALE_SNAPSHOTS = Counter(
    "balas_woocommerce_stale_snapshots_total",
    "WooCommerce deliveries dropped because a newer snapshot of the resource was held.",
    ["resource"],
)
OUTBOX_EVENTS = Gauge(
    "balas_ingest_outbox_events",
    "Events accepted while Kafka did not answer, waiting in the outbox for the relay.",
)
OUTBOX_STORED = Counter(
    "balas_ingest_outbox_stored_total",
    "Events stored in the outbox because Kafka did not take them in time.",
)
OUTBOX_RELAYED = Counter(
    "balas_ingest_outbox_relayed_total",
    "Events the relay published from the outbox to Kafka.",
)
LAST_KNOWN_STORES = Counter(
    "balas_ingest_last_known_stores_total",
    "Store look-ups answered from ingest's last-known copy because MongoDB did not answer.",
)
UNCHECKED_RECEIPTS = Counter(
    "balas_ingest_unchecked_receipts_total",
    "Inbound messages published without the duplicate guard because MongoDB did not answer "
    "(consumers deduplicate on event_id).",
)
UNJOURNALED_EVENTS = Counter(
    "balas_ingest_unjournaled_events_total",
    "Events published to the embedded broker without their journal copy because MongoDB did "
    "not answer.",
)
