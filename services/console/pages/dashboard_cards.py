"""The dashboard's cards as data: each card is one `CardSpec` in CARDS, naming the figures of
`shared.kpis.dashboard.Dashboard` it shows and how they are formatted. The page and its live
refresh render the same list, so adding a card is one entry here (and its texts in the
locales: `dash.<key>`, `dash.<key>.tip`, `dash.<key>.sub`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from services.console.delivery import FAILURE_KINDS
from services.console.i18n import Lang, t
from services.console.pages.formatting import duration, money, number, percent
from shared.kpis.dashboard import Dashboard, Revenue

Format = Literal["number", "average", "percent", "duration", "money"]


@dataclass(frozen=True)
class Card:
    """A card as the page shows it, every text formatted."""

    key: str
    label: str
    value: str
    sub: str
    tip: str
    anchor: str  # the docs/kpis.md section that defines it


@dataclass(frozen=True)
class Figure:
    """One figure of a card: how it is read from the dashboard and how it is shown."""

    read: Callable[[Dashboard], Any]
    format: Format = "number"

    def shown(self, data: Dashboard, lang: Lang) -> str:
        value = self.read(data)
        if self.format == "percent":
            return percent(value, lang)
        if self.format == "duration":
            return duration(value, lang)
        if self.format == "money":
            return money(value, data.currency, lang)
        if self.format == "average":
            return number(value, lang, 1)
        return number(value, lang)


def _always(_: Dashboard) -> bool:
    return True


def _unbroken(figure: str) -> str:
    """A figure whose number and unit never part when a card wraps ("4,0 min", "Rp 7.955")."""
    return figure.replace(" ", "\u00a0")


@dataclass(frozen=True)
class CardSpec:
    key: str  # the card's data-card and the stem of its texts
    anchor: str  # the docs/kpis.md section that defines it
    value: tuple[Figure, ...]  # several are joined with " · "; each keeps its unit on its line
    sub: Mapping[str, Figure]  # the placeholders of dash.<key>.sub
    # When False the sub is dash.<key>.none: never a number that was not measured.
    measured: Callable[[Dashboard], bool] = _always
    per_currency: bool = False  # one more card for each other currency (never added up)
    label: str | None = None  # the title's catalogue key when it is not dash.<key>

    def card(self, data: Dashboard, lang: Lang, currency: str | None = None) -> Card:
        key, label = self.key, t(self.label or f"dash.{self.key}", lang)
        if currency is not None:
            key, label = f"{key}_{currency}", f"{label} ({currency})"
        if self.measured(data):
            values = {name: figure.shown(data, lang) for name, figure in self.sub.items()}
            sub = t(f"dash.{self.key}.sub", lang, **values, **failure_words(lang))
        else:
            sub = t(f"dash.{self.key}.none", lang)
        return Card(
            key,
            label,
            " · ".join(_unbroken(figure.shown(data, lang)) for figure in self.value),
            sub,
            t(f"dash.{self.key}.tip", lang),
            self.anchor,
        )


def failure_words(lang: Lang) -> dict[str, str]:
    """`{not_sent}` and `{undelivered}` for the cards' texts: the inbox's words, lower case."""
    return {kind: t(f"delivery.{kind}", lang).lower() for kind in FAILURE_KINDS}


def _revenue(
    read: Callable[[Revenue], Decimal | int | None], missing: int | None = None
) -> Callable[[Dashboard], Decimal | int | None]:
    """A reader of the revenue in the dashboard's currency; `missing` when it has none."""

    def value(data: Dashboard) -> Decimal | int | None:
        found = next((r for r in data.revenue if r.currency == data.currency), None)
        return read(found) if found is not None else missing

    return value


def _percentile(
    responder: str, name: Literal["p50", "p90", "count"]
) -> Callable[[Dashboard], float | None]:
    """A reader of the first responses of closed sessions by `responder` (bot or agent)."""
    return lambda d: getattr(d.first_response_by[responder], name)


def _share(figure: str) -> Callable[[Dashboard], float | None]:
    """A notification figure over the notifications sent."""

    def value(data: Dashboard) -> float | None:
        sent = data.notified("sent")
        return data.notified(figure) / sent if sent else None

    return value


