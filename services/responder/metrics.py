from prometheus_client import Counter, Histogram

REPLIES = Counter("balas_replies_total", "Replies finished, by outcome.", ["outcome"])
HAND_OVERS = Counter("balas_hand_overs_total", "Conversations handed to a human.", ["reason"])
TWILIO_ERRORS = Counter("balas_twilio_errors_total", "Failed Twilio sends.", ["kind"])
GRAPH_ERRORS = Counter(
    "balas_graph_api_errors_total", "Failed Graph API (WhatsApp Cloud API) sends.", ["kind"]
)
EARLY_DELIVERY_STATUSES = Counter(
    "balas_early_delivery_statuses_total",
    "Delivery statuses that came before their message's id was recorded: kept (by message), "
    "applied (when the id was recorded). Kept but never applied ones expire after a day.",
    ["outcome"],
)
REPLY_PIPELINE_SECONDS = Histogram(
    "balas_reply_pipeline_seconds",
    "From webhook accepted to reply handed to Twilio.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
)
CSAT_SURVEYS = Counter(
    "balas_csat_surveys_total",
    "CSAT surveys by result: sent, not_sent, outside_window, disabled.",
    ["result"],
)
VOICE_NOTES = Counter(
    "balas_voice_notes_total",
    "Customers' voice notes given to transcription, by status: read (transcribed), "
    "not_transcribed, too_long, too_large, audio_format, unreadable.",
    ["status"],
)
ORDER_NOTIFICATIONS = Counter(
    "balas_order_notifications_total",
    "Order notifications by result: sent, not_sent, held (quiet hours), no_consent, no_phone, "
    "stale (an older snapshot than one already notified), superseded (held, then overtaken).",
    ["result"],
)
BROADCAST_MESSAGES = Counter(
    "balas_broadcast_messages_total",
    "Broadcast recipients settled, by state: sent, failed (the channel refused), skipped (no "
    "promotion consent at sending).",
    ["state"],
)
