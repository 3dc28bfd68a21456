"""`genecator reroll`: one token gets a new valid unique combination, everything else stays
byte-identical, and resume, extension and a rebuild from the seed keep the re-roll."""

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modules.analysis.preview import write_preview
from modules.cli.main import genecator
from modules.errors import CapacityError
from modules.load.spec import ABSENT, CollectionSpec, Layer
from modules.plan.capacity import capacity
from modules.plan.reroll import Reroller, reroll_seed
from modules.plan.saved_plan import saved_plan_problem
from modules.plan.selection import model_from_spec
from modules.plan.trait_tracker import TraitTracker
from modules.run import nft_generator, reroll_run
from tests.conftest import (
    BASIC_LAYERS,
    config_for,
    write_json,
    write_layered_traits,
    write_traits,
)
from tests.plan_helpers import full_product, make_planner, make_spec, specs

LAYERS = ["Background", "Body", "Hat"]
NO_COMBINATION_ADVICE = (
    "add options, or relax ruler.json, max_similar_combinations or min_trait_difference"
)


def cli(*args: str) -> Result:
    return CliRunner().invoke(genecator, list(args))


def generate(out: Path, count: int, *args: str) -> None:
    result = cli("generate", "-n", str(count), "-o", str(out), "--workers", "1", *args)
    assert result.exit_code == 0, result.output


def reroll(out: Path, token_id: int, *args: str) -> Result:
    return cli("reroll", str(token_id), "-o", str(out), *args)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes by relative path, without the run log (it records times)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "runs.jsonl"
    }


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def combos(out: Path) -> list[tuple[int, ...]]:
    tracker = json.loads((out / "tracker_state.json").read_text())
    return [tuple(combo) for combo in tracker["combinations"]]


def values(out: Path, token_id: int) -> dict[str, str]:
    document = json.loads((out / "metadata" / f"{token_id}.json").read_text())
    return {a["trait_type"]: a["value"] for a in document["attributes"]}


def errors(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("Error: ")]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """BASIC_LAYERS with an optional Hat (3 * 2 * 3 = 18 tokens) in tmp_path, the cwd."""

    def make(rules: list[dict[str, Any]] | None = None) -> Path:
        write_traits(tmp_path / "traits", BASIC_LAYERS)
        config = config_for(BASIC_LAYERS)
        config["traits"]["Hat"]["rarity"] = 2
        write_json(tmp_path / "config.json", config)
        if rules is not None:
            write_json(tmp_path / "ruler.json", {"rules": rules})
        monkeypatch.chdir(tmp_path)
        return tmp_path

    return make


@pytest.fixture
def finished(project: Callable[..., Path]) -> Path:
    """A finished collection of 10 tokens."""
    out = project() / "output"
    generate(out, 10, "--seed", "5")
    return out


COLLECTION_FILES = {
    "collection_stats.json",
    "metadata/combined_metadata.json",
    "provenance.json",
    "rarity_report.csv",
    "seen_hashes.json",
    "tracker_state.json",
}


def test_reroll_changes_exactly_that_token_and_keeps_the_named_layers(finished: Path) -> None:
    before, old = snapshot(finished), values(finished, 4)

    result = reroll(finished, 4, "--keep", "Background")

    assert result.exit_code == 0, result.output
    assert changed(before, snapshot(finished)) == COLLECTION_FILES | {
        "image/4.png",
        "metadata/4.json",
    }
    new = values(finished, 4)
    assert new != old
    assert new["Background"] == old["Background"]
    assert result.output.splitlines()[0].startswith("Token 4: re-roll 1, keeping Background: ")
    tracker = json.loads((finished / "tracker_state.json").read_text())
    assert tracker["rerolls"] == [[4, ["Background"], 10]]
    log = json.loads((finished / "runs.jsonl").read_text().splitlines()[-1])
    assert log["reroll"] == {"count": 1, "keep": ["Background"], "token_id": 4}


