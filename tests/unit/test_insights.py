"""Insights: deltas of the KPIs, the thresholds that make them notable, the explanation."""

from datetime import date
from typing import Any

from shared.kpis.insights import (
    DayFigures,
    LabelCounts,
    compare,
    count_delta,
    day_figures,
    insights,
    seconds_delta,
    share_delta,
)
from shared.kpis.writer import instructions, prompt

DAY = date(2024, 5, 14)


def bucket(inbound: int, **fields: Any) -> dict[str, Any]:
    return {"inbound_messages": inbound, **fields}


def test_day_figures_read_a_day_bucket() -> None:
    figures = day_figures(
        {
            "inbound_messages": 40,
            "unique_customers": 12,
            "outbound_messages": {"bot": 30, "agent": 2},
            "replies_not_sent": 1,
            "hand_overs": {"tool_failure": 3, "customer_request": 1},
            "delivery": {"failed": 2, "read": 20},
            "first_response": {"histogram": {"5": 2, "15": 2}},
        }
    )

    assert figures.inbound_messages == 40
    assert figures.replies == 32
    assert figures.hand_overs == 4
    assert figures.delivery_failures == 2
    assert figures.first_response_p50_seconds == 5.0
    assert day_figures(None) == DayFigures()


def test_a_count_is_notable_from_5_messages_and_25_percent() -> None:
    assert count_delta("m", "M", 25, 20).notable  # +5, +25%
    assert not count_delta("m", "M", 24, 20).notable  # +4
    assert not count_delta("m", "M", 110, 100).notable  # +10 but +10%
    assert count_delta("m", "M", 15, 20).notable  # -5, -25%
    from_zero = count_delta("m", "M", 5, 0)
    assert from_zero.notable
    assert from_zero.change_percent is None


def test_the_median_first_response_is_notable_from_10_seconds_and_30_percent() -> None:
    assert seconds_delta("s", "S", 40, 30).notable
    assert not seconds_delta("s", "S", 8, 5).notable  # +60% but 3 s
    assert not seconds_delta("s", "S", 120, 100).notable  # 20 s but +20%
    assert not seconds_delta("s", "S", None, 30).notable


def test_a_sentiment_share_is_notable_from_10_points_with_10_labelled_messages() -> None:
    calm = LabelCounts(sentiments={"negative": 2, "neutral": 18})
    upset = LabelCounts(sentiments={"negative": 8, "neutral": 12})
    few = LabelCounts(sentiments={"negative": 4, "neutral": 1})

    delta = share_delta("negative", upset, calm)
    assert delta.notable
    assert delta.change == 30.0
    assert not share_delta("negative", few, calm).notable


def test_compare_covers_every_kpi_intent_and_sentiment() -> None:
    today = DayFigures(
        inbound_messages=10,
        labels=LabelCounts(intents={"complaint": 3}, sentiments={"negative": 3}),
    )
    before = DayFigures(labels=LabelCounts(intents={"shipping": 1}, sentiments={"neutral": 1}))

    metrics = [delta.metric for delta in compare(today, before)]

    assert metrics[:7] == [
        "inbound_messages",
        "unique_customers",
        "replies",
        "replies_not_sent",
        "hand_overs",
        "delivery_failures",
        "first_response_p50_seconds",
    ]
    assert {"intent.complaint", "intent.shipping", "sentiment.negative"} <= set(metrics)


def complaints_day() -> tuple[DayFigures, DayFigures, DayFigures]:
    today = day_figures(
        bucket(70, outbound_messages={"bot": 60}),
        LabelCounts(
            intents={"complaint": 14, "order_status": 20, "greeting_thanks": 36},
            sentiments={"negative": 30, "neutral": 30, "positive": 10},
        ),
    )
    day_before = day_figures(
        bucket(50, outbound_messages={"bot": 50}),
        LabelCounts(
            intents={"complaint": 10, "order_status": 12, "greeting_thanks": 28},
            sentiments={"negative": 10, "neutral": 30, "positive": 10},
        ),
    )
    week_before = day_figures(
        bucket(68, outbound_messages={"bot": 60}),
        LabelCounts(
            intents={"complaint": 4, "order_status": 20, "greeting_thanks": 44},
            sentiments={"negative": 8, "neutral": 40, "positive": 20},
        ),
    )
    return today, day_before, week_before


def test_notable_changes_become_sentences_with_hypotheses() -> None:
    found = insights("toko", DAY, *complaints_day())

    metrics = {(finding.period, finding.metric) for finding in found.findings}
    assert ("day_over_day", "inbound_messages") in metrics  # 50 -> 70
    assert ("week_over_week", "intent.complaint") in metrics  # 4 -> 14
    assert ("day_over_day", "sentiment.negative") in metrics  # 20% -> 43%
    assert ("week_over_week", "inbound_messages") not in metrics  # 68 -> 70
    complaint = next(f for f in found.findings if f.metric == "intent.complaint")
    assert complaint.sentence == "Messages about complaint up 250% week over week (4 → 14)."
    assert complaint.cause is not None
    assert "delivery delays" in complaint.cause
    assert found.written_by == "rules"


def test_the_summary_lists_changes_then_causes_as_hypotheses() -> None:
    summary = insights("toko", DAY, *complaints_day()).summary

    assert summary.startswith("KPIs of Tuesday 14 May 2024")
    assert "Inbound messages up 40% day over day (50 → 70)." in summary
    assert "Possible causes (hypotheses to check):" in summary
    assert "- Complaints rose: check delivery delays, product quality and packing." in summary


def test_indonesian_insights_say_the_same_figures_in_indonesian() -> None:
    found = insights("toko", DAY, *complaints_day(), language="id")

    complaint = next(f for f in found.findings if f.metric == "intent.complaint")
    assert complaint.sentence == "Pesan tentang keluhan naik 250% dibanding minggu lalu (4 → 14)."
    assert found.summary.startswith("KPI Selasa 14 Mei 2024 dibanding hari sebelumnya")
    assert "Pesan masuk naik 40% dibanding kemarin (50 → 70)." in found.summary
    assert "Kemungkinan penyebab (dugaan yang perlu dicek):" in found.summary
    assert "- Keluhan naik: cek keterlambatan pengiriman" in found.summary
    assert found.language == "id"


def test_the_llm_is_told_to_write_in_the_stores_language() -> None:
    assert "plain Indonesian" in instructions("id")
    assert "plain English" in instructions("en")


def test_a_quiet_day_says_nothing_changed() -> None:
    same = day_figures(bucket(30, outbound_messages={"bot": 30}))

    found = insights("toko", DAY, same, same, same)

    assert found.findings == []
    assert "No notable change: 30 inbound messages, 30 replies sent, 0 hand-overs." in (
        found.summary
    )


def test_falls_are_reported_without_a_cause() -> None:
    found = insights("toko", DAY, day_figures(bucket(20)), day_figures(bucket(40)), DayFigures())

    [fall] = [f for f in found.findings if f.period == "day_over_day"]
    assert fall.sentence == "Inbound messages down 50% day over day (40 → 20)."
    assert fall.cause is None


def test_the_llm_prompt_holds_figures_only() -> None:
    text = prompt(insights("toko", DAY, *complaints_day()))

    assert "intent.complaint" in text
    assert "+62" not in text
    assert "Possible causes" not in text  # not the rendered text, the deltas
