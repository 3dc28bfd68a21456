"""The run report: counters, the summary lines and the exit code (DESIGN.md §5)."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.plan.capacity import Capacity
from modules.plan.distribution import LayerDrift, drift_lines
from modules.publish import token_ids
from modules.publish.duplicate_images import identical_token_lines
from modules.publish.metadata_manager import ShareRow
from modules.render.render_pool import TokenFailure
from modules.run.stop_signals import EXIT_INTERRUPTED, RESUME_HINT, interrupted_line

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FAILED_TOKENS = 3
EXIT_IDENTICAL_IMAGES = 4
MAX_LISTED_FAILURES = 20


@dataclass
class Report:
    """What a run did; failures are counted here, never only logged."""

    requested: int
    seed: int
    capacity: Capacity
    planning_failures: Counter[str] = field(default_factory=Counter)
    reused: int = 0
    metadata_rewritten: int = 0  # of the reused tokens, those whose metadata was rewritten
    written: int = 0
    retracted: int = 0  # tokens written or reused whose files then changed on disk
    failed: dict[int, TokenFailure] = field(default_factory=dict)
    # Each render process's latest running totals (stage seconds, cache, composites), by pid.
    worker_totals: dict[int, dict[str, float]] = field(default_factory=dict)
    retries: int = 0
    seconds: float = 0.0
    stopped_early: bool = False
    interrupted: str | None = None
    fatal: str | None = None
    worker_lost: str | None = None  # a render process died: the run stopped, resumable
    planned_only: bool = False  # a dry run: nothing was meant to be written
    shares: list[ShareRow] = field(default_factory=list)  # a dry run's planned shares
    performance: dict[str, Any] | None = None  # with --enable-performance-stats
    written_files: list[Path] = field(default_factory=list)  # --preview's sheet and report
    drift: list[LayerDrift] = field(default_factory=list)  # layers planned off their shares
    identical_images: list[list[int]] = field(default_factory=list)  # token ids, by group
    identical_allowed: bool = False  # the config says identical-looking art is intended
    one_of_ones: int = 0  # tokens that are hand-made 1-of-1s, not drawn
    start_id: int = 1  # the first public token id: `failed` is keyed by plan index (1..N)

    def record(self, token_id: int, failure: TokenFailure | None) -> None:
        if failure is None:
            self.written += 1
        else:
            self.failed[token_id] = failure

    def retract(self, token_id: int, failure: TokenFailure) -> None:
        """A token counted as done whose files turned out not to be the ones written."""
        self.failed[token_id] = failure
        self.retracted += 1

    @property
    def cache_hits(self) -> int:
        return int(sum(totals["cache_hits"] for totals in self.worker_totals.values()))

    @property
    def cache_misses(self) -> int:
        return int(sum(totals["cache_misses"] for totals in self.worker_totals.values()))

    @property
    def done(self) -> int:
        return self.reused + self.written - self.retracted

    @property
    def exit_code(self) -> int:
        if self.fatal or self.stopped_early:
            return EXIT_ERROR
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.planned_only:
            return EXIT_OK
        if self.done < self.requested or self.worker_lost:
            return EXIT_FAILED_TOKENS
        if self.identical_images and not self.identical_allowed:
            return EXIT_IDENTICAL_IMAGES
        return EXIT_OK

    def failures_by_reason(self) -> dict[str, int]:
        return dict(Counter(failure.reason for failure in self.failed.values()))

    def statistics(self, breaker: dict[str, Any]) -> dict[str, Any]:
        """Run statistics for --enable-performance-stats (they vary from run to run)."""
        lookups = self.cache_hits + self.cache_misses
        totals: Counter[str] = Counter()
        for worker in self.worker_totals.values():
            totals.update(worker)
        composites = totals["composites_done"] + totals["composites_reused"]
        per_image = 1000 / max(self.written, 1)
        return {
            "images_per_second": round(self.written / self.seconds, 2) if self.seconds else 0.0,
            "seconds": round(self.seconds, 3),
            "tokens_written": self.written,
            "tokens_reused": self.reused,
            "layer_cache": {
                "hits": self.cache_hits,
                "misses": self.cache_misses,
                "hit_rate": round(self.cache_hits / lookups, 4) if lookups else 0.0,
                "megabytes_held": round(totals["cache_bytes"] / 2**20, 1),
                "workers": len(self.worker_totals),
            },
            "cpu_ms_per_image": {
                stage: round(totals[f"{stage}_s"] * per_image, 2)
                for stage in ("decode", "composite", "encode", "write")
            },
            "layer_composites": {
                "done": int(totals["composites_done"]),
                "reused": int(totals["composites_reused"]),
                "saved_percent": (
                    round(100 * totals["composites_reused"] / composites, 1) if composites else 0.0
                ),
            },
            "failures_by_reason": self.failures_by_reason(),
            "retries": self.retries,
            "circuit_breaker": breaker,
        }

    def summary_lines(self) -> list[str]:
        """What the command prints: the plan table of a dry run, else the run summary, the
        failed tokens, how the run stopped, the statistics and the files --preview wrote."""
        if self.planned_only:
            return plan_lines(self, self.shares) + drift_lines(self.drift)
        lines = self._run_lines() + self._stop_lines() + drift_lines(self.drift)
        lines += identical_token_lines(self.identical_images)
        if self.performance is not None:
            lines += statistics_lines(self.performance)
        return lines + [f"Wrote {path}" for path in self.written_files]

    def _run_lines(self) -> list[str]:
        rate = self.written / self.seconds if self.seconds else 0.0
        lookups = self.cache_hits + self.cache_misses
        hit_rate = 100 * self.cache_hits / lookups if lookups else 0.0
        kept = f" ({self.reused} already done)" if self.reused else ""
        if self.metadata_rewritten:
            kept = f" ({self.reused} already done, {self.metadata_rewritten} with new metadata)"
        lines = [
            f"Wrote {self.written} tokens{kept}; {self.done} of {self.requested} done in "
            f"{self.seconds:.1f} s ({rate:.1f} tokens/s); layer cache hit rate {hit_rate:.1f} %; "
            f"seed {self.seed}"
        ]
        for index, failure in sorted(self.failed.items())[:MAX_LISTED_FAILURES]:
            public = token_ids.token_id(self.start_id, index)
            lines.append(f"Token {public} failed: {failure.message}")
        if len(self.failed) > MAX_LISTED_FAILURES:
            lines.append(f"... and {len(self.failed) - MAX_LISTED_FAILURES} more failed tokens")
        return lines

    def _stop_lines(self) -> list[str]:
        if self.fatal:
            return [f"Stopped: {self.fatal}. Free space or fix permissions, then {RESUME_HINT}."]
        if self.stopped_early:
            return [
                "Stopped: too many consecutive token failures (circuit breaker open). "
                f"Fix the cause, then {RESUME_HINT}."
            ]
        if self.interrupted:
            return [interrupted_line(self.interrupted, resumable=True)]
        if self.worker_lost:
            return [f"Stopped: {self.worker_lost}. Finished tokens are kept: {RESUME_HINT}."]
        if self.failed:
            return [f"To retry the failed tokens, {RESUME_HINT}."]
        return []


def plan_lines(report: Report, rows: Sequence[ShareRow]) -> list[str]:
    """The dry-run summary: capacity, redraws and the configured vs planned share table."""
    bound = "exactly" if report.capacity.exact else "at most"
    redraws = ", ".join(f"{k} {v}" for k, v in sorted(report.planning_failures.items()))
    lines = [
        f"Planned {report.requested} tokens with seed {report.seed}; "
        f"{bound} {report.capacity.count} distinct tokens are possible.",
        f"Redraws while planning: {redraws or 'none'}",
        *([f"1-of-1s: {report.one_of_ones}"] if report.one_of_ones else []),
        f"{'trait_type':<16} {'value':<24} {'configured %':>12} {'planned %':>10} {'count':>7}",
    ]
    lines += [
        f"{row.trait_type:<16} {row.value:<24} {row.configured_percent:>12.2f} "
        f"{row.achieved_percent:>10.2f} {row.count:>7}"
        for row in rows
    ]
    return lines


def statistics_lines(statistics: dict[str, Any]) -> list[str]:
    """The run statistics as a compact two-column table."""
    rows = []
    for key, value in statistics.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
        rows.append(f"  {key.replace('_', ' '):<20} {value}")
    return ["Run statistics:", *rows]
