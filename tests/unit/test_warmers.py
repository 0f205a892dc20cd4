"""A worker's start-up step builds the process-wide tables its messages read, so a customer's
first message does not wait for one; ingest warms nothing (test_lean_processes.py)."""

from services.enricher import app as enricher
from services.enricher.classification import offline
from services.responder import app as responder
from shared.answering import wording
from shared.runtime import warm
from shared.text import synonyms

# The responder's tables, each built once per process on first use (the meanings once per
# synonym table).
RESPONDER_TABLES = (
    synonyms._meanings,
    synonyms._general,
    synonyms.one_language_words,
    wording._one_language_words,
    wording._shop_words,
)


def test_the_responders_start_up_step_builds_its_word_lists() -> None:
    for table in RESPONDER_TABLES:
        table.cache_clear()

    warm(responder.WARMERS)

    built = [table.cache_info().currsize for table in RESPONDER_TABLES]
    assert built == [len(synonyms.TABLES), 1, 1, 1, 1]  # the meanings: one entry per table


def test_the_enrichers_start_up_step_loads_the_offline_model() -> None:
    offline._model = None

    warm(enricher.WARMERS)

    assert offline._model is not None
