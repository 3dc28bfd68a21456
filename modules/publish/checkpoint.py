"""Checkpoint files in output/: the fingerprint of every input that shapes the output, the
plan state (RNG and tracker) and the ledger of finished tokens' image hashes."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.atomic_io import atomic_write_json
from modules.digests import json_sha256
from modules.errors import CheckpointError, CheckpointMismatchError
from modules.load.spec import CollectionSpec, Rule, TraitOption
from modules.load.validation import read_json
from modules.plan.selection import Combo
from modules.settings import GenerationSettings

# Bump when a change to selection would plan different tokens from the same inputs.
PLANNER_VERSION = "1"

RNG_STATE = "rng_state.json"
TRACKER_STATE = "tracker_state.json"
SEEN_HASHES = "seen_hashes.json"
LEDGER_DIR = "checkpoint"
CHUNK_FILES = "hashes-*.json"

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
}


@dataclass
class PlanState:
    """Everything needed to continue a plan: its inputs, the RNG and the tokens so far."""

    fingerprint: dict[str, str]
    seed: int
    rng_state: Any  # random.Random.getstate(), or None when it cannot be trusted
    tracker_state: dict[str, Any]  # TraitTracker.to_state(): every token, in id order
    redraws: dict[str, int] = field(default_factory=dict)

    @property
    def combos(self) -> list[Combo]:
        return [tuple(combo) for combo in self.tracker_state["combinations"]]


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
        "png_compression": options.png_compression if "png" in formats else "-",
        "animation": (
            f"{options.gif_dither}/{options.gif_duration}/{options.gif_loop}" if animated else "-"
        ),
        "attempts": f"{settings.max_attempts}/{settings.max_trait_attempts}",
        "planner": PLANNER_VERSION,
    }


def check_fingerprint(saved: dict[str, str], current: dict[str, str], output_dir: Path) -> None:
    """Refuse to resume when any input differs, naming what changed and how to start over."""
    differs = {key for key in INPUT_NAMES if saved.get(key) != current[key]}
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
    planned = len(state.tracker_state["combinations"])
    atomic_write_json(
        output_dir / TRACKER_STATE,
        {
            **state.tracker_state,
            "fingerprint": state.fingerprint,
            "planned": planned,
            "planning_redraws": state.redraws,
            "seed": state.seed,
        },
    )
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
    when it is missing or older than the tracker (a crash between the two writes)."""
    rng_path, tracker_path = output_dir / RNG_STATE, output_dir / TRACKER_STATE
    if not rng_path.exists() and not tracker_path.exists():
        return None
    try:
        tracker = _read(tracker_path)
        rng = _read(rng_path) if rng_path.exists() else None
        combos = [list(combo) for combo in tracker["combinations"]]
        current = rng is not None and rng["planned"] == tracker["planned"] == len(combos)
        return PlanState(
            fingerprint=dict(tracker["fingerprint"]),
            seed=int(tracker["seed"]),
            rng_state=_rng_state(rng["state"]) if current and rng is not None else None,
            tracker_state={"combinations": combos},
            redraws=dict(tracker["planning_redraws"]),
        )
    except (CheckpointError, KeyError, TypeError, ValueError) as exc:
        reason = exc.problems[0] if isinstance(exc, CheckpointError) else repr(exc)
        msg = f"{output_dir}: checkpoint files are damaged ({reason}); start fresh with --force"
        raise CheckpointError(msg) from None


class HashLedger:
    """SHA-256 of each finished token's image: small atomic chunk files while a run goes,
    merged into seen_hashes.json once the collection is complete."""

    def __init__(self, output_dir: Path) -> None:
        self.final = output_dir / SEEN_HASHES
        self.folder = output_dir / LEDGER_DIR
        self.pending: dict[int, str] = {}
        # Chunk files on disk, counted at the first flush: listing the folder at every flush
        # would cost 10 ms per flush by the end of a 100,000-token run.
        self._chunks: int | None = None

    def load(self) -> dict[int, str]:
        chunks = sorted(self.folder.glob(CHUNK_FILES)) if self.folder.is_dir() else []
        hashes: dict[int, str] = {}
        for path in ([self.final] if self.final.exists() else []) + chunks:
            try:
                images = _read(path)["images"]
                hashes.update({int(k): str(v) for k, v in images.items()})
            except (KeyError, TypeError, ValueError, AttributeError):
                msg = f"{path}: not a Genecator hash record; delete it and resume (it re-checks)"
                raise CheckpointError(msg) from None
        return hashes

    def add(self, token_id: int, digest: str) -> None:
        self.pending[token_id] = digest

    def flush(self) -> None:
        """Write the hashes recorded since the last flush as one new chunk, once the token
        files they vouch for are on disk (workers write those without a sync each)."""
        if not self.pending:
            return
        os.sync()
        if self._chunks is None:
            self.folder.mkdir(exist_ok=True)
            self._chunks = len(list(self.folder.glob(CHUNK_FILES)))
        chunk = self.folder / f"hashes-{self._chunks + 1:06d}.json"
        atomic_write_json(chunk, _images(self.pending))
        self._chunks += 1
        self.pending.clear()

    def finish(self, hashes: dict[int, str]) -> None:
        """Write the complete ledger (after a flush), then drop the chunks it replaces."""
        atomic_write_json(self.final, _images(hashes))
        self.pending.clear()
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                path.unlink()
            self.folder.rmdir()
        self._chunks = None


def _images(hashes: dict[int, str]) -> dict[str, dict[str, str]]:
    return {"images": {str(token_id): digest for token_id, digest in hashes.items()}}


def _read(path: Path) -> Any:
    return read_json(path, CheckpointError)


def _rng_state(saved: list[Any]) -> tuple[Any, ...]:
    version, internal, gauss = saved
    return version, tuple(internal), gauss


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
            for layer in spec.layers
        ],
        "priority": list(spec.priority_layers),
        "max_similar": spec.max_similar,
        "image_size": list(spec.image_size),
    }
    if spec.background is not None:
        document["background_lightness"] = spec.background.lightness
    return document


def _option_document(option: TraitOption, traits_dir: Path) -> list[Any]:
    (first, *more) = option.parts
    document = [option.name, _relative(first.file, traits_dir), option.weight]
    if more or not first.plain or first.z:
        document.append(
            [[_relative(p.file, traits_dir), p.z, p.blend, p.opacity] for p in option.parts]
        )
    return document


def _relative(path: Path, traits_dir: Path) -> str:
    return path.relative_to(traits_dir).as_posix()


def _rule_names(spec: CollectionSpec, rule: Rule) -> list[list[str]]:
    def names(layer: int, options: frozenset[int]) -> list[str]:
        return [
            spec.layers[layer].name,
            *sorted(spec.layers[layer].options[i].name for i in options),
        ]

    return [names(rule.if_layer, rule.if_options), names(rule.then_layer, rule.excluded)]


def _trait_file_digests(spec: CollectionSpec) -> dict[str, str]:
    return {
        _relative(part.file, spec.traits_dir): part.digest
        for layer in spec.layers
        for option in layer.options
        for part in option.parts
    }
