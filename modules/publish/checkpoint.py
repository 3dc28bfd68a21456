"""Checkpoint files in output/: the fingerprint of every input that shapes the output, the
plan state (RNG and tracker) and the ledger of finished tokens' image hashes."""

import json
import logging
import os
import random
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from modules.atomic_io import atomic_write_json
from modules.digests import json_sha256
from modules.errors import CheckpointError, CheckpointMismatchError, GenecatorError
from modules.load.chain_settings import DEFAULT_CHAINS, chosen_chains
from modules.load.spec import ABSENT, CollectionSpec, Rule, TraitOption
from modules.load.validation import file_kind, read_json
from modules.plan.reroll import RerollEntry
from modules.plan.selection import Combo
from modules.settings import GenerationSettings

# Bump when a change to selection would plan different tokens from the same inputs.
PLANNER_VERSION = "1"

# The tracker and the ledger grow with -n (74 MiB of hashes a million tokens); this bound
# (about 7 million tokens) keeps a file that is not Genecator's from being parsed whole.
MAX_CHECKPOINT_BYTES = 512 * 1024 * 1024
RNG_STATE = "rng_state.json"
TRACKER_STATE = "tracker_state.json"
SEEN_HASHES = "seen_hashes.json"
LEDGER_DIR = "checkpoint"
CHUNK_FILES = "hashes-*.json"
CHUNK_NAME = re.compile(r"hashes-([0-9]{6,})\.json")  # what flush() names them
TOKEN_ID = re.compile(r"[1-9][0-9]*")
DIGEST = re.compile(r"[0-9a-f]{64}")  # sha256_hex
TRACKER_KEYS = ("combinations", "fingerprint", "planned", "planning_redraws", "seed")
MT_WORDS = 624  # random.Random.setstate() takes these 32-bit words and a position in them
ABSENT_NAME = "<absent>"  # what a rule's ABSENT value is recorded as in the fingerprint
# Longest piece of a damaged file a message quotes, and most names a log line lists.
MAX_QUOTED = 60
MAX_LISTED = 10

logger = logging.getLogger(__name__)

# Fingerprint part -> what the user changed, for the refusal message.
INPUT_NAMES = {
    "config": "config.json (layers, weights, priority traits or image size)",
    "rules": "ruler.json rules",
    "trait_files": "trait image files",
    "seed": "--seed",
    "format": "--format",
    "animated_format": "--animated-format",
    "quality": "--quality",
    "webp_lossless": "--webp-lossless",
    "png_compression": "--png-compression",
    "animation": "--gif-dither / --gif-duration / --gif-loop",
    "attempts": "--max-attempts / --max-trait-attempts",
    "planner": "Genecator's planner version",
    "chains": "--chain / chains",
}


@dataclass
class PlanState:
    """Everything needed to continue a plan: its inputs, the RNG and the tokens so far."""

    fingerprint: dict[str, str]
    seed: int
    rng_state: Any  # random.Random.getstate(), or None when it cannot be trusted
    combos: Sequence[Combo]  # every token, in id order
    redraws: dict[str, int] = field(default_factory=dict)
    rerolls: Sequence[RerollEntry] = ()  # (token id, --keep layers, tokens planned) in order


def fingerprint(spec: CollectionSpec, settings: GenerationSettings, seed: int) -> dict[str, str]:
    """One digest per input that shapes the output (not -n, --workers or cache sizes), so a
    mismatch can say which input changed."""
    options = settings.encode
    animated = any(option.animated for layer in spec.layers for option in layer.options)
    formats = {options.fmt, options.animated_format} if animated else {options.fmt}
    # Settings that cannot change this collection's bytes are left out ("-").
    return {
        "config": json_sha256(_spec_document(spec)),
        "rules": json_sha256([_rule_names(spec, rule) for rule in spec.rules]),
        "trait_files": json_sha256(_trait_file_digests(spec)),
        "seed": str(seed),
        "format": options.fmt,
        "animated_format": options.animated_format if animated else "-",
        "quality": str(options.quality) if formats & {"jpg", "webp"} else "-",
        "webp_lossless": str(options.webp_lossless) if "webp" in formats else "-",
        "png_compression": options.png_compression if formats & {"png", "apng"} else "-",
        "animation": (
            f"{options.gif_dither}/{options.gif_duration}/{options.gif_loop}" if animated else "-"
        ),
        "attempts": f"{settings.max_attempts}/{settings.max_trait_attempts}",
        "planner": PLANNER_VERSION,
    } | _chains_entry(spec, settings)


