"""A 1-of-1's token metadata: its json's attributes, name and description, with the
collection's image URI, token name, external_url and extra fields."""

from typing import Any

from modules.load.spec import MetadataSettings, OneOfOne


def one_of_one_document(
    settings: MetadataSettings, one: OneOfOne, token_id: int, image: str
) -> dict[str, Any]:
    """The metadata of 1-of-1 `one` at `token_id`, its image at URI `image`; a json without
    a name or description takes the collection's."""
    name = settings.name_template.format(name=settings.name, id=token_id)
    document: dict[str, Any] = {
        **settings.extra,
        "name": name if one.name is None else one.name,
        "description": settings.description if one.description is None else one.description,
        "image": image,
        "attributes": [dict(attribute) for attribute in one.attributes],
    }
    if settings.external_url:
        document["external_url"] = settings.external_url.format(id=token_id)
    return document
