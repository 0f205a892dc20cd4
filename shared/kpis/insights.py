"""What changed in a store's KPIs, without I/O: deltas, the notable ones, a plain explanation.

A day is compared with the day before (day over day) and with the same weekday a week earlier
(week over week). The figures of a day come from its `kpi_daily` bucket and from the labels
(intent, sentiment) of its customer messages. A change is *notable* by the thresholds below
(docs/kpis.md, "Insights"); each notable change gets a sentence, and the rises that have a
usual cause get a hypothesis to check. The text holds figures and labels only: no customer
text, no phone numbers, so it may be handed to an LLM to rewrite (`writer.py`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from shared.kpis.insight_wording import WORDINGS, Language, Period, Wording
from shared.kpis.keys import percentile

# A count (messages, replies, hand-overs, failures, an intent's messages) changed notably when
# it moved by at least COUNT_MIN_CHANGE and by at least COUNT_MIN_PERCENT of the earlier value
# (from zero: when it reached COUNT_MIN_CHANGE).
COUNT_MIN_CHANGE = 5
COUNT_MIN_PERCENT = 25.0
# The median first response changed notably when it moved by ≥ 30% and ≥ 10 s.
SECONDS_MIN_CHANGE = 10.0
SECONDS_MIN_PERCENT = 30.0
# A sentiment's share of the labelled messages changed notably when it moved by ≥ 10
# percentage points, with at least SHARE_MIN_LABELLED labelled messages on both days.
SHARE_MIN_POINTS = 10.0
SHARE_MIN_LABELLED = 10
MAX_FINDINGS = 8

Kind = Literal["count", "seconds", "share"]


class Delta(BaseModel):
    metric: str
    label: str
    kind: Kind
    current: float | None
    previous: float | None
    change: float | None
    change_percent: float | None  # None when the earlier value is 0 or missing
    notable: bool


class Comparison(BaseModel):
    period: Period
    current_date: date
    previous_date: date
    deltas: list[Delta]


class Finding(BaseModel):
    period: Period
    metric: str
    sentence: str
    cause: str | None  # a hypothesis, not a conclusion


class Insights(BaseModel):
    store_id: str
    date: date
    language: Language = "en"
    comparisons: list[Comparison]
    findings: list[Finding]
    summary: str
    written_by: Literal["rules", "llm"] = "rules"


@dataclass(frozen=True)
class LabelCounts:
    """Labelled customer messages of one day, by intent and by sentiment."""

    intents: Mapping[str, int] = field(default_factory=dict)
    sentiments: Mapping[str, int] = field(default_factory=dict)

    @property
    def labelled(self) -> int:
        return sum(self.sentiments.values())


@dataclass(frozen=True)
class DayFigures:
    inbound_messages: int = 0
    unique_customers: int = 0
    replies: int = 0
    replies_not_sent: int = 0
    hand_overs: int = 0
    delivery_failures: int = 0
    first_response_p50_seconds: float | None = None
    labels: LabelCounts = field(default_factory=LabelCounts)


def day_figures(bucket: Mapping[str, Any] | None, labels: LabelCounts | None = None) -> DayFigures:
    """A day's figures from its `kpi_daily` document (None: a day without traffic)."""
    found = bucket or {}
    outbound = found.get("outbound_messages", {})
    histogram = found.get("first_response", {}).get("histogram", {})
    return DayFigures(
        inbound_messages=int(found.get("inbound_messages", 0)),
        unique_customers=int(found.get("unique_customers", 0)),
        replies=int(outbound.get("bot", 0) + outbound.get("agent", 0)),
        replies_not_sent=int(found.get("replies_not_sent", 0)),
        hand_overs=int(sum(found.get("hand_overs", {}).values())),
        delivery_failures=int(found.get("delivery", {}).get("failed", 0)),
        first_response_p50_seconds=percentile(histogram, 0.5),
        labels=labels or LabelCounts(),
    )


def count_delta(metric: str, label: str, current: float, previous: float) -> Delta:
    return _delta(metric, label, "count", current, previous, COUNT_MIN_CHANGE, COUNT_MIN_PERCENT)


def seconds_delta(metric: str, label: str, current: float | None, previous: float | None) -> Delta:
    return _delta(
        metric, label, "seconds", current, previous, SECONDS_MIN_CHANGE, SECONDS_MIN_PERCENT
    )


def _delta(
    metric: str,
    label: str,
    kind: Kind,
    current: float | None,
    previous: float | None,
    min_change: float,
    min_percent: float,
) -> Delta:
    """A change is notable when it is large both in absolute and in relative terms."""
    change = percent = None
    notable = False
    if current is not None and previous is not None:
        change = current - previous
        percent = None if previous == 0 else 100.0 * change / previous
        notable = abs(change) >= min_change and (percent is None or abs(percent) >= min_percent)
    return Delta(
        metric=metric,
        label=label,
        kind=kind,
        current=current,
        previous=previous,
        change=change,
        change_percent=percent,
        notable=notable,
    )


