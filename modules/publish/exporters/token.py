"""What every exporter reads of a token: its public id, OpenSea document and image file."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from modules.plan.selection import Combo
from modules.publish.metadata_manager import MetadataManager
from modules.publish.token_ids import token_id

MIME_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
}


def mime_type(file_name: str) -> str:
    """The media type of an image file by its extension."""
    return MIME_TYPES[file_name.rsplit(".", 1)[-1].lower()]


@dataclass(frozen=True)
class ChainToken:
    """One token as the exporters see it: `index` counts from 1 in plan order, `token_id` is
    its public id, `document` its OpenSea metadata and `image_file` its file in image/."""

    index: int
    token_id: int
    document: dict[str, Any]
    image_file: str
    animated: bool
    size: tuple[int, int]

    @property
    def mime_type(self) -> str:
        return mime_type(self.image_file)

    @property
    def image(self) -> str:
        """The image URI of the OpenSea document, which every chain points at."""
        uri: str = self.document["image"]
        return uri

    @property
    def dimensions(self) -> dict[str, str]:
        return {"value": f"{self.size[0]}x{self.size[1]}", "unit": "px"}

    def traits(self) -> list[tuple[str, Any]]:
        """(trait type, value) of each OpenSea attribute, in order."""
        return [(a.get("trait_type", ""), a["value"]) for a in self.document["attributes"]]


def chain_tokens(
    metadata: MetadataManager, combos: Sequence[Combo], seed: int
) -> Iterator[ChainToken]:
    """Every token as the exporters see it, from the same documents metadata/ holds."""
    spec = metadata.spec
    for index, combo in enumerate(combos, start=1):
        yield ChainToken(
            index=index,
            token_id=token_id(spec.start_id, index),
            document=metadata.token_metadata(index, combo, seed),
            image_file=metadata.image_file(index, combo),
            animated=metadata.is_animated(combo),
            size=spec.image_size,
        )