def test_a_reroll_rewrites_the_preview_and_html_report_a_run_wrote(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    out = project() / "output"
    generate(out, 6, "--seed", "5", "--preview")
    before = snapshot(out)

    assert reroll(out, 2).exit_code == 0

    after = snapshot(out)
    assert {"preview.png", "report.html"} <= changed(before, after)
    fresh = tmp_path / "fresh"
    shutil.copytree(out, fresh)
    write_preview(fresh)
    assert snapshot(fresh) == after


def test_the_same_reroll_of_the_same_collection_gives_the_same_bytes(
    finished: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(finished, twin)

    assert reroll(finished, 2).exit_code == 0
    assert reroll(twin, 2).exit_code == 0

    assert snapshot(finished) == snapshot(twin)


def test_a_second_reroll_of_a_token_draws_from_its_own_sub_seed(finished: Path) -> None:
    original = combos(finished)[6]
    assert reroll(finished, 7).exit_code == 0
    first = combos(finished)[6]

    assert reroll(finished, 7).exit_code == 0

    second = combos(finished)[6]
    assert first != original
    assert second != first
    tracker = json.loads((finished / "tracker_state.json").read_text())
    assert [entry[0] for entry in tracker["rerolls"]] == [7, 7]
    assert reroll_seed(5, 7, 1) != reroll_seed(5, 7, 2)


def test_rerolls_obey_rules_and_uniqueness(project: Callable[..., Path]) -> None:
    rules = [
        {
            "if": {"trait_type": "Background", "value": ["Red"]},
            "then": {"trait_type": "Hat", "excluded_values": ["Crown"]},
        }
    ]
    out = project(rules) / "output"
    generate(out, 12, "--seed", "2")

    for token_id in (1, 5, 9, 12):
        assert reroll(out, token_id).exit_code == 0

    planned = combos(out)
    assert len(set(planned)) == 12
    for token_id in range(1, 13):
        chosen = values(out, token_id)
        assert not (chosen["Background"] == "Red" and chosen.get("Hat") == "Crown")


def test_rerolls_keep_exact_counts(project: Callable[..., Path]) -> None:
    root = project()
    config = json.loads((root / "config.json").read_text())
    config["traits"]["Hat"]["absent_count"] = 4
    config["traits"]["Background"]["options"][0]["count"] = 3  # Red
    config["traits"]["Background"]["options"][1]["max_count"] = 4  # Green
    write_json(root / "config.json", config)
    out = root / "output"
    generate(out, 12, "--seed", "3")
    planned = combos(out)

    results = [reroll(out, token_id).exit_code for token_id in range(1, 13)]

    assert set(results) <= {0, 1}
    assert results.count(0) >= 6
    for before, after in zip(planned, combos(out), strict=True):
        assert (before[0] == 0) == (after[0] == 0)  # Red stays, and nothing turns Red
        assert (before[2] == ABSENT) == (after[2] == ABSENT)
    traits = json.loads((out / "collection_stats.json").read_text())["traits"]
    assert (traits["Background"]["Red"], traits["Hat"]["None"]) == (3, 4)
    assert traits["Background"]["Green"] <= 4


def test_a_saturated_collection_refuses_with_one_line_and_writes_nothing(
    project: Callable[..., Path],
) -> None:
    out = project() / "output"
    generate(out, 18, "--seed", "1")
    before, log = snapshot(out), (out / "runs.jsonl").read_bytes()

    plain = reroll(out, 5)
    kept = reroll(out, 5, "--keep", "Hat,Background")

    assert (plain.exit_code, kept.exit_code) == (1, 1)
    assert errors(plain) == [
        f"Error: token 5: no other valid unique combination exists; {NO_COMBINATION_ADVICE}"
    ]
    assert errors(kept) == [
        "Error: token 5: no other valid unique combination keeps Background, Hat; keep fewer "
        f"layers, {NO_COMBINATION_ADVICE}"
    ]
    assert snapshot(out) == before
    assert (out / "runs.jsonl").read_bytes() == log


def test_an_unknown_keep_layer_gets_a_did_you_mean(finished: Path) -> None:
    result = reroll(finished, 3, "--keep", "Bakground,Body")

    assert result.exit_code == 1
    assert errors(result) == [
        "Error: --keep Bakground: no layer 'Bakground' in trait_order; did you mean 'Background'?"
    ]


def test_an_unfinished_collection_is_refused(finished: Path) -> None:
    (finished / "seen_hashes.json").unlink()

    result = reroll(finished, 3)

    assert result.exit_code == 1
    assert errors(result) == [
        f"Error: {finished}: token 1 (and 9 more) is not finished; complete the collection "
        "with `genecator generate --resume` (same -o and inputs), then re-roll"
    ]


def test_a_token_outside_the_collection_is_refused(finished: Path) -> None:
    result = reroll(finished, 11)

    assert result.exit_code == 1
    assert errors(result) == [
        f"Error: token 11: the collection in {finished} has tokens 1 to 10; choose one of those"
    ]


def test_a_changed_config_is_refused_like_resume(finished: Path) -> None:
    config = json.loads(Path("config.json").read_text())
    config["traits"]["Body"]["options"][0]["rarity"] = 5
    write_json(Path("config.json"), config)
    before = snapshot(finished)

    result = reroll(finished, 3)

    assert result.exit_code == 1
    assert "cannot resume: config.json" in errors(result)[0]
    assert snapshot(finished) == before


def test_resume_after_a_reroll_changes_nothing(finished: Path) -> None:
    assert reroll(finished, 3).exit_code == 0
    before = snapshot(finished)

    generate(finished, 10, "--resume")

    assert snapshot(finished) == before


def test_extending_after_a_reroll_plans_the_new_ids_as_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 216 equally likely combinations, and with seed 11 no draw for ids 9..16 lands on token
    # 3's old or new one: such a draw is a duplicate in one plan only, which then redraws and
    # parts from the other (so extending equals extending without the re-roll only then)
    traits = write_layered_traits(tmp_path, LAYERS, 6, 8, rarity=lambda option: 3)
    write_json(
        tmp_path / "config.json", {**config_for({}), "trait_order": LAYERS, "traits": traits}
    )
    monkeypatch.chdir(tmp_path)
    out, plain = tmp_path / "output", tmp_path / "plain"
    generate(out, 8, "--seed", "11")
    shutil.copytree(out, plain)
    assert reroll(out, 3).exit_code == 0

    generate(out, 16, "--resume")
    generate(plain, 16, "--resume")

    assert combos(out)[8:] == combos(plain)[8:]
    assert combos(out)[2] != combos(plain)[2]
    rerolled, direct = snapshot(out), snapshot(plain)
    for token_id in range(9, 17):
        for name in (f"metadata/{token_id}.json", f"image/{token_id}.png"):
            assert rerolled[name] == direct[name]
    assert rerolled["rng_state.json"] == direct["rng_state.json"]


@pytest.mark.parametrize("extend", [False, True])
def test_a_lost_rng_state_after_a_reroll_is_rebuilt_with_the_reroll(
    finished: Path, extend: bool
) -> None:
    assert reroll(finished, 3, "--keep", "Body").exit_code == 0
    count = 10
    if extend:  # the re-roll is then replayed between planning 1..10 and 11..14
        count = 14
        generate(finished, count, "--resume")
        assert reroll(finished, 12).exit_code == 0
    before = snapshot(finished)
    (finished / "rng_state.json").unlink()

    generate(finished, count, "--resume")

    assert snapshot(finished) == before


def test_a_crash_before_the_new_plan_is_saved_resumes_to_the_old_token(
    finished: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(finished)

    def crash(*args: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(nft_generator, "write_plan_state", crash)
        assert reroll(finished, 4).exit_code == 130
    assert reroll(finished, 4).exit_code == 1  # not finished: --resume first

    generate(finished, 10, "--resume")

    assert snapshot(finished) == before


def test_a_crash_after_the_new_plan_is_saved_resumes_to_the_new_token(
    finished: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(finished, twin)
    assert reroll(twin, 4).exit_code == 0

    def crash(*args: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(reroll_run.NFTGenerator, "_publish", crash)
        assert reroll(finished, 4).exit_code == 130

    generate(finished, 10, "--resume")

    assert snapshot(finished) == snapshot(twin)


# --- the pure re-roll ------------------------------------------------------------------------


def counted_layers(spec: CollectionSpec) -> tuple[Layer, ...]:
    """`spec`'s layers with counts: layer 0's option 0 exactly 2 tokens, option 1 at most 3;
    layer 2 (optional) absent from exactly 4 tokens."""
    first, second, third = spec.layers
    options = (
        replace(first.options[0], count=2),
        replace(first.options[1], max_count=3),
        *first.options[2:],
    )
    return (replace(first, options=options), second, replace(third, absent_count=4))


def test_counted_values_are_kept_and_uncounted_ones_stay_uncounted() -> None:
    spec = make_spec([[1, 1, 1], [1, 1, 1, 1], [1, 1]], presence=[5, 5, 3])
    layers = counted_layers(spec)
    model = model_from_spec(spec)
    planner = make_planner(model, seed=4)
    planner.plan(14)
    tracker = planner.tracker
    reroller = Reroller(layers, lambda token_id: model, 9)

    for token_id in range(1, 15):
        old = tracker.combos[token_id - 1]
        others = [c for i, c in enumerate(tracker.combos) if i != token_id - 1]
        try:
            new = reroller.reroll(tracker, token_id, (), 1)
        except CapacityError:
            continue
        if old[0] == 0:
            assert new[0] == 0
        else:
            assert new[0] != 0
            if new[0] == 1:
                assert sum(1 for c in others if c[0] == 1) < 3
        assert (new[2] == ABSENT) == (old[2] == ABSENT)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(max_layers=3, max_options=3), data=st.data())
def test_a_reroll_changes_one_token_and_keeps_every_invariant(spec, data) -> None:
    model = model_from_spec(spec)
    limit = capacity(model)
    count = min(limit.count, data.draw(st.integers(1, 8)))
    if count < 1:
        return
    planner = make_planner(model, seed=data.draw(st.integers(0, 1000)))
    planner.plan(count)
    tracker = planner.tracker
    before = list(tracker.combos)
    token_id = data.draw(st.integers(1, count))
    names = [layer.name for layer in spec.layers]
    keep = tuple(n for n in names if data.draw(st.booleans()))
    reroller = Reroller(spec.layers, lambda _: model, 7)

    try:
        reroller.reroll(tracker, token_id, keep, 1)
    except CapacityError:
        assert not other_choices(spec, tracker, before, token_id, keep)
        return

    after = list(tracker.combos)
    differ = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert differ == [token_id - 1]
    assert saved_plan_problem(after, model) is None
    for layer, name in enumerate(names):
        if name in keep:
            assert after[token_id - 1][layer] == before[token_id - 1][layer]


def other_choices(spec, tracker: TraitTracker, before, token_id: int, keep) -> list:
    """Brute force: every other rule-abiding combination the token could take."""
    model = model_from_spec(spec)
    kept = [i for i, layer in enumerate(spec.layers) if layer.name in keep]
    old = before[token_id - 1]
    return [
        combo
        for combo in full_product(spec)
        if all(combo[i] == old[i] for i in kept)
        and saved_plan_problem([*before[: token_id - 1], combo, *before[token_id:]], model) is None
        and combo != old
    ]


def test_reroll_seed_is_a_pure_function_of_seed_id_and_count() -> None:
    assert reroll_seed(1, 2, 3) == reroll_seed(1, 2, 3)
    assert len({reroll_seed(1, 2, 3), reroll_seed(1, 3, 2), reroll_seed(2, 2, 3)}) == 3
    assert (
        random.Random(reroll_seed(0, 1, 1)).random() == random.Random(reroll_seed(0, 1, 1)).random()
    )
