"""`balas store broadcast`: create a broadcast (an approved template and a segment), preview who
it reaches, schedule it, follow its sending, cancel it, and set the store's sending limits
(docs/notifications.md#broadcasts). The responder sends."""

from __future__ import annotations

import asyncio
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from balas.cli_support import (
    StoreOption,
    command_group,
    console,
    parse_moment,
    print_listing,
    require_store,
    with_db,
    wrapping_table,
)
from balas.notification_commands import variable_pair
from balas.wording import counted

if TYPE_CHECKING:
    from shared import mongo
    from shared.broadcasts.model import Broadcast, Progress

broadcast_app = command_group("Broadcasts to the customers who agreed to promotions.")

IdOption = Annotated[str, typer.Option("--id", help="The broadcast's id (see `status`).")]
FOLLOW_SECONDS = 2.0


def _segment_options(
    products: list[int] | None,
    categories: list[str] | None,
    spent_over: str | None,
    wrote_within: int | None,
) -> dict[str, object]:
    return {
        "product_ids": products or [],
        "categories": categories or [],
        "spent_over": Decimal(spent_over) if spent_over else None,
        "wrote_within_days": wrote_within,
    }


ProductOption = Annotated[
    list[int] | None, typer.Option("--product", help="Bought this product (id). Repeatable.")
]
CategoryOption = Annotated[
    list[str] | None,
    typer.Option("--category", help="Bought in this category (slug or name). Repeatable."),
]
SpentOption = Annotated[
    str | None,
    typer.Option("--spent-over", metavar="AMOUNT", help="Spent more than this in paid orders."),
]
WroteOption = Annotated[
    int | None, typer.Option("--wrote-within", help="Wrote to the store in the last N days.")
]


@broadcast_app.command("create")
def create(
    store_id: StoreOption,
    name: Annotated[str, typer.Option(help="A name for the owner's eyes.")],
    template: Annotated[
        str, typer.Option(help="Twilio Content SID (HX...) or Cloud API `name:language`.")
    ],
    variables: Annotated[
        list[str] | None,
        typer.Option("--var", help="KEY=FIELD, fields: first_name, store_name. Repeatable."),
    ] = None,
    products: ProductOption = None,
    categories: CategoryOption = None,
    spent_over: SpentOption = None,
    wrote_within: WroteOption = None,
    attribution_days: Annotated[
        int, typer.Option(help="Replies and orders this many days after count for it.")
    ] = 3,
) -> None:
    """A draft broadcast; nothing is sent until `schedule`."""
    from pydantic import ValidationError

    from shared.broadcasts import model

    try:
        plan = model.BroadcastPlan.model_validate(
            {
                "name": name,
                "template": {
                    "template": template,
                    "variables": dict(map(variable_pair, variables or [])),
                },
                "segment": _segment_options(products, categories, spent_over, wrote_within),
                "attribution_days": attribution_days,
            }
        )
    except (ValueError, ValidationError) as error:
        console.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(2) from None

    async def work(db: mongo.Database) -> None:
        await require_store(db, store_id)
        broadcast = await model.create(db, store_id, plan)
        console.print(f"draft broadcast {broadcast.id}: preview it, then schedule it")

    with_db(work)


@broadcast_app.command("preview")
def preview(
    store_id: StoreOption,
    broadcast_id: Annotated[
        str | None, typer.Option("--id", help="A broadcast's segment; else the options'.")
    ] = None,
    products: ProductOption = None,
    categories: CategoryOption = None,
    spent_over: SpentOption = None,
    wrote_within: WroteOption = None,
) -> None:
    """How many customers the segment names now, with promotion consent, and a few of them."""
    from pydantic import ValidationError

    from shared.broadcasts import model, segments
    from shared.events import utcnow

    async def work(db: mongo.Database) -> None:
        if broadcast_id is not None:
            segment = (await _broadcast(db, store_id, broadcast_id)).segment
        else:
            options = _segment_options(products, categories, spent_over, wrote_within)
            try:
                segment = model.Segment.model_validate(options)
            except ValidationError as error:
                console.print(f"[red]{escape(str(error))}[/]")
                raise typer.Exit(2) from None
        seen = await segments.preview(db, store_id, segment, utcnow())
        console.print(f"{counted(seen.count, 'customer')} with promotion consent")
        for number in seen.sample:
            console.print(f"  {number}")

    with_db(work)


@broadcast_app.command("schedule")
def schedule(
    store_id: StoreOption,
    broadcast_id: IdOption,
    at: Annotated[
        str | None,
        typer.Option(metavar="TIME", help="When to start, ISO 8601 (no offset: UTC); else now."),
    ] = None,
) -> None:
    """Start sending at `--at` (or now)."""
    from shared.broadcasts import model
    from shared.events import utcnow

    moment = (parse_moment(at, "--at") or utcnow()).astimezone(UTC)

    async def work(db: mongo.Database) -> None:
        broadcast = await _broadcast(db, store_id, broadcast_id)
        try:
            broadcast = await model.schedule(db, broadcast, moment)
        except model.NotSchedulable as error:
            console.print(f"[red]{escape(str(error))}[/]")
            raise typer.Exit(1) from None
        console.print(f"broadcast {broadcast.id} scheduled for {moment:%Y-%m-%d %H:%M} UTC")

    with_db(work)


