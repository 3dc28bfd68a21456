"""What one token draws, in drawing order: every part of its traits, by z (0 unless set),
ties in trait order and then in the option's part order (a stable sort, as nftchef's
z-prefixes stack over the whole token)."""

from collections.abc import Sequence

from modules.load.spec import Layer, Part
from modules.plan.selection import ABSENT, Combo


def token_parts(layers: Sequence[Layer], combo: Combo) -> list[Part]:
    """The parts of the token `combo` in the order they are drawn, bottom first."""
    parts = [
        part
        for layer, value in zip(layers, combo, strict=True)
        if value != ABSENT
        for part in layer.options[value].parts
    ]
    return sorted(parts, key=lambda part: part.z)  # sorted() is stable: ties keep trait order
