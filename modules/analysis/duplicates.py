"""Find tokens that repeat another token's trait combination or image bytes."""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from modules.analysis.collection_reader import Token, existing_image, image_sha256


@dataclass(frozen=True)
class Duplicates:
    """Groups of token ids (each sorted, groups ordered by first id) that are the same."""

    by_traits: list[list[int]]
    by_image: list[list[int]]

    @property
    def found(self) -> bool:
        return bool(self.by_traits or self.by_image)


def find_duplicates(collection_dir: Path, tokens: Sequence[Token]) -> Duplicates:
    """Duplicate groups by trait combination (order of attributes ignored) and by image hash;
    only the tokens' own images are read, never the rest of image/."""
    combos = ((t.token_id, frozenset(t.traits.items())) for t in tokens)
    hashes = ((t.token_id, image_sha256(existing_image(collection_dir, t))) for t in tokens)
    return Duplicates(groups(combos), groups(hashes))


def groups(keyed: Iterable[tuple[int, Hashable]]) -> list[list[int]]:
    """Ids sharing a key, for every key held by more than one id."""
    by_key: dict[Hashable, list[int]] = defaultdict(list)
    for token_id, key in keyed:
        by_key[key].append(token_id)
    return sorted(sorted(ids) for ids in by_key.values() if len(ids) > 1)