def _chains_entry(spec: CollectionSpec, settings: GenerationSettings) -> dict[str, str]:
    """The chosen chains, only when not the default (so older collections still resume)."""
    chains = chosen_chains(settings.chains, spec.chains)
    return {} if chains == DEFAULT_CHAINS else {"chains": ",".join(chains)}


def check_fingerprint(saved: dict[str, str], current: dict[str, str], output_dir: Path) -> None:
    """Refuse to resume when any input differs, naming what changed and how to start over."""
    differs = {key for key in INPUT_NAMES if saved.get(key) != current.get(key)}
    # These count or not depending on the formats, so a format change alone changes them too.
    if "format" in differs:
        differs -= {"quality", "webp_lossless", "animated_format", "png_compression"}
    elif "animated_format" in differs:
        differs -= {"quality", "webp_lossless"}
    changed = [name for key, name in INPUT_NAMES.items() if key in differs]
    if changed:
        msg = (
            f"{output_dir}: cannot resume: {', '.join(changed)} changed since this collection "
            "was started; restore them, or start fresh with --force or another --output"
        )
        raise CheckpointMismatchError(msg)


def write_plan_state(output_dir: Path, state: PlanState) -> None:
    """Tracker first, then RNG. The tracker alone is a complete record (inputs, seed and
    every token), so a crash between the two writes loses only the RNG state, which
    replanning from the seed restores."""
    planned = len(state.combos)
    tracker: dict[str, Any] = {
        "combinations": [list(combo) for combo in state.combos],
        "fingerprint": state.fingerprint,
        "planned": planned,
        "planning_redraws": state.redraws,
        "seed": state.seed,
    }
    if state.rerolls:  # only then, so collections without re-rolls keep their bytes
        tracker["rerolls"] = [[i, list(keep), n] for i, keep, n in state.rerolls]
    atomic_write_json(output_dir / TRACKER_STATE, tracker)
    atomic_write_json(
        output_dir / RNG_STATE,
        {
            "fingerprint": state.fingerprint,
            "planned": planned,
            "seed": state.seed,
            "state": state.rng_state,
        },
    )


def read_plan_state(output_dir: Path) -> PlanState | None:
    """The saved plan, or None when the folder has none. The RNG state comes back as None
    when it is missing, older than the tracker (a crash between the two writes) or unusable."""
    rng_path, tracker_path = output_dir / RNG_STATE, output_dir / TRACKER_STATE
    if not rng_path.exists() and not tracker_path.exists():
        return None
    regular_file_size(tracker_path, "a checkpoint file", CheckpointError)
    try:
        tracker = _read(tracker_path)
    except CheckpointError as exc:
        raise tracker_damaged(exc.problems[0]) from None
    problem = _tracker_problem(tracker) or _rerolls_problem(tracker)
    if problem is not None:
        raise tracker_damaged(f"{tracker_path}: {problem}")
    combos = [tuple(combo) for combo in tracker["combinations"]]
    current = tracker["planned"] == len(combos)
    return PlanState(
        fingerprint=tracker["fingerprint"],
        seed=tracker["seed"],
        rng_state=_saved_rng_state(rng_path, len(combos)) if current else None,
        combos=combos,
        redraws=tracker["planning_redraws"],
        rerolls=[(i, tuple(keep), n) for i, keep, n in tracker.get("rerolls", [])],
    )


def tracker_damaged(problem: str) -> CheckpointError:
    """The refusal for a tracker_state.json no run wrote (`problem` names it): it is the only
    record of the plan, so there is nothing to resume from."""
    return CheckpointError(
        f"{problem}; the collection cannot be resumed from it: start fresh with --force"
    )


