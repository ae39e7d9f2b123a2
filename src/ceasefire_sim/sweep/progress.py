"""Progress of a sweep: a bar with an ETA on a terminal or in Jupyter, lines otherwise.

The runner reports through the small :class:`Progress` interface; :func:`make_progress` picks the
right implementation for the stream (a rich bar on a terminal and in a Jupyter notebook, where
rich draws it as a widget; start and end lines in a file or a cluster's batch log; nothing with
``quiet``), so sweeps run from scripts, notebooks or batch jobs stay readable. From Python,
``run_sweep(..., progress=True)`` asks for the same choice.
"""

from __future__ import annotations

import sys
from typing import IO, Any, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as RichProgressBar,
)


class Progress(Protocol):
    """What the runner tells about its progress."""

    def log(self, message: str) -> None:
        """A line for the user (start, resume, finish)."""

    def start(
        self, total_worlds: int, done_worlds: int, total_chunks: int, done_chunks: int
    ) -> None:
        """Computing begins; ``done_*`` were already on disk."""

    def advance(self, worlds: int) -> None:
        """One more chunk of ``worlds`` worlds is finished."""

    def stop(self) -> None:
        """Computing ended (finished, failed or interrupted)."""


class QuietProgress:
    """Says nothing at all (``--quiet``, or the Python API by default)."""

    def log(self, message: str) -> None:
        """Ignore."""

    def start(
        self, total_worlds: int, done_worlds: int, total_chunks: int, done_chunks: int
    ) -> None:
        """Ignore."""

    def advance(self, worlds: int) -> None:
        """Ignore."""

    def stop(self) -> None:
        """Ignore."""


class LineProgress(QuietProgress):
    """Prints the log lines only (a stream that is not a terminal)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def log(self, message: str) -> None:
        """Print the line."""
        print(message, file=self.stream, flush=True)


class BarProgress(LineProgress):
    """A rich progress bar over worlds, with chunks done, elapsed time and ETA."""

    def __init__(self, console: Console) -> None:
        super().__init__(console.file)
        self.console = console
        self.bar: RichProgressBar | None = None
        self.task: Any = None

    def log(self, message: str) -> None:
        """Print the line above the bar."""
        self.console.print(message, highlight=False, markup=False)

    def start(
        self, total_worlds: int, done_worlds: int, total_chunks: int, done_chunks: int
    ) -> None:
        """Show the bar."""
        self.bar = RichProgressBar(
            TextColumn("[bold]sweep"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("chunks {task.fields[chunks]}"),
            TextColumn("elapsed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.bar.start()
        self.total_chunks = total_chunks
        self.chunks_done = done_chunks
        # The bar counts worlds, so the ETA is right when the last chunk is smaller.
        self.task = self.bar.add_task(
            "sweep", total=total_worlds, completed=done_worlds, chunks=self._chunks()
        )

    def _chunks(self) -> str:
        return f"{self.chunks_done}/{self.total_chunks}"

    def advance(self, worlds: int) -> None:
        """Move the bar by a chunk."""
        if self.bar is not None:
            self.chunks_done += 1
            self.bar.update(self.task, advance=worlds, chunks=self._chunks())

    def stop(self) -> None:
        """Remove the bar's live display."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def make_progress(quiet: bool = False, stream: IO[str] | None = None) -> Progress:
    """The progress reporter for a stream (default: standard error).

    Args:
        quiet: Report nothing.
        stream: Where to report.

    Returns:
        A bar with an ETA on a terminal or in a Jupyter notebook, plain start and end lines
        otherwise, nothing if quiet.
    """
    if quiet:
        return QuietProgress()
    stream = stream if stream is not None else sys.stderr
    console = Console(file=stream)
    if console.is_terminal or console.is_jupyter:
        return BarProgress(console)
    return LineProgress(stream)
