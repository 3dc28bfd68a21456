"""One writer per output folder (DESIGN.md §4): an OS lock on a file in the folder, held for
the writer's whole life and released by the kernel when the process ends, so a killed run
never leaves a stale lock behind. The file is removed when the writer is done (so a finished
collection holds only its own files); a lock taken on a file that was just removed is let go
and taken again on the new one."""

import errno
import fcntl
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from modules.errors import OutputError
from modules.publish.output_folder import make_writable_folder

LOCK_FILE = ".genecator.lock"


class OutputLock:
    """Context manager: the exclusive lock of `folder` (created if missing), or an
    OutputError naming the run that holds it."""

    def __init__(self, folder: Path, purpose: str) -> None:
        self.folder = folder
        self.purpose = purpose
        self._handle: IO[str] | None = None
        self._created = False  # the folder was made for the lock: remove it if left empty

    def __enter__(self) -> "OutputLock":
        path = self.folder / LOCK_FILE
        while True:
            handle = self._open(path)
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(handle)
                handle.close()
                msg = (
                    f"{self.folder}: another Genecator process is writing it ({holder}); wait "
                    "for it to finish, or choose another --output"
                )
                raise OutputError(msg) from None
            if _same_file(handle, path):
                break
            handle.close()  # its holder removed it as we opened it: lock the new one
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "started": _now(), "doing": self.purpose}))
        handle.flush()
        self._handle = handle
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            (self.folder / LOCK_FILE).unlink(missing_ok=True)  # while still holding it
            self._handle.close()  # closing releases the lock
            self._handle = None
        if self._created and not any(self.folder.iterdir()):
            self.folder.rmdir()  # a run refused before writing leaves nothing behind

    def _open(self, path: Path) -> IO[str]:
        self._created = self._created or not self.folder.exists()
        make_writable_folder(self.folder)  # or one clear line on why it cannot be
        try:
            # Never through a link (it would write the record elsewhere) nor into a pipe
            # (opening one for writing waits for a reader).
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                msg = f"{path}: is a symbolic link, not Genecator's lock file; move it away"
            else:
                reason = exc.strerror or exc
                msg = f"{path}: cannot create the lock file ({reason}); fix permissions"
            raise OutputError(msg) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OutputError(
                f"{path}: is not a regular file, so not Genecator's lock file; move it away"
            )
        return os.fdopen(fd, "r+", encoding="utf-8")


def _same_file(handle: IO[str], path: Path) -> bool:
    """Whether `path` still names the file `handle` has open."""
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _holder(handle: IO[str]) -> str:
    """Who holds the lock, as its holder wrote it ('pid 123, generate, since …')."""
    handle.seek(0)
    try:
        record = json.loads(handle.read() or "{}")
        return f"pid {record['pid']}, {record['doing']}, since {record['started']}"
    except (ValueError, KeyError, TypeError):
        return "a process that has not recorded itself yet"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