def _tracker_problem(tracker: Any) -> str | None:
    """What makes a parsed tracker_state.json unusable; the values themselves are checked
    against the layers by planning."""
    if not isinstance(tracker, dict):
        return f"holds {_json_kind(tracker)}, not a tracker record"
    missing = [key for key in TRACKER_KEYS if key not in tracker]
    if missing:
        return f"misses {', '.join(missing)}"
    combos = tracker["combinations"]
    if not isinstance(combos, list):
        return f"combinations is {_json_kind(combos)}, not a list"
    # The types of all values at once (a million tokens take a fraction of a second); only
    # a damaged file is searched for the token to name.
    if set(map(type, combos)) - {list} or set(map(type, chain.from_iterable(combos))) - {int}:
        token_id, combo = next(
            (i, combo) for i, combo in enumerate(combos, start=1) if not _is_index_list(combo)
        )
        return f"token {token_id}: {_quoted(combo)} is not a list of option indexes"
    for key in ("planned", "seed"):
        if not _is_int(tracker[key]):
            return f"{key}: {_quoted(tracker[key])} is not an integer"
    if not _is_map(tracker["fingerprint"], str):
        return "fingerprint is not an object of strings"
    if not _is_map(tracker["planning_redraws"], int):
        return "planning_redraws is not an object of counts"
    return None


def _rerolls_problem(tracker: dict[str, Any]) -> str | None:
    """What makes the optional re-roll record unusable: each entry is [token id, [layer
    names], tokens planned], the id among those planned, the counts never decreasing."""
    rerolls, planned = tracker.get("rerolls", []), 0
    if not isinstance(rerolls, list):
        return f"rerolls is {_json_kind(rerolls)}, not a list"
    for number, entry in enumerate(rerolls):
        if not (
            isinstance(entry, list)
            and len(entry) == 3
            and all(map(_is_int, (entry[0], entry[2])))
            and isinstance(entry[1], list)
            and all(isinstance(name, str) for name in entry[1])
            and 1 <= entry[0] <= entry[2] <= len(tracker["combinations"])
            and entry[2] >= planned
        ):
            return f"rerolls[{number}]: {_quoted(entry)} is not a re-roll Genecator recorded"
        planned = entry[2]
    return None


def _saved_rng_state(path: Path, planned: int) -> tuple[Any, ...] | None:
    """The RNG state to continue from, or None to plan the saved tokens again from the seed.
    That replay checks every token against the tracker and restores the exact state, so an
    unusable rng_state.json costs a moment, never the collection."""
    if regular_file_size(path, "a checkpoint file", CheckpointError) is None:
        return None
    try:
        saved = _read(path)
    except CheckpointError as exc:
        problem: str | None = exc.problems[0]
    else:
        reason = _rng_problem(saved)
        problem = None if reason is None else f"{path}: {reason}"
    if problem is not None:
        logger.warning(
            "%s; planning the %d saved tokens again from the seed instead, which restores it",
            problem,
            planned,
        )
        return None
    if saved["planned"] != planned:
        return None  # written before the tracker was: the crash that replaying is for
    version, words, gauss = saved["state"]
    return version, tuple(words), gauss


def _rng_problem(saved: Any) -> str | None:
    """Why a parsed rng_state.json would not restore exactly; random.Random.setstate would
    refuse some of these with a traceback and quietly truncate others."""
    if not (isinstance(saved, dict) and _is_int(saved.get("planned")) and "state" in saved):
        return "holds no RNG state and token count"
    state = saved["state"]
    if not (isinstance(state, list) and len(state) == 3):
        return "its state is not [version, words, gauss]"
    version, words, gauss = state
    if not (_is_int(version) and version == random.Random.VERSION):
        return f"its state is not of version {random.Random.VERSION}"
    if not (
        isinstance(words, list)
        and len(words) == MT_WORDS + 1
        and all(_is_int(word) and 0 <= word < 1 << 32 for word in words[:-1])
        and _is_int(words[-1])
        and 0 <= words[-1] <= MT_WORDS
    ):
        return f"its state does not hold {MT_WORDS} 32-bit words and a position"
    if gauss is not None and not isinstance(gauss, float):
        return "its gauss value is not a number"
    return None


