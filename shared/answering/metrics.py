"""Metrics of answering, wherever it runs (the responder, the console's test-the-bot)."""

from prometheus_client import Counter, Histogram

LLM_SECONDS = Histogram(
    "balas_llm_request_seconds",
    "Latency of LLM calls, by outcome.",
    ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
)
LLM_TOKENS = Counter("balas_llm_tokens_total", "Tokens used by LLM calls.", ["kind"])
LLM_ERRORS = Counter("balas_llm_errors_total", "Failed LLM calls, by error type.", ["error"])
ANSWERS = Counter(
    "balas_answers_total",
    "Answers drafted, by engine (llm, offline, offline_fallback when the LLM failed, rule) "
    "and whether they cite a source.",
    ["engine", "grounded"],
)
GUARDRAIL_REPLACEMENTS = Counter(
    "balas_guardrail_replacements_total", "Model replies replaced by a safe reply.", ["check"]
)