def share_delta(
    sentiment: str, current: LabelCounts, previous: LabelCounts, wording: Wording = WORDINGS["en"]
) -> Delta:
    def share(counts: LabelCounts) -> float | None:
        total = counts.labelled
        return None if total == 0 else 100.0 * counts.sentiments.get(sentiment, 0) / total

    now, before = share(current), share(previous)
    change = None if now is None or before is None else now - before
    notable = (
        change is not None
        and abs(change) >= SHARE_MIN_POINTS
        and min(current.labelled, previous.labelled) >= SHARE_MIN_LABELLED
    )
    return Delta(
        metric=f"sentiment.{sentiment}",
        label=wording.share_label(sentiment),
        kind="share",
        current=now,
        previous=before,
        change=change,
        change_percent=None,
        notable=notable,
    )


def compare(
    current: DayFigures, previous: DayFigures, wording: Wording = WORDINGS["en"]
) -> list[Delta]:
    """Every KPI's delta between two days, notable or not."""
    deltas = [
        count_delta(metric, label, getattr(current, metric), getattr(previous, metric))
        for metric, label in wording.counts.items()
    ]
    deltas.append(
        seconds_delta(
            "first_response_p50_seconds",
            wording.first_response,
            current.first_response_p50_seconds,
            previous.first_response_p50_seconds,
        )
    )
    intents = sorted({*current.labels.intents, *previous.labels.intents})
    for intent in intents:
        deltas.append(
            count_delta(
                f"intent.{intent}",
                wording.intent_label(intent),
                current.labels.intents.get(intent, 0),
                previous.labels.intents.get(intent, 0),
            )
        )
    sentiments = sorted({*current.labels.sentiments, *previous.labels.sentiments})
    deltas += [
        share_delta(sentiment, current.labels, previous.labels, wording) for sentiment in sentiments
    ]
    return deltas


def insights(
    store_id: str,
    day: date,
    today: DayFigures,
    day_before: DayFigures,
    week_before: DayFigures,
    language: Language = "en",
) -> Insights:
    """Deltas of `day` against the day before and a week before, the notable ones explained
    in `language`."""
    wording = WORDINGS[language]
    comparisons = [
        Comparison(
            period="day_over_day",
            current_date=day,
            previous_date=day - timedelta(days=1),
            deltas=compare(today, day_before, wording),
        ),
        Comparison(
            period="week_over_week",
            current_date=day,
            previous_date=day - timedelta(days=7),
            deltas=compare(today, week_before, wording),
        ),
    ]
    found = findings(comparisons, wording)
    result = Insights(
        store_id=store_id,
        date=day,
        language=language,
        comparisons=comparisons,
        findings=found,
        summary="",
    )
    return result.model_copy(update={"summary": render(result, today, wording)})


def findings(comparisons: list[Comparison], wording: Wording = WORDINGS["en"]) -> list[Finding]:
    """The notable deltas, largest first, each as a sentence with a hypothesis for rises."""
    notable = [
        (comparison.period, delta)
        for comparison in comparisons
        for delta in comparison.deltas
        if delta.notable
    ]
    notable.sort(key=lambda item: _weight(item[1]), reverse=True)
    return [
        Finding(
            period=period,
            metric=delta.metric,
            sentence=sentence(delta, period, wording),
            cause=_cause(delta, wording),
        )
        for period, delta in notable[:MAX_FINDINGS]
    ]


def sentence(delta: Delta, period: Period, wording: Wording = WORDINGS["en"]) -> str:
    assert delta.change is not None
    direction = wording.up if delta.change > 0 else wording.down
    words = wording.periods[period]
    if delta.kind == "share":
        return (
            f"{delta.label} {direction} {abs(delta.change):.0f} {wording.points} {words} "
            f"({delta.previous:.0f}% → {delta.current:.0f}%)."
        )
    if delta.kind == "seconds":
        return (
            f"{delta.label} {direction} {_percent(delta, wording)} {words} "
            f"({_seconds(delta.previous)} → {_seconds(delta.current)})."
        )
    return (
        f"{delta.label} {direction} {_percent(delta, wording)} {words} "
        f"({delta.previous:.0f} → {delta.current:.0f})."
    )


def render(result: Insights, today: DayFigures, wording: Wording = WORDINGS["en"]) -> str:
    """The plain-language explanation built from the computed deltas."""
    head = wording.head.format(day=wording.day(result.date))
    if not result.findings:
        figures = wording.no_change.format(
            inbound=today.inbound_messages, replies=today.replies, hand_overs=today.hand_overs
        )
        return f"{head}\n{figures}"
    lines = [head, wording.what_changed]
    lines += [f"- {finding.sentence}" for finding in result.findings]
    causes = list(dict.fromkeys(finding.cause for finding in result.findings if finding.cause))
    if causes:
        lines.append(wording.causes)
        lines += [f"- {cause[0].upper()}{cause[1:]}." for cause in causes]
    return "\n".join(lines)


def _cause(delta: Delta, wording: Wording) -> str | None:
    if delta.change is None or delta.change <= 0:
        return None
    return wording.rise_causes.get(delta.metric)


def _weight(delta: Delta) -> float:
    """Order of importance: shares by points, others by percent (a rise from zero counts 100%)."""
    if delta.kind == "share":
        return abs(delta.change or 0.0) * 2
    if delta.change_percent is None:
        return 100.0
    return abs(delta.change_percent)


def _percent(delta: Delta, wording: Wording) -> str:
    if delta.change_percent is None:
        return wording.from_none
    return f"{abs(delta.change_percent):.0f}%"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"
