from prometheus_client import Counter

WEBHOOKS = Counter(
    "balas_webhooks_total",
    "Webhooks answered, by endpoint and outcome (accepted, duplicate, stale, ping, rejected).",
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