@broadcast_app.command("cancel")
def cancel(store_id: StoreOption, broadcast_id: IdOption) -> None:
    """Stop it: no customer still waiting is sent to."""
    from shared.broadcasts import model

    async def work(db: mongo.Database) -> None:
        broadcast = await _broadcast(db, store_id, broadcast_id)
        try:
            await model.cancel(db, broadcast)
        except model.NotCancellable as error:
            console.print(f"[red]{escape(str(error))}[/]")
            raise typer.Exit(1) from None
        _show_progress(await model.progress(db, broadcast.id))

    with_db(work)


@broadcast_app.command("status")
def status(
    store_id: StoreOption,
    broadcast_id: Annotated[
        str | None, typer.Option("--id", help="One broadcast in full; else the list.")
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", help="With --id: a progress bar until it ends.")
    ] = False,
) -> None:
    """The store's broadcasts, or one with its progress and results."""
    from shared.broadcasts import model
    from shared.broadcasts.results import results

    async def work(db: mongo.Database) -> None:
        await require_store(db, store_id)
        if broadcast_id is None:
            await _list(db, store_id)
            return
        broadcast = await _broadcast(db, store_id, broadcast_id)
        if follow:
            broadcast = await _follow(db, broadcast)
        console.print(f"{escape(broadcast.name)} ({broadcast.id}): {broadcast.status.value}")
        _show_progress(await model.progress(db, broadcast.id))
        outcome = await results(db, broadcast)
        console.print(
            f"delivered {outcome.delivered}, read {outcome.read}, replied {outcome.replied}, "
            f"opted out {outcome.opted_out}, orders {outcome.orders} "
            f"({_revenue(outcome.revenue)}) within {counted(outcome.attribution_days, 'day')}"
        )

    with_db(work)


@broadcast_app.command("limits")
def limits(
    store_id: StoreOption,
    per_second: Annotated[float | None, typer.Option(help="Messages per second.")] = None,
    daily: Annotated[
        int | None,
        typer.Option(help="The WhatsApp messaging tier: customers per 24 h (250, 1000, ...)."),
    ] = None,
) -> None:
    """Set the store's sending pace and daily messaging limit; without options, show them."""
    from pydantic import ValidationError

    from shared.broadcasts import model

    async def work(db: mongo.Database) -> None:
        await require_store(db, store_id)
        current = await model.load_limits(db, store_id)
        changes = {"per_second": per_second, "daily_customers": daily}
        if any(value is not None for value in changes.values()):
            try:
                current = model.Limits.model_validate(
                    {**current.model_dump(), **{k: v for k, v in changes.items() if v is not None}}
                )
            except ValidationError as error:
                console.print(f"[red]{escape(str(error))}[/]")
                raise typer.Exit(2) from None
            await model.save_limits(db, store_id, current)
        console.print(
            f"{counted(current.per_second, 'message')} a second, "
            f"{counted(current.daily_customers, 'customer')} a day"
        )

    with_db(work)


async def _broadcast(db: mongo.Database, store_id: str, broadcast_id: str) -> Broadcast:
    from shared.broadcasts import model

    broadcast = await model.find(db, store_id, broadcast_id)
    if broadcast is None:
        console.print(f"[red]no broadcast {escape(broadcast_id)} in {escape(store_id)}[/]")
        raise typer.Exit(1)
    return broadcast


async def _list(db: mongo.Database, store_id: str) -> None:
    from shared.broadcasts import model

    table = wrapping_table("id", "name", "status", "scheduled", "sent", "of", whole=("id",))
    for broadcast in await model.listed(db, store_id):
        done = await model.progress(db, broadcast.id)
        when = f"{broadcast.scheduled_at:%Y-%m-%d %H:%M}" if broadcast.scheduled_at else "-"
        table.add_row(
            broadcast.id,
            escape(broadcast.name),
            broadcast.status.value,
            when,
            str(done.sent),
            str(done.recipients),
        )
    print_listing(table, empty=f"No broadcasts in store {escape(store_id)} yet.")


async def _follow(db: mongo.Database, broadcast: Broadcast) -> Broadcast:
    """A progress bar of the recipients settled, until the sending ends (or Ctrl-C)."""
    from rich.progress import Progress

    from shared.broadcasts import model

    ended = (model.Status.DONE, model.Status.CANCELLED, model.Status.DRAFT)
    with Progress(console=console) as bar:
        task = bar.add_task(f"sending {escape(broadcast.name)}", total=None)
        while True:
            done = await model.progress(db, broadcast.id)
            settled = done.recipients - done.pending - done.sending
            bar.update(task, completed=settled, total=done.recipients or None)
            current = await model.find(db, broadcast.store_id, broadcast.id)
            if current is None or current.status in ended:
                return current or broadcast
            await asyncio.sleep(FOLLOW_SECONDS)


def _show_progress(done: Progress) -> None:
    console.print(
        f"{counted(done.recipients, 'recipient')}: {done.sent} sent, {done.failed} failed, "
        f"{done.skipped} skipped (no consent), {done.cancelled} cancelled, "
        f"{done.pending + done.sending} pending"
    )


def _revenue(revenue: dict[str, str]) -> str:
    return ", ".join(f"{currency} {total}" for currency, total in revenue.items()) or "no revenue"
