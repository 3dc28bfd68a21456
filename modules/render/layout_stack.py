"""What one token id draws when its plan has layer sets or 1-of-1s: its set's layers in the
set's order, or a 1-of-1's own image as the only part."""

from modules.load.spec import CollectionSpec, Part
from modules.plan.layout import TokenLayout
from modules.plan.one_of_ones import marker_index
from modules.plan.selection import Combo
from modules.render.stack import token_parts


def layout_parts(
    spec: CollectionSpec, layout: TokenLayout, token_id: int, combo: Combo
) -> list[Part]:
    """The parts of token `token_id` in drawing order, bottom first."""
    one = marker_index(combo)
    if one is not None:
        return [Part(spec.one_of_ones[one].image, spec.one_of_ones[one].digest)]
    if layout.set_of(token_id) is None:
        return token_parts(spec.layers, combo)
    order = layout.order(spec, token_id)
    return token_parts([spec.layers[i] for i in order], tuple(combo[i] for i in order))


def is_one_of_one(combo: Combo) -> bool:
    return marker_index(combo) is not None
