"""The generator's preflight without a run (`genecator validate`): spec, rules, every trait
file, animation limits and capacity, plus the warnings about what is allowed but unusual."""

from dataclasses import dataclass
from pathlib import Path

from modules.errors import TraitFileError
from modules.load.config_manager import ConfigManager
from modules.load.spec import CollectionSpec
from modules.plan.capacity import Capacity, capacity
from modules.plan.selection import model_from_spec
from modules.render.animation import spec_animation_problems


@dataclass(frozen=True)
class InputCheck:
    """A clean preflight's findings."""

    spec: CollectionSpec
    warnings: list[str]
    capacity: Capacity

    def summary(self, config_path: Path) -> str:
        spec, limit = self.spec, self.capacity
        files = sum(len(layer.options) for layer in spec.layers)
        count = f"{limit.count}" if limit.exact else f"at most {limit.count}"
        return (
            f"{config_path}: {len(spec.layers)} layers, {files} trait files, {len(spec.rules)} "
            f"rules; {count} distinct tokens possible; {len(self.warnings)} warnings"
        )


def check_inputs(config_path: Path, ruler_path: Path | None, traits_dir: Path | None) -> InputCheck:
    """Everything a run would refuse raises (all problems at once); the rest is returned."""
    spec, warnings = ConfigManager(config_path, ruler_path, traits_dir).load_with_warnings()
    problems = spec_animation_problems(spec, None)
    if problems:
        raise TraitFileError(*problems)
    return InputCheck(spec, warnings, capacity(model_from_spec(spec)))
