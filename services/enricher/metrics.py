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
