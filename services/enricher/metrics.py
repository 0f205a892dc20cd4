from prometheus_client import Counter

CLASSIFICATIONS = Counter(
    "balas_classifications_total", "Customer messages classified, by engine.", ["engine"]
)
CLASSIFICATION_FALLBACKS = Counter(
    "balas_classification_fallbacks_total",
    "Messages the LLM engine could not label, handed to the offline engine, by reason "
    "(llm_error: the API call failed; malformed: the answer did not fit the schema).",
    ["reason"],
)
SUMMARY_FALLBACKS = Counter(
    "balas_summary_fallbacks_total",
    "Conversation summaries the LLM could not write, made by the extractive summariser instead.",
)
CONVERSATIONS_CLOSED = Counter(
    "balas_conversations_closed_total", "Idle conversations closed, by outcome.", ["outcome"]
)
CONVERSATIONS_REOPENED = Counter(
    "balas_conversations_reopened_total",
    "Bot resolutions reopened by the customer within the reopen window.",
)
