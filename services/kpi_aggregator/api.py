"""Insights, forecast and fact endpoints, served next to /metrics by the aggregator's worker app.

They carry every store's figures (revenue included): each call needs the admin token
(`Authorization: Bearer <ADMIN_API_TOKEN>`), while /healthz and /readyz stay open for probes.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import SecretStr

from shared.bearer import bearer_token_required
from shared.kpis.facts import csv_text
from shared.kpis.insight_wording import Language
from shared.kpis.insights import Insights
from shared.kpis.reports import (
    ForecastReport,
    UnknownMetric,
    store_forecast,
    store_insights,
)
from shared.kpis.repository import facts_between
from shared.kpis.writer import InsightsWriter, build_writer
from shared.mongo import Database
from shared.runtime import Runtime


def kpi_router(db: Database, writer: InsightsWriter, token: SecretStr) -> APIRouter:
    router = APIRouter(
        prefix="/api/stores/{store_id}", tags=["kpis"], dependencies=[bearer_token_required(token)]
    )

    @router.get("/insights")
    async def get_insights(
        store_id: str,
        day: Annotated[
            date | None, Query(alias="date", description="Local date; default yesterday.")
        ] = None,
        lang: Annotated[
            Language | None, Query(description="id or en; default: the bot's language.")
        ] = None,
    ) -> Insights:
        return await store_insights(db, store_id, day, writer, lang)

    @router.get("/forecast")
    async def get_forecast(
        store_id: str,
        metric: str = "inbound_messages",
        days: Annotated[int, Query(ge=1, le=28)] = 7,
        backtest: bool = False,
    ) -> ForecastReport:
        try:
            return await store_forecast(db, store_id, metric, days, backtest)
        except UnknownMetric as error:
            raise HTTPException(status_code=400, detail=str(error)) from None

    @router.get("/conversation-facts.csv", response_class=Response)
    async def get_conversation_facts(
        store_id: str,
        first: Annotated[date, Query(alias="from", description="First local date.")],
        last: Annotated[date, Query(alias="to", description="Last local date, included.")],
    ) -> Response:
        if last < first:
            raise HTTPException(status_code=400, detail="to is before from")
        rows = await facts_between(db, store_id, first, last)
        return Response(
            csv_text(rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="conversation-facts-{first}-{last}.csv"'
                )
            },
        )

    return router


def routes(runtime: Runtime) -> APIRouter:
    settings = runtime.settings
    return kpi_router(runtime.db, build_writer(settings), settings.console.admin_api_token)
