from prometheus_client import Counter

WEBHOOKS = Counter(
    "balas_webhooks_total",
    "Webhooks answered, by endpoint and outcome (accepted, duplicate, rejected).",
    ["endpoint", "outcome"],
)
WEBHOOK_REJECTIONS = Counter(
    "balas_webhook_rejections_total",
    "Webhooks refused, by endpoint and reason.",
    ["endpoint", "reason"],
)
