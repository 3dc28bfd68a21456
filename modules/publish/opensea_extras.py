"""The optional OpenSea fields a config can ask for: extra attributes on every token,
animation_url for animated tokens, and one background_color."""

from typing import Any

from modules.load.spec import MetadataSettings


def with_extras(
    document: dict[str, Any], settings: MetadataSettings, animated: bool
) -> dict[str, Any]:
    """`document` with the extras `settings` asks for; without them it is returned as is."""
    if settings.extra_attributes:
        extra = [dict(attribute) for attribute in settings.extra_attributes]
        document["attributes"] = [*document["attributes"], *extra]
    if settings.animation_url and animated:
        # Genecator writes an animated token as one animation file: the image is that file
        document["animation_url"] = document["image"]
    if settings.background_color is not None and "background_color" not in document:
        document["background_color"] = settings.background_color.lower()
    return document
