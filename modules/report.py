"""The run report: counters, the summary lines and the exit code (DESIGN.md §5)."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from modules.capacity import Capacity
from modules.metadata_manager import ShareRow

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FAILED_TOKENS = 3


@dataclass
class Report:
    """What a run did; failures are counted here, never only logged."""

    requested: int
    seed: int
    capacity: Capacity
    planning_failures: Counter[str] = field(default_factory=Counter)
    written: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    cache_hits: int = 0
    cache_misses: int = 0
    seconds: float = 0.0
    stopped_early: bool = False

    def record(self, token_id: int, error: str | None, hits: int, misses: int) -> None:
        self.cache_hits += hits
        self.cache_misses += misses
        if error is None:
            self.written += 1
        else:
            self.failed[token_id] = error

    @property
    def exit_code(self) -> int:
        if self.stopped_early:
            return EXIT_ERROR
        return EXIT_FAILED_TOKENS if self.failed else EXIT_OK

    def summary_lines(self) -> list[str]:
        rate = self.written / self.seconds if self.seconds else 0.0
        lookups = self.cache_hits + self.cache_misses
        hit_rate = 100 * self.cache_hits / lookups if lookups else 0.0
        lines = [
            f"Wrote {self.written} of {self.requested} tokens in {self.seconds:.1f} s "
            f"({rate:.1f} tokens/s); layer cache hit rate {hit_rate:.1f} %; seed {self.seed}"
        ]
        if self.stopped_early:
            lines.append("Stopped early: too many consecutive token failures.")
        for token_id, error in sorted(self.failed.items())[:20]:
            lines.append(f"Token {token_id} failed: {error}")
        if len(self.failed) > 20:
            lines.append(f"... and {len(self.failed) - 20} more failed tokens")
        return lines


def plan_lines(report: Report, rows: Sequence[ShareRow]) -> list[str]:
    """The dry-run summary: capacity, redraws and the configured vs planned share table."""
    bound = "exactly" if report.capacity.exact else "at most"
    redraws = ", ".join(f"{k} {v}" for k, v in sorted(report.planning_failures.items()))
    lines = [
        f"Planned {report.requested} tokens with seed {report.seed}; "
        f"{bound} {report.capacity.count} distinct tokens are possible.",
        f"Redraws while planning: {redraws or 'none'}",
        f"{'trait_type':<16} {'value':<24} {'configured %':>12} {'planned %':>10} {'count':>7}",
    ]
    lines += [
        f"{row.trait_type:<16} {row.value:<24} {row.configured_percent:>12.2f} "
        f"{row.achieved_percent:>10.2f} {row.count:>7}"
        for row in rows
    ]
    return lines
