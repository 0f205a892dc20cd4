"""`balas topics`: each Kafka topic's partitions, retention and consumer groups' lag, and
raising a topic's partition count once its groups have drained."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from balas.cli_support import cli_settings, command_group, console, wrapping_table
from balas.wording import counted

if TYPE_CHECKING:  # with Kafka's admin client, loaded when a command runs
    from balas.topic_admin import TopicsReport, TopicState

topics_app = command_group(
    "Kafka topics: partitions, retention and each consumer group's lag (the list, also "
    "without a command); growing a topic once its groups have drained.",
    no_args_is_help=False,
)

DAY_MS, HOUR_MS = 86_400_000, 3_600_000


PerPartitionOption = Annotated[
    bool, typer.Option("--per-partition", help="Each group's lag on every partition too.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@topics_app.callback(invoke_without_command=True)
def topics_default(
    ctx: typer.Context, per_partition: PerPartitionOption = False, as_json: JsonOption = False
) -> None:
    """Without a command: the same as `balas topics list`."""
    if ctx.invoked_subcommand is None:
        topics_list(per_partition, as_json)


@topics_app.command("list")
def topics_list(per_partition: PerPartitionOption = False, as_json: JsonOption = False) -> None:
    """Every Balas topic: partitions, retention, and the lag of each group that reads it."""
    from balas.topic_admin import describe
    from shared import kafka, topics

    bootstrap = kafka.bootstrap_servers(cli_settings())
    report = asyncio.run(describe(bootstrap, topics.with_dead_letters()))
    if as_json:
        print(report.model_dump_json(indent=2))
        return
    console.print(_topics_table(report))
    if per_partition:
        for state in report.topics:
            if state.groups:
                console.print(_partitions_table(state))


def _topics_table(report: TopicsReport) -> Table:
    table = wrapping_table(
        "topic", "partitions", "retention", "groups (lag)", whole=("topic", "partitions")
    )
    for state in report.topics:
        groups = ", ".join(f"{escape(group.group)} ({group.lag})" for group in state.groups)
        table.add_row(
            state.topic, str(state.partitions), retention_text(state.retention_ms), groups or "-"
        )
    for name in report.missing:
        table.add_row(name, "-", "-", "not created yet")
    return table


def _partitions_table(state: TopicState) -> Table:
    table = wrapping_table(
        "group", "partition", "end", "committed", "lag", title=f"{state.topic}, per partition"
    )
    for group in state.groups:
        for part in group.partitions:
            table.add_row(
                escape(group.group),
                str(part.partition),
                str(part.end),
                "-" if part.committed is None else str(part.committed),
                str(part.lag),
            )
    return table


def retention_text(ms: int | None) -> str:
    if ms is None:
        return "broker default"
    if ms < 0:
        return "forever"
    if ms % DAY_MS == 0:
        return f"{ms // DAY_MS} d"
    if ms % HOUR_MS == 0:
        return f"{ms // HOUR_MS} h"
    return f"{ms / 1000:g} s"


@topics_app.command("grow")
def topics_grow(
    topic: Annotated[str, typer.Argument(help="A Balas topic, e.g. whatsapp.inbound.")],
    partitions: Annotated[int, typer.Option("--partitions", help="The new partition count.")],
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for the groups to drain before refusing.")
    ] = 60.0,
    force: Annotated[
        bool,
        typer.Option("--force", help="Grow without checking that the groups have drained."),
    ] = False,
) -> None:
    """Raise a topic's partition count once every group reading it has drained.

    A conversation's events are keyed by it, and the key's partition is its hash modulo the
    count: events still waiting on the old partition could be handled after the next ones on
    the new. So the command first waits (up to --wait) until no group has lag on the topic.
    """
    from balas.topic_admin import GrowRefused, grow
    from shared import kafka, topics

    bootstrap = kafka.bootstrap_servers(cli_settings())
    if force:
        console.print(
            "[yellow]--force: not waiting for the groups to drain; a conversation's events "
            "still waiting may be handled after its newer ones[/]"
        )
    # Shown only while groups have lag to work off.
    progress = Progress(console=console, transient=True)
    task = progress.add_task(f"waiting for the groups of {topic} to drain", total=None)

    def show(state: TopicState) -> None:
        if state.lag and not progress.live.is_started:
            progress.start()
        total = max(progress.tasks[task].total or 0, state.lag)
        progress.update(task, total=total, completed=total - state.lag)

    try:
        count = asyncio.run(
            grow(
                bootstrap,
                topic,
                partitions,
                topics.with_dead_letters(),
                wait_seconds=wait,
                force=force,
                progress=show,
            )
        )
    except GrowRefused as refused:
        console.print(f"[red]{escape(str(refused))}[/]")
        raise typer.Exit(1) from None
    finally:
        if progress.live.is_started:
            progress.stop()
    console.print(
        f"{topic} now has {counted(count, 'partition')}; producers and consumers use the new ones "
        "after their next metadata refresh (docs/scaling.md, Growing a topic)"
    )
