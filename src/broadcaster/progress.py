"""Progress for long renders: a bar on a terminal, plain lines otherwise
(a cron job's log should read well, without control characters)."""
from __future__ import annotations

import sys
import time


class PlainReporter:
    """One line per stage, and a synthesis line every 10 % (at most every 5 s)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.total = 0
        self.done = 0
        self._last_pct = -1
        self._last_t = 0.0

    def _say(self, text: str) -> None:
        print(f"broadcaster: {text}", file=self.stream, flush=True)

    def stage(self, name: str) -> None:
        self._say(name)

    def synthesis_started(self, total: int) -> None:
        self.total, self.done = total, 0
        self._say(f"speaking {total} segments")

    def advance(self, n: int) -> None:
        self.done += n
        pct = 100 * self.done // max(1, self.total)
        now = time.monotonic()
        if pct // 10 > self._last_pct // 10 and (now - self._last_t > 5 or self.done == self.total):
            self._last_pct, self._last_t = pct, now
            self._say(f"segments {self.done}/{self.total}")

    def synthesis_done(self) -> None:
        pass


class BarReporter:
    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=self.console, transient=True,
        )
        self.task = None

    def stage(self, name: str) -> None:
        self.console.print(f"[dim]{name}…[/dim]")

    def synthesis_started(self, total: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("speaking", total=total)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def synthesis_done(self) -> None:
        self.progress.stop()


def reporter_for(stream=None, quiet: bool = False):
    from broadcaster.render import SilentReporter

    stream = stream or sys.stderr
    if quiet:
        return SilentReporter()
    return BarReporter() if stream.isatty() else PlainReporter(stream)
