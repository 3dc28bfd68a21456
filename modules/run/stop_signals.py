"""Stop signals (Ctrl-C's SIGINT, and SIGTERM) end a command with one line and exit 130
whenever they come: before it starts work, at once; while it works, as a StopSignal that
unwinds it (a write in progress removes its temp file); while rendering, the first one asks
for a clean stop. Render processes never receive them: the parent stops them."""

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from types import FrameType, TracebackType

HANDLED = (signal.SIGINT, signal.SIGTERM)
EXIT_INTERRUPTED = 130
RESUME_HINT = "run the same command with --resume"

Handler = Callable[[int, FrameType | None], object]


class StopSignal(KeyboardInterrupt):
    """A stop signal, raised wherever the main thread was (as Ctrl-C's KeyboardInterrupt is);
    `name` says which one."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def interrupted_line(name: str, resumable: bool) -> str:
    """The last line of a command stopped by signal `name`."""
    if resumable:
        return f"Interrupted ({name}); finished tokens are kept: {RESUME_HINT}."
    return f"Interrupted ({name}); files already written are complete."


@contextmanager
def exit_on_stop_signals() -> Iterator[None]:
    """Before a command starts work (half a second of imports and option parsing): a stop
    signal ends the process with one line and exit 130, not a traceback or a silent kill."""
    received: list[int] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        _exit(signum, frame)

    try:
        with _handling(handle):
            try:
                yield
            except RuntimeError as error:
                # Python 3.11 wraps what a descriptor's __set_name__ raises in RuntimeError, so
                # a signal landing while an import defines a dataclass field arrives wrapped.
                if isinstance(error.__cause__, SystemExit):
                    raise error.__cause__ from None
                raise
    finally:
        # C code that clears errors (PyObject_HasAttr, say) can drop the SystemExit raised in
        # the middle of an import: a loaded test run saw a run go on after its line was printed.
        if received:
            raise SystemExit(EXIT_INTERRUPTED)


@contextmanager
def raising_stop_signals() -> Iterator[None]:
    """SIGTERM raises StopSignal as Ctrl-C does, so whatever the main thread is doing unwinds
    and the command can report the interruption."""
    with _handling(_raise):
        yield


@contextmanager
def blocked_for_workers() -> Iterator[None]:
    """Holds stop signals back while the render worker server starts: it and the workers it
    forks keep them blocked for life; this process still gets any that arrive meanwhile."""
    # multiprocessing's resource tracker unblocks these signals once it has started, so it
    # goes first. Imported here: this module loads first at start-up and must stay light.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class StopSignals:
    """Context manager for rendering: `requested` names the first stop signal received; a
    second one raises StopSignal at once."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self._handling = ExitStack()

    def __enter__(self) -> "StopSignals":
        self._handling.enter_context(_handling(self._handle))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._handling.close()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            _raise(signum, frame)
        self.requested = signal.Signals(signum).name


@contextmanager
def _handling(handler: Handler) -> Iterator[None]:
    """`handler` for every stop signal, then the previous handlers back."""
    # Python runs signal handlers in the main thread only; elsewhere keep the handling as is.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, handler) for signum in HANDLED}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _raise(signum: int, frame: FrameType | None) -> None:
    raise StopSignal(signal.Signals(signum).name)


def _exit(signum: int, frame: FrameType | None) -> None:
    line = interrupted_line(signal.Signals(signum).name, resumable=False) + "\n"
    # Straight to the file: the signal may have come in the middle of a write to sys.stderr.
    os.write(sys.stderr.fileno(), line.encode())
    # SystemExit, not StopSignal: click turns a KeyboardInterrupt into "Aborted!" and exit 1.
    raise SystemExit(EXIT_INTERRUPTED)