class HashLedger:
    """SHA-256 of each finished token's image: small atomic chunk files while a run goes,
    merged into seen_hashes.json once the collection is complete."""

    def __init__(self, output_dir: Path) -> None:
        self.final = output_dir / SEEN_HASHES
        self.folder = output_dir / LEDGER_DIR
        self.pending: dict[int, str] = {}
        # Number of the last chunk on disk, found at the first flush: listing the folder at
        # every flush would cost 10 ms per flush by the end of a 100,000-token run.
        self._last: int | None = None

    def load(self) -> dict[int, str]:
        """Every hash recorded so far: the merged ledger, then the chunks in order."""
        hashes: dict[int, str] = {}
        for path in [self.final, *(path for _, path in self._chunks())]:
            if regular_file_size(path, "a hash record", CheckpointError) is not None:
                hashes.update(_recorded_hashes(path))
        return hashes

    def _chunks(self) -> list[tuple[int, Path]]:
        """(number, path) of each entry named like a chunk, in order; other entries of the
        folder are someone else's and never read."""
        if not self.folder.is_dir():
            if self.folder.exists():
                mode = self.folder.stat().st_mode
                msg = (
                    f"{self.folder}: is {file_kind(mode)}, not the folder Genecator keeps "
                    "hash records in; move it away and resume"
                )
                raise CheckpointError(msg)
            return []
        named = ((CHUNK_NAME.fullmatch(path.name), path) for path in self.folder.glob(CHUNK_FILES))
        return sorted((int(match[1]), path) for match, path in named if match)

    def add(self, token_id: int, digest: str) -> None:
        self.pending[token_id] = digest

    def flush(self) -> None:
        """Write the hashes recorded since the last flush as one new chunk, once the token
        files they vouch for are on disk (workers write those without a sync each)."""
        if not self.pending:
            return
        os.sync()
        if self._last is None:
            # After the highest name, not the count: a folder someone named like a chunk
            # is never written over.
            self._last = max((number for number, _ in self._chunks()), default=0)
            self.folder.mkdir(exist_ok=True)
        self._last += 1
        atomic_write_json(self.folder / f"hashes-{self._last:06d}.json", _images(self.pending))
        self.pending.clear()

    def finish(self, hashes: dict[int, str]) -> None:
        """Write the complete ledger (after a flush), then drop the chunk files it replaces;
        the folder goes too unless it holds something Genecator did not put there."""
        atomic_write_json(self.final, _images(hashes))
        self.pending.clear()
        self._last = None
        for _, path in self._chunks():
            if path.is_file():
                path.unlink()
        if not self.folder.is_dir():
            return
        kept = sorted(path.name for path in self.folder.iterdir())
        if kept:
            shown = ", ".join(kept[:MAX_LISTED]) + (", ..." if len(kept) > MAX_LISTED else "")
            logger.info("%s: left in place (not Genecator's): %s", self.folder, shown)
        else:
            self.folder.rmdir()


def _images(hashes: dict[int, str]) -> dict[str, dict[str, str]]:
    return {"images": {str(token_id): digest for token_id, digest in hashes.items()}}


def _recorded_hashes(path: Path) -> dict[int, str]:
    """A ledger file's hashes. One Genecator did not write is refused rather than skipped:
    the user decides, and deleting it costs only a re-check of its tokens."""
    fix = "delete it and resume (its tokens are rendered again)"
    try:
        document = _read(path)
    except CheckpointError as exc:
        raise CheckpointError(f"{exc.problems[0]}; {fix}") from None
    images = document.get("images") if isinstance(document, dict) else None
    if not isinstance(images, dict):
        raise CheckpointError(f"{path}: not a Genecator hash record; {fix}")
    for token_id, digest in images.items():
        if not TOKEN_ID.fullmatch(token_id):
            raise CheckpointError(f"{path}: {_quoted(token_id)} is not a token id; {fix}")
        if not (isinstance(digest, str) and DIGEST.fullmatch(digest)):
            msg = f"{path}: token {token_id}: {_quoted(digest)} is not a SHA-256 digest; {fix}"
            raise CheckpointError(msg)
    return {int(token_id): digest for token_id, digest in images.items()}


