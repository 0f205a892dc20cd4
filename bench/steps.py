"""The rich progress display: a line per setup step, a bar per measured run."""

from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from bench.load import Tick


def progress_display(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@dataclass
class Steps:
    progress: Progress

    def note(self, text: str) -> None:
        self.progress.console.log(text)

    def bar(self, description: str, total: int) -> Tick:
        task = self.progress.add_task(description, total=total)
        return lambda: self.progress.advance(task)
