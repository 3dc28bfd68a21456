"""Short CLI runs the API waits for (a dry run, a re-roll): the same commands a user types,
so their refusals reach the browser word for word."""

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.serve.collections import CollectionFiles
from modules.serve.studio import cli_prefix, input_arguments

CALL_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class CliResult:
    """A finished command: its exit code, its 'Error: …' lines and its final report event."""

    exit_code: int
    errors: list[str]
    report: dict[str, Any] | None


def run_cli(arguments: list[str], cwd: Path, events: Path | None = None) -> CliResult:
    """Run `genecator ARGUMENTS` and wait for it."""
    done = subprocess.run(
        [*cli_prefix(), *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=CALL_TIMEOUT_SECONDS,
        check=False,
    )
    errors = [
        line[len("Error: ") :] for line in done.stderr.splitlines() if line.startswith("Error: ")
    ]
    return CliResult(done.returncode, errors, _last_report(events) if events else None)


def dry_run(files: CollectionFiles, cwd: Path, n: int, seed: int | None) -> CliResult:
    """`generate --dry-run` for the collection: capacity and the planned shares."""
    with tempfile.TemporaryDirectory(dir=files.folder, prefix=".dry-run-") as scratch:
        events = Path(scratch) / "events.jsonl"
        arguments = ["generate", "--dry-run", *input_arguments(files), "-n", str(n)]
        arguments += ["-o", str(Path(scratch) / "output"), "--events", str(events)]
        if seed is not None:
            arguments += ["--seed", str(seed)]
        return run_cli(arguments, cwd, events)


def reroll(
    files: CollectionFiles, cwd: Path, output: Path, token_id: int, keep: list[str]
) -> CliResult:
    """`genecator reroll TOKEN --keep …` on the finished collection in `output`."""
    arguments = ["reroll", str(token_id), "--keep", ",".join(keep), *input_arguments(files)]
    return run_cli([*arguments, "-o", str(output)], cwd)


def _last_report(events: Path) -> dict[str, Any] | None:
    if not events.exists():
        return None
    reports = [
        json.loads(line)
        for line in events.read_text(encoding="utf-8").splitlines()
        if '"kind": "report"' in line
    ]
    return reports[-1] if reports else None