CARDS: tuple[CardSpec, ...] = (
    CardSpec(
        "inbound",
        "messages",
        (Figure(lambda d: d.inbound),),
        {"count": Figure(lambda d: d.customers)},
    ),
    CardSpec(
        "replies",
        "messages",
        (Figure(lambda d: d.outbound_bot + d.outbound_agent),),
        {
            "bot": Figure(lambda d: d.outbound_bot),
            "agent": Figure(lambda d: d.outbound_agent),
            "failed": Figure(lambda d: d.replies_not_sent),
        },
    ),
    CardSpec(
        "first_response",
        "first-response-histogram-and-percentiles",
        (Figure(lambda d: d.first_response.p50, "duration"),),
        {
            "p90": Figure(lambda d: d.first_response.p90, "duration"),
            "count": Figure(lambda d: d.first_response.count),
        },
    ),
    CardSpec(
        "first_response_split",
        "response-times",
        (
            Figure(_percentile("bot", "p50"), "duration"),
            Figure(_percentile("agent", "p50"), "duration"),
        ),
        {
            "bot_p90": Figure(_percentile("bot", "p90"), "duration"),
            "agent_p90": Figure(_percentile("agent", "p90"), "duration"),
            "bot_n": Figure(_percentile("bot", "count")),
            "agent_n": Figure(_percentile("agent", "count")),
        },
    ),
    CardSpec(
        "human_response",
        "response-times",
        (Figure(lambda d: d.human_first_response.p50, "duration"),),
        {
            "p90": Figure(lambda d: d.human_first_response.p90, "duration"),
            "every": Figure(lambda d: d.human_response.p50, "duration"),
            "count": Figure(lambda d: d.human_response.count),
        },
    ),
    CardSpec(
        "bot_resolution",
        "outcomes",
        (Figure(lambda d: d.bot_resolution_rate, "percent"),),
        {
            "resolved": Figure(lambda d: d.outcomes["resolved_by_bot"]),
            "closed": Figure(lambda d: d.closed),
            "reopened": Figure(lambda d: d.reopened),
            "confirmed": Figure(lambda d: d.confirmed),
        },
    ),
    CardSpec(
        "hand_over",
        "outcomes",
        (Figure(lambda d: d.hand_over_rate, "percent"),),
        {"count": Figure(lambda d: sum(d.hand_overs.values()))},
    ),
    CardSpec(
        "orders",
        "commerce",
        (Figure(lambda d: d.orders_created),),
        {
            "paid": Figure(lambda d: d.orders_paid),
            "refunded": Figure(lambda d: d.orders_refunded),
            "cancelled": Figure(lambda d: d.orders_cancelled),
        },
    ),
    CardSpec(
        "revenue",
        "commerce",
        (Figure(_revenue(lambda r: r.paid), "money"),),
        {
            "net": Figure(_revenue(lambda r: r.net), "money"),
            "bot": Figure(_revenue(lambda r: r.attributed_bot), "money"),
            "human": Figure(_revenue(lambda r: r.attributed_human), "money"),
        },
        per_currency=True,
    ),
    CardSpec(
        "aov",
        "commerce",
        (Figure(_revenue(lambda r: r.average_order_value), "money"),),
        {"count": Figure(_revenue(lambda r: r.orders, missing=0))},
    ),
    CardSpec(
        "conversion",
        "commerce",
        (Figure(lambda d: d.conversion_rate, "percent"),),
        {
            "converted": Figure(lambda d: d.conversions),
            "count": Figure(lambda d: d.customers),
            "bot": Figure(lambda d: d.orders_attributed_bot),
            "human": Figure(lambda d: d.orders_attributed_human),
        },
    ),
    CardSpec(
        "delivery",
        "delivery",
        (Figure(lambda d: d.delivery_failed),),
        {"count": Figure(lambda d: d.delivery_read)},
        label="delivery.undelivered",  # the inbox's words for the same failure
    ),
    CardSpec(
        "notifications",
        "notifications",
        (Figure(lambda d: d.notified("sent")),),
        {
            "read": Figure(_share("read"), "percent"),
            "replied": Figure(_share("replied"), "percent"),
            "opted_out": Figure(lambda d: d.notified("opted_out")),
            "count": Figure(lambda d: d.notified("orders")),
            "revenue": Figure(lambda d: d.notified_revenue, "money"),
        },
        measured=lambda d: bool(d.notified("sent")),
    ),
    CardSpec(
        "csat",
        "satisfaction",
        (Figure(lambda d: d.csat_rate, "percent"),),
        {
            "average": Figure(lambda d: d.csat_average or 0, "average"),
            "count": Figure(lambda d: d.csat_ratings),
        },
        measured=lambda d: bool(d.csat_ratings),
    ),
)


def cards(data: Dashboard, lang: Lang) -> list[Card]:
    found: list[Card] = []
    for spec in CARDS:
        if spec.per_currency:
            # Each other currency's card comes before the store currency's, the last first.
            others = [r.currency for r in data.revenue if r.currency != data.currency]
            for other in reversed(others):
                found.append(spec.card(data.model_copy(update={"currency": other}), lang, other))
        found.append(spec.card(data, lang))
    return found
