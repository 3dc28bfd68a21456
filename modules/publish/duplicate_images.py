"""Tokens of a finished run whose image files are byte-identical (DESIGN.md §3: uniqueness is
over appearance too), from the SHA-256 the run already keeps for every token."""

from collections import defaultdict
from collections.abc import Mapping, Sequence

DEFAULT_LIMIT = 20


MAX_LISTED_IDS = 12  # ids named on one summary line


def identical_tokens(hashes: Mapping[int, str]) -> list[list[int]]:
    """Token ids sharing an image hash, for every hash held by two or more; each group
    sorted, groups ordered by their first id."""
    by_hash: dict[str, list[int]] = defaultdict(list)
    for token_id, digest in hashes.items():
        by_hash[digest].append(token_id)
    return sorted(sorted(ids) for ids in by_hash.values() if len(ids) > 1)


def identical_token_lines(groups: Sequence[Sequence[int]], limit: int = DEFAULT_LIMIT) -> list[str]:
    """One report line per group, the first `limit` of them, then one line counting the rest."""
    lines = [_group_line(ids) for ids in groups[:limit]]
    rest = groups[limit:]
    if rest:
        tokens = sum(len(ids) for ids in rest)
        more = "group" if len(rest) == 1 else "groups"
        lines.append(
            f"... and {len(rest)} more {more} of tokens with identical images ({tokens} tokens); "
            "`genecator duplicates -d OUTPUT` lists them all"
        )
    return lines


def _group_line(ids: Sequence[int]) -> str:
    if len(ids) > MAX_LISTED_IDS:  # the full list is in collection_stats.json
        shown = ", ".join(map(str, ids[:MAX_LISTED_IDS]))
        listed = f"{shown} and {len(ids) - MAX_LISTED_IDS} more ({len(ids)} in all)"
    else:
        listed = " and ".join(filter(None, [", ".join(map(str, ids[:-1])), str(ids[-1])]))
    return (
        f"Tokens {listed} have identical images (the same SHA-256): their traits differ only in "
        "layers that look the same; check for duplicate trait files, fully transparent ones, "
        "or art an upper layer covers completely"
    )
