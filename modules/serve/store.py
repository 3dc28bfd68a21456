"""The studio's SQLite database: collections, jobs with their events, and the cache counters.
One short-lived connection per call, so the server's threads and the job runner share it."""

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, traits TEXT NOT NULL, folder TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY, collection_id INTEGER NOT NULL REFERENCES collections(id),
    status TEXT NOT NULL, params TEXT NOT NULL, n INTEGER NOT NULL, seed INTEGER,
    done INTEGER NOT NULL DEFAULT 0, rate REAL, eta REAL, output TEXT NOT NULL,
    fingerprint TEXT, resume INTEGER NOT NULL DEFAULT 0, cancel INTEGER NOT NULL DEFAULT 0,
    pid INTEGER, exit_code INTEGER, message TEXT, rerolls INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL, started REAL, finished REAL, seconds REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs(status, id);
CREATE TABLE IF NOT EXISTS events (
    job_id INTEGER NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

FINAL = ("succeeded", "failed", "cancelled", "interrupted")
STATUSES = ("queued", "running", *FINAL)


@dataclass(frozen=True)
class Event:
    """One stored job event, numbered from 1 within its job."""

    seq: int
    kind: str
    data: dict[str, Any]


class Store:
    """Typed queries over the studio database at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connection() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            db.row_factory = sqlite3.Row
            yield db

    def add_collection(self, name: str, traits: str, folder: str) -> int:
        with self._connection() as db:
            cursor = db.execute(
                "INSERT INTO collections (name, traits, folder, created) VALUES (?, ?, ?, ?)",
                (name, traits, folder, time.time()),
            )
            return int(cursor.lastrowid or 0)

    def collection(self, collection_id: int) -> dict[str, Any] | None:
        with self._connection() as db:
            row = db.execute("SELECT * FROM collections WHERE id = ?", (collection_id,)).fetchone()
        return dict(row) if row else None

    def collections(self) -> list[dict[str, Any]]:
        with self._connection() as db:
            return [dict(r) for r in db.execute("SELECT * FROM collections ORDER BY id")]

    def add_job(self, collection_id: int, params: dict[str, Any], fingerprint: str | None) -> int:
        with self._connection() as db:
            cursor = db.execute(
                "INSERT INTO jobs (collection_id, status, params, n, seed, output, fingerprint,"
                " created) VALUES (?, 'queued', ?, ?, ?, '', ?, ?)",
                (
                    collection_id,
                    json.dumps(params, sort_keys=True),
                    params["n"],
                    params.get("seed"),
                    fingerprint,
                    time.time(),
                ),
            )
            job_id = int(cursor.lastrowid or 0)
            db.execute("UPDATE jobs SET output = ? WHERE id = ?", (f"jobs/{job_id}", job_id))
        self.add_event(job_id, "status", {"status": "queued"})
        return job_id

    def job(self, job_id: int) -> dict[str, Any] | None:
        with self._connection() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def jobs(self, status: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        where, args = ("WHERE status = ?", [status]) if status else ("", [])
        with self._connection() as db:
            total = db.execute(f"SELECT COUNT(*) FROM jobs {where}", args).fetchone()[0]
            rows = db.execute(
                f"SELECT * FROM jobs {where} ORDER BY id DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return [_job(row) for row in rows], int(total)

    def jobs_in(self, status: str) -> list[dict[str, Any]]:
        with self._connection() as db:
            rows = db.execute("SELECT * FROM jobs WHERE status = ?", (status,)).fetchall()
        return [_job(row) for row in rows]

    def jobs_since(self, since: float) -> list[dict[str, Any]]:
        with self._connection() as db:
            rows = db.execute("SELECT * FROM jobs WHERE created >= ?", (since,)).fetchall()
        return [_job(row) for row in rows]

    def latest_job(self, collection_id: int, statuses: Sequence[str]) -> dict[str, Any] | None:
        marks = ",".join("?" * len(statuses))
        with self._connection() as db:
            row = db.execute(
                f"SELECT * FROM jobs WHERE collection_id = ? AND status IN ({marks})"
                " ORDER BY id DESC LIMIT 1",
                (collection_id, *statuses),
            ).fetchone()
        return _job(row) if row else None

    def cached_job(self, fingerprint: str) -> dict[str, Any] | None:
        with self._connection() as db:
            row = db.execute(
                "SELECT * FROM jobs WHERE fingerprint = ? AND status = 'succeeded'"
                " AND rerolls = 0 ORDER BY id DESC LIMIT 1",
                (fingerprint,),
            ).fetchone()
        return _job(row) if row else None

    def forget_fingerprints(self) -> int:
        with self._connection() as db:
            return db.execute(
                "UPDATE jobs SET fingerprint = NULL WHERE fingerprint IS NOT NULL"
            ).rowcount

    def cache_entries(self) -> int:
        with self._connection() as db:
            return int(
                db.execute(
                    "SELECT COUNT(DISTINCT fingerprint) FROM jobs WHERE status = 'succeeded'"
                    " AND rerolls = 0 AND fingerprint IS NOT NULL"
                ).fetchone()[0]
            )

    def next_queued(self) -> dict[str, Any] | None:
        with self._connection() as db:
            row = db.execute(
                "SELECT * FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1"
            ).fetchone()
        return _job(row) if row else None

    def update_job(self, job_id: int, **fields: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self._connection() as db:
            db.execute(f"UPDATE jobs SET {columns} WHERE id = ?", (*fields.values(), job_id))

    def claim(self, job_id: int, started: float) -> bool:
        """Mark a queued job running; False when it left the queue meanwhile (cancelled)."""
        with self._connection() as db:
            return (
                db.execute(
                    "UPDATE jobs SET status = 'running', started = ?, cancel = 0, pid = NULL"
                    " WHERE id = ? AND status = 'queued'",
                    (started, job_id),
                ).rowcount
                == 1
            )

    def cancel_queued(self, job_id: int, finished: float) -> bool:
        """Take a job out of the queue; False when a runner claimed it meanwhile."""
        with self._connection() as db:
            changed = db.execute(
                "UPDATE jobs SET status = 'cancelled', finished = ?"
                " WHERE id = ? AND status = 'queued'",
                (finished, job_id),
            ).rowcount
        if changed:
            self.add_event(job_id, "status", {"status": "cancelled"})
        return changed == 1

    def request_cancel(self, job_id: int) -> bool:
        """Flag a running job for its runner to stop; False when it is not running."""
        with self._connection() as db:
            return (
                db.execute(
                    "UPDATE jobs SET cancel = 1 WHERE id = ? AND status = 'running'", (job_id,)
                ).rowcount
                == 1
            )

    def requeue(self, job_id: int, statuses: Sequence[str]) -> bool:
        """Put a job in one of `statuses` back in the queue to resume it."""
        marks = ",".join("?" * len(statuses))
        with self._connection() as db:
            changed = db.execute(
                f"UPDATE jobs SET status = 'queued', resume = 1, exit_code = NULL, message = NULL,"
                f" finished = NULL WHERE id = ? AND status IN ({marks})",
                (job_id, *statuses),
            ).rowcount
        if changed:
            self.add_event(job_id, "status", {"status": "queued"})
        return changed == 1

    def add_event(self, job_id: int, kind: str, data: dict[str, Any]) -> None:
        with self._connection() as db:
            db.execute(
                "INSERT INTO events (job_id, seq, kind, data) SELECT ?, COALESCE(MAX(seq), 0) + 1,"
                " ?, ? FROM events WHERE job_id = ?",
                (job_id, kind, json.dumps(data, sort_keys=True), job_id),
            )

    def events_after(self, job_id: int, seq: int) -> list[Event]:
        with self._connection() as db:
            rows = db.execute(
                "SELECT seq, kind, data FROM events WHERE job_id = ? AND seq > ? ORDER BY seq",
                (job_id, seq),
            ).fetchall()
        return [Event(row["seq"], row["kind"], json.loads(row["data"])) for row in rows]

    def count(self, name: str, by: int = 1) -> None:
        with self._connection() as db:
            db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?)"
                " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                (name, by),
            )

    def counters(self) -> dict[str, int]:
        with self._connection() as db:
            return {row["name"]: row["value"] for row in db.execute("SELECT * FROM counters")}

    def reset_counters(self) -> None:
        with self._connection() as db:
            db.execute("DELETE FROM counters")


def _job(row: sqlite3.Row) -> dict[str, Any]:
    job = dict(row)
    job["params"] = json.loads(job["params"])
    return job
