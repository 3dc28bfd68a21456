"""`generate --events FILE`: the run's progress, warnings and final report as JSON lines, for
programs that follow a run (the studio's job worker) instead of reading the progress bar."""

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from modules.run.report import Report


class EventLog:
    """Appends one JSON object per line and flushes it, so a reader never sees half a run."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.done = 0

    def write(self, kind: str, **data: Any) -> None:
        line = json.dumps({"kind": kind, "time": time.time(), **data}, sort_keys=True)
        self._stream.write(line + "\n")
        self._stream.flush()

    def progress(self, finished: int) -> None:
        self.done += finished
        self.write("progress", done=self.done)

    def report(self, report: Report) -> None:
        self.write(
            "report",
            exit_code=report.exit_code,
            lines=report.summary_lines(),
            requested=report.requested,
            done=report.done,
            written=report.written,
            reused=report.reused,
            failed=len(report.failed),
            seed=report.seed,
            capacity={"count": report.capacity.count, "exact": report.capacity.exact},
            planned_only=report.planned_only,
            shares=[asdict(row) for row in report.shares],
        )


class _WarningHandler(logging.Handler):
    def __init__(self, events: EventLog) -> None:
        super().__init__(logging.WARNING)
        self._events = events

    def emit(self, record: logging.LogRecord) -> None:
        self._events.write("warning", message=record.getMessage())


@contextmanager
def event_log(path: Path | None) -> Iterator[EventLog | None]:
    """The event log at `path` (None: no log) with the run's warnings routed into it."""
    if path is None:
        yield None
        return
    with path.open("a", encoding="utf-8") as stream:
        events = EventLog(stream)
        events.write("start")  # the run is under way and stop signals are handled
        handler = _WarningHandler(events)
        logging.getLogger().addHandler(handler)
        try:
            yield events
        finally:
            logging.getLogger().removeHandler(handler)
