"""The container seam: a run uses the services it is given. Each test swaps one service of a
real container for a fake and checks that the run went through the fake."""

import dataclasses
import json
import struct
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from modules.dependency_container import Container, build_container
from modules.load.config_manager import ConfigManager
from modules.load.spec import CollectionSpec
from modules.plan.selection import Combo
from modules.plan.trait_tracker import TraitTracker
from modules.publish.metadata_manager import MetadataManager
from modules.render.image_processor import ImageProcessor
from modules.render.stack import token_parts
from modules.resource_manager import CircuitBreaker, ResourceManager
from modules.run.nft_generator import generate, plan
from modules.settings import EncodeOptions, GenerationSettings
from tests.conftest import BASIC_LAYERS

T = Any
TOKENS = 6


@pytest.fixture
def settings(make_project: Callable[..., Path]) -> GenerationSettings:
    root = make_project(BASIC_LAYERS)
    return GenerationSettings(
        num_tokens=TOKENS,
        config_path=root / "config.json",
        ruler_path=None,
        traits_dir=root / "traits",
        output_dir=root / "out",
        seed=11,
    )


def with_service(settings: GenerationSettings, **fakes: object) -> Container:
    """A real container for `settings` with some services replaced."""
    return dataclasses.replace(build_container(settings), **fakes)


class CountingConfigManager(ConfigManager):
    """Hands out a spec whose collection name shows where it came from."""

    loads = 0

    def load(self) -> CollectionSpec:
        CountingConfigManager.loads += 1
        spec = super().load()
        return dataclasses.replace(
            spec, metadata=dataclasses.replace(spec.metadata, name="From the fake")
        )


def test_the_run_plans_from_the_config_managers_spec(settings):
    fake = CountingConfigManager(settings.config_path, None, settings.traits_dir)
    metadata = MetadataManager(fake.spec, settings.encode)
    planned = plan(settings, with_service(settings, config_manager=fake, metadata_manager=metadata))
    assert planned.spec.metadata.name == "From the fake"
    assert CountingConfigManager.loads == 1  # loaded once, however often the spec is used
    assert len(planned.combos) == TOKENS


class NamingProcessor(ImageProcessor):
    """Renders every token as the names of its layer files, counting the calls."""

    def __init__(self) -> None:
        super().__init__(1, 1)
        self.rendered = 0

    def render(self, layer_files: Sequence[Path], *args: object) -> bytes:
        self.rendered += 1
        return "+".join(path.name for path in layer_files).encode()


def test_with_one_worker_the_run_renders_through_the_given_image_processor(settings):
    fake = NamingProcessor()
    report = generate(settings, services=with_service(settings, image_processor=fake))
    assert report.exit_code == 0
    assert fake.rendered == TOKENS
    planned = plan(settings)
    for token_id, combo in enumerate(planned.combos, start=1):
        files = [part.file.name for part in token_parts(planned.spec.layers, combo)]
        image = settings.output_dir / "image" / f"{token_id}.png"
        assert image.read_bytes() == "+".join(files).encode()


class RecordingTracker(TraitTracker):
    """Records every planned combination it is given."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.added: list[Combo] = []

    def add(self, combo: Combo) -> None:
        self.added.append(combo)
        super().add(combo)

    def extend_records(self, records: Sequence[bytes], layer_count: int) -> None:
        self.added += [struct.unpack(f"<{layer_count}h", record) for record in records]
        super().extend_records(records, layer_count)


def test_the_planner_records_tokens_in_the_given_tracker(settings):
    tracker = RecordingTracker((), None)
    planned = plan(settings, with_service(settings, trait_tracker=tracker))
    assert tracker.added == list(planned.combos)
    assert len(set(tracker.added)) == TOKENS


class StampedMetadata(MetadataManager):
    """Adds a field to every token's metadata."""

    def token_metadata(self, token_id: int, combo: Combo, seed: int) -> dict[str, Any]:
        return {**super().token_metadata(token_id, combo, seed), "stamp": f"fake-{token_id}"}


def test_token_metadata_comes_from_the_given_metadata_manager(settings):
    spec = build_container(settings).config_manager.spec
    fake = StampedMetadata(spec, EncodeOptions(fmt="png"))
    report = generate(settings, services=with_service(settings, metadata_manager=fake))
    assert report.exit_code == 0
    for token_id in range(1, TOKENS + 1):
        document = json.loads((settings.metadata_dir / f"{token_id}.json").read_text())
        assert document["stamp"] == f"fake-{token_id}"


class CountingResources(ResourceManager):
    """Counts the writes that go through it."""

    def __init__(self) -> None:
        super().__init__(delay=0.0)
        self.calls: list[str] = []

    def call(self, action: Callable[..., T], *args: object) -> T:
        self.calls.append(getattr(action, "__name__", repr(action)))
        return super().call(action, *args)


def test_writes_go_through_the_given_resource_manager(settings):
    fake = CountingResources()
    report = generate(settings, services=with_service(settings, resource_manager=fake))
    assert report.exit_code == 0
    # every token's image and metadata (workers 1 renders in this process), then the run's
    # own files: plan state, ledger, collection files, provenance and the run log
    assert fake.calls.count("atomic_write_bytes") == TOKENS
    assert fake.calls.count("atomic_write_json") == TOKENS
    assert {"write_plan_state", "write_collection_files", "append_run"} <= set(fake.calls)


class OpenBreaker(CircuitBreaker):
    """A breaker that is open from the start: the run must stop after the first token."""

    def allow(self) -> bool:
        return False


def test_the_run_obeys_the_given_circuit_breaker(settings):
    report = generate(settings, services=with_service(settings, circuit_breaker=OpenBreaker()))
    assert report.stopped_early
    assert report.exit_code == 1
    assert report.written == 1