def regular_file_size(path: Path, what: str, error: type[GenecatorError]) -> int | None:
    """The size of the file at `path`, or None when nothing is there. Anything else standing
    there is refused before it is opened (a pipe would block the read) and left in place."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        msg = f"{path}: cannot read it ({exc.strerror or exc}); fix its permissions and resume"
        raise error(msg) from None
    if not stat.S_ISREG(info.st_mode):
        kind = file_kind(info.st_mode)
        raise error(f"{path}: is {kind}, not {what} Genecator wrote; move it away and resume")
    return info.st_size


def _read(path: Path) -> Any:
    return read_json(path, CheckpointError, max_bytes=MAX_CHECKPOINT_BYTES)


def _is_int(value: Any) -> bool:
    # JSON true and false are bools, which Python counts as ints.
    return type(value) is int


def _is_index_list(combo: Any) -> bool:
    return isinstance(combo, list) and all(map(_is_int, combo))


def _is_map(value: Any, kind: type) -> bool:
    return isinstance(value, dict) and all(type(item) is kind for item in value.values())


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}
    return "null" if value is None else kinds.get(type(value), "a number")


def _quoted(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 3] + "..."


def _spec_document(spec: CollectionSpec) -> dict[str, Any]:
    """What of the spec shapes the images; features a config does not use add nothing, so
    collections started before they existed still resume."""
    document: dict[str, Any] = {
        "layers": [
            {
                "name": layer.name,
                "presence": layer.presence,
                "options": [_option_document(option, spec.traits_dir) for option in layer.options],
            }
            | ({} if layer.absent_count is None else {"absent_count": layer.absent_count})
            for layer in spec.layers
        ],
        "priority": list(spec.priority_layers),
        "max_similar": spec.max_similar,
        "image_size": list(spec.image_size),
    }
    if spec.background is not None:
        document["background_lightness"] = spec.background.lightness
    if spec.min_trait_difference > 1:
        document["min_trait_difference"] = spec.min_trait_difference
    if spec.start_id != 1:  # names every file; only then, so older collections still resume
        document["start_id"] = spec.start_id
    if spec.layer_sets:
        sets: list[Any] = [[list(s.order), s.up_to] for s in spec.layer_sets]
        document["layer_sets"] = sets + ([True] if spec.shuffle_layer_sets else [])
    if spec.one_of_ones:
        document["one_of_ones"] = [
            [one.number, one.digest, one.token_id, list(one.attributes)] for one in spec.one_of_ones
        ]
    return document


def _option_document(option: TraitOption, traits_dir: Path) -> list[Any]:
    (first, *more) = option.parts
    document = [option.name, _relative(first.file, traits_dir), option.weight]
    if more or not first.plain or first.z:
        document.append(
            [[_relative(p.file, traits_dir), p.z, p.blend, p.opacity] for p in option.parts]
        )
    # count, max_count and tags only when set, so older collections keep their fingerprint
    limits: dict[str, Any] = {"count": option.count, "max_count": option.max_count}
    limits["tags"] = [list(tag) for tag in option.tags] or None
    if set_limits := {key: value for key, value in limits.items() if value is not None}:
        document.append(set_limits)
    return document


def _relative(path: Path, traits_dir: Path) -> str:
    return path.relative_to(traits_dir).as_posix()


def _rule_names(spec: CollectionSpec, rule: Rule) -> list[list[str]]:
    def names(layer: int, options: frozenset[int]) -> list[str]:
        found = spec.layers[layer].options
        return [
            spec.layers[layer].name,
            *sorted(ABSENT_NAME if i == ABSENT else found[i].name for i in options),
        ]

    return [names(rule.if_layer, rule.if_options), names(rule.then_layer, rule.excluded)]


def _trait_file_digests(spec: CollectionSpec) -> dict[str, str]:
    return {
        _relative(part.file, spec.traits_dir): part.digest
        for layer in spec.layers
        for option in layer.options
        for part in option.parts
    }
