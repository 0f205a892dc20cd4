"""The LLM writer of insights: rewrites the computed deltas as a short explanation.

It is shown only the computed figures (metric names, values, changes and the rule-based
hypotheses): no customer text and no phone numbers ever reach it. Any failure (no answer, an
error, an empty text) keeps the rule-based explanation.
"""

import json
from typing import Protocol

import structlog

from shared.kpis.insight_wording import LANGUAGE_NAMES, Language
from shared.kpis.insights import Insights
from shared.llm import chat_model
from shared.settings import Settings

log = structlog.get_logger(__name__)

INSTRUCTIONS = (
    "You explain a WhatsApp customer-service team's KPI changes to a store owner. You get the "
    "computed day-over-day and week-over-week deltas as JSON. Write at most 120 words of plain "
    "{language}: the notable changes first, with their numbers, then the likely causes, stated "
    "as hypotheses to check, never as facts. Use only the figures given; if nothing is notable, "
    "say so in one sentence. No headings, no markdown tables."
)


class InsightsWriter(Protocol):
    async def write(self, insights: Insights) -> Insights: ...


class RuleWriter:
    """Keeps the explanation computed from the deltas."""

    async def write(self, insights: Insights) -> Insights:
        return insights


class LlmWriter:
    def __init__(self, settings: Settings) -> None:
        # No retries: a reader is waiting; the rule-based text is the fallback.
        self._model = chat_model(settings)

    async def write(self, insights: Insights) -> Insights:
        from langchain_core.messages import HumanMessage, SystemMessage  # loaded with the LLM

        try:
            response = await self._model.ainvoke(
                [SystemMessage(instructions(insights.language)), HumanMessage(prompt(insights))]
            )
            text = response.text.strip()
        except Exception as error:
            log.warning("insights writer failed, keeping the computed text", error=repr(error))
            return insights
        if not text:
            return insights
        return insights.model_copy(update={"summary": text, "written_by": "llm"})


def instructions(language: Language) -> str:
    return INSTRUCTIONS.format(language=LANGUAGE_NAMES[language])


def prompt(insights: Insights) -> str:
    """The deltas as JSON: figures and metric names only."""
    notable = {
        comparison.period: [
            delta.model_dump(exclude={"notable"}) for delta in comparison.deltas if delta.notable
        ]
        for comparison in insights.comparisons
    }
    figures = {
        "date": f"{insights.date:%A %Y-%m-%d}",
        "notable_changes": notable,
        "rule_based_findings": [finding.model_dump() for finding in insights.findings],
        "all_deltas": {
            comparison.period: {
                delta.metric: {"now": delta.current, "before": delta.previous}
                for delta in comparison.deltas
            }
            for comparison in insights.comparisons
        },
    }
    return json.dumps(figures, default=str)


def build_writer(settings: Settings) -> InsightsWriter:
    return LlmWriter(settings) if settings.llm.configured else RuleWriter()
