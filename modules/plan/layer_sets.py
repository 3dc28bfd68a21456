"""Layer sets by id range (HashLips layerConfigurations): the set each token id takes and each
set's selection model, in which the layers outside the set can only be absent, so every set
plans in one uniqueness space."""

from dataclasses import replace

from modules.errors import ConfigError
from modules.load.spec import CollectionSpec, LayerSet
from modules.plan.selection import SelectionModel
from modules.plan.sub_seeds import shuffled, sub_rng


def set_models(model: SelectionModel, spec: CollectionSpec) -> tuple[SelectionModel, ...]:
    """Per layer set, `model` with presence 0 (only ABSENT) for the layers outside it."""
    models = []
    for layer_set in spec.layer_sets:
        inside = set(layer_set.order)
        presence = tuple(p if i in inside else 0.0 for i, p in enumerate(model.presence))
        models.append(replace(model, presence=presence))
    return tuple(models)


def set_sizes(sets: tuple[LayerSet, ...], count: int) -> list[int]:
    """How many of the ids 1..count each set takes: up_to is cumulative (growEditionSizeTo),
    a last set without one takes the rest."""
    check_covered(sets, count)
    sizes, start = [], 0
    for layer_set in sets:
        end = count if layer_set.up_to is None else min(layer_set.up_to, count)
        sizes.append(max(end - start, 0))
        start = max(start, end)
    return sizes


def check_covered(sets: tuple[LayerSet, ...], count: int) -> None:
    """-n may not go past the last set's up_to."""
    last = sets[-1].up_to
    if last is not None and count > last:
        msg = (
            f"-n {count} is more than the {last} token ids $.layer_sets covers (up_to of "
            "its last set); lower -n, raise that up_to or leave it out so the last set "
            "takes the rest"
        )
        raise ConfigError(msg)


def set_assignment(spec: CollectionSpec, seed: int, count: int) -> tuple[int, ...]:
    """The layer set of each token id 1..count (index i is id i + 1), in id ranges or, with
    shuffle_layer_sets, in an order drawn from the seed; empty without layer sets."""
    if not spec.layer_sets:
        return ()
    sizes = set_sizes(spec.layer_sets, count)
    slots = [index for index, size in enumerate(sizes) for _ in range(size)]
    if spec.shuffle_layer_sets:
        slots = shuffled(sub_rng(seed, "layer_sets"), slots)
    return tuple(slots)


def set_label(index: int, layer_set: LayerSet) -> str:
    """How messages name a set."""
    prefix = f" ('{layer_set.name_prefix}')" if layer_set.name_prefix else ""
    return f"layer set {index + 1}{prefix} ($.layer_sets[{index}])"
