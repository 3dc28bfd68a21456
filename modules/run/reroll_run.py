"""`genecator reroll`: give one token of a finished collection a new unique combination,
render it with the generator's own code and rewrite the collection files that depend on it.

The token's recorded hash is forgotten before the new plan is saved, so a crash at any point
leaves a collection that `generate --resume` finishes with the combination the saved plan
holds: the old one (the crash came first) or the new one, rendered the same either way."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from modules.analysis.collection_reader import start_id
from modules.constants import COLLECTION_STATS, HTML_REPORT, IMAGE_DIR, PREVIEW_IMAGE
from modules.dependency_container import Container, build_container
from modules.errors import CollectionError
from modules.load.spec import Layer
from modules.plan.layout import layout_models
from modules.plan.reroll import kept_layers, reroll_count
from modules.plan.selection import ABSENT, Combo, model_from_spec
from modules.publish import token_ids
from modules.publish.checkpoint import TRACKER_STATE, HashLedger, PlanState, read_plan_state
from modules.publish.metadata_manager import absence_label
from modules.publish.output_folder import check_output_location, checked_write
from modules.publish.output_lock import OutputLock
from modules.publish.run_log import utc_now
from modules.run.collection_renderer import ProgressCallback
from modules.run.nft_generator import NFTGenerator
from modules.run.planning import Plan, token_reroller
from modules.run.report import Report
from modules.run.saved_settings import saved_settings


@dataclass(frozen=True)
class RerollRequest:
    """Which token to re-roll, the layers it keeps, and where the collection and its inputs are."""

    token_id: int
    keep: tuple[str, ...]
    config_path: Path
    ruler_path: Path | None
    traits_dir: Path | None
    output_dir: Path


@dataclass(frozen=True)
class RerollResult:
    """What a re-roll did: the layers kept, which re-roll of the token it was, each changed
    layer as 'Layer: old -> new', and the run's report (its exit code)."""

    token_id: int
    keep: tuple[str, ...]
    count: int
    changes: tuple[str, ...]
    report: Report

    def summary_lines(self) -> list[str]:
        kept = f", keeping {', '.join(self.keep)}" if self.keep else ""
        head = f"Token {self.token_id}: re-roll {self.count}{kept}: {'; '.join(self.changes)}"
        return [head, *self.report.summary_lines()]


def reroll(request: RerollRequest, on_progress: ProgressCallback | None = None) -> RerollResult:
    """Re-roll `request.token_id` of the complete collection in `request.output_dir`."""
    output, token_id = request.output_dir, request.token_id
    if not output.is_dir():  # checked first: taking the lock would create the folder
        raise CollectionError(f"{output}: no such folder; pass the collection's folder with -o")
    with OutputLock(output, f"reroll token {token_id}"):
        started = utc_now()
        start = start_id(output / COLLECTION_STATS)
        index = token_ids.token_index(start, token_id)  # the plan counts tokens 1..N
        generator = _generator(request, start, index)
        planned = generator.plan()  # refuses changed inputs, as --resume does
        _check_complete(output, len(planned.combos), start)
        keep = kept_layers(planned.spec.layers, request.keep)
        count = reroll_count(planned.state.rerolls, index)
        rerolled = _rerolled(planned, generator.services, index, keep, count)
        old, new = planned.combos[index - 1], rerolled.combos[index - 1]
        _forget_token(generator.services, planned, output, index, (old, new))
        note = {"reroll": {"token_id": token_id, "keep": list(keep), "count": count}}
        report = generator.write_plan(rerolled, on_progress or (lambda _: None), started, note)
    return RerollResult(token_id, keep, count, _changes(planned.spec.layers, old, new), report)


def _generator(request: RerollRequest, start: int, index: int) -> NFTGenerator:
    """A generator with the settings the collection was made with (ids from `start`) and its
    inputs loaded; `index` is the token's plan index."""
    output = request.output_dir
    state = _saved_state(output, start, index)
    inputs = (request.config_path, request.ruler_path, request.traits_dir)
    preview = any((output / name).is_file() for name in (PREVIEW_IMAGE, HTML_REPORT))
    settings = replace(saved_settings(state, inputs, output, preview), start_id=start)
    services = build_container(settings)
    check_output_location(output, services.config_manager.spec.traits_dir)
    return NFTGenerator(services, settings)


def _saved_state(output: Path, start: int, index: int) -> PlanState:
    state = read_plan_state(output)
    if state is None:
        msg = (
            f"{output}: holds no checkpoint ({TRACKER_STATE}), so it is not a collection "
            "Genecator can re-roll; pass the collection's folder with -o"
        )
        raise CollectionError(msg)
    if not 1 <= index <= len(state.combos):
        msg = (
            f"token {token_ids.token_id(start, index)}: the collection in {output} has tokens "
            f"{start} to {token_ids.token_id(start, len(state.combos))}; choose one of those"
        )
        raise CollectionError(msg)
    return state


def _check_complete(output: Path, count: int, start: int) -> None:
    """Every token must be finished (its hash recorded) before one is re-rolled."""
    recorded = HashLedger(output).load()
    missing = [index for index in range(1, count + 1) if index not in recorded]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        first = token_ids.token_id(start, missing[0])
        msg = (
            f"{output}: token {first}{more} is not finished; complete the collection "
            "with `genecator generate --resume` (same -o and inputs), then re-roll"
        )
        raise CollectionError(msg)


def _rerolled(
    planned: Plan, services: Container, token_id: int, keep: tuple[str, ...], count: int
) -> Plan:
    """`planned` with the token's new combination and the re-roll recorded after the others."""
    spec, tracker = planned.spec, services.trait_tracker
    models = layout_models(model_from_spec(spec), spec)
    token_reroller(spec, models, planned.layout, planned.seed).reroll(
        tracker, token_id, keep, count
    )
    entry = (token_id, keep, len(planned.combos))
    state = replace(planned.state, combos=tracker.combos, rerolls=[*planned.state.rerolls, entry])
    return replace(planned, state=state)


def _forget_token(
    services: Container, planned: Plan, output: Path, token_id: int, combos: tuple[Combo, Combo]
) -> None:
    """Drop the token's recorded hash, so no run takes its old image for the new plan's, and
    its old image when the new one has another file name (a still token turned animated)."""
    ledger = HashLedger(output)
    hashes = ledger.load()
    del hashes[token_id]
    checked_write(services.resource_manager, output, ledger.finish, hashes)
    metadata = services.metadata_manager.with_layout(planned.layout)
    old, new = (metadata.image_file(token_id, combo) for combo in combos)
    if old != new:
        checked_write(services.resource_manager, output, _remove, output / IMAGE_DIR / old)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _changes(layers: Sequence[Layer], old: Combo, new: Combo) -> tuple[str, ...]:
    """'Layer: old -> new' for each layer whose value changed, in trait order."""
    return tuple(
        f"{layer.label}: {_label(layer, a)} -> {_label(layer, b)}"
        for layer, a, b in zip(layers, old, new, strict=True)
        if a != b
    )


def _label(layer: Layer, value: int) -> str:
    return absence_label(layer) if value == ABSENT else layer.options[value].label
