"""Write the chosen chains' folders: per-token documents, Candy Machine pairs, thumbnails and
collection files. Every file is atomic, and a file already holding its bytes is left alone,
so a resumed run ends with the same bytes."""

import io
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from PIL import Image

from modules.atomic_io import atomic_write_bytes, json_bytes, temp_path
from modules.constants import IMAGE_DIR
from modules.errors import ConfigError
from modules.load.chain_settings import ChainSettings, selection_problems
from modules.load.spec import CollectionSpec
from modules.publish.exporters import cardano, erc1155, solana, tezos
from modules.publish.exporters.token import ChainToken

Tokens = Callable[[], Iterator[ChainToken]]
CHAIN_DIRS = {"erc1155": "erc1155", "solana": "solana", "tezos": "tezos", "cardano": "cardano"}


def check_chains(chains: tuple[str, ...], settings: ChainSettings, label: str) -> None:
    """Refuse, before rendering, chains whose config section is missing."""
    problems = selection_problems(chains, settings, label)
    if problems:
        raise ConfigError(*problems)


def write_chain_files(
    chains: tuple[str, ...], spec: CollectionSpec, tokens: Tokens, output_dir: Path
) -> None:
    """Every chosen chain's folder except opensea's (metadata/, written by MetadataManager)."""
    for chain in chains:
        if chain in CHAIN_DIRS:
            WRITERS[chain](spec, tokens(), output_dir / CHAIN_DIRS[chain], output_dir)


def _erc1155(spec: CollectionSpec, tokens: Iterable[ChainToken], folder: Path, _: Path) -> None:
    settings = spec.chains.erc1155
    for token in tokens:
        document = erc1155.erc1155_document(token, settings)
        write_if_changed(folder / erc1155.file_name(token.token_id), json_bytes(document))
    document = erc1155.collection_document(spec.metadata, settings)
    write_if_changed(folder / "collection.json", json_bytes(document))


def _solana(spec: CollectionSpec, tokens: Iterable[ChainToken], folder: Path, out: Path) -> None:
    settings = spec.chains.solana
    for token in tokens:
        number = token.index - 1  # Candy Machine assets count from 0 with no gaps
        document = solana.solana_document(token, settings, spec.metadata)
        extension = token.image_file.rsplit(".", 1)[-1]
        link_or_copy(out / IMAGE_DIR / token.image_file, folder / f"{number}.{extension}")
        write_if_changed(folder / f"{number}.json", json_bytes(document))
    if settings.collection_image is not None:
        target = f"{solana.COLLECTION_STEM}{settings.collection_image.suffix.lower()}"
        write_if_changed(folder / target, settings.collection_image.read_bytes())
    document = solana.collection_document(settings, spec.metadata)
    write_if_changed(folder / f"{solana.COLLECTION_STEM}.json", json_bytes(document))


def _tezos(spec: CollectionSpec, tokens: Iterable[ChainToken], folder: Path, out: Path) -> None:
    settings = spec.chains.tezos
    for token in tokens:
        data, size = thumbnail_png(out / IMAGE_DIR / token.image_file, settings.thumbnail_size)
        write_if_changed(folder / tezos.thumbnail_file(token.token_id), data)
        document = tezos.tezos_document(token, settings, size)
        write_if_changed(folder / f"{token.token_id}.json", json_bytes(document))


def _cardano(spec: CollectionSpec, tokens: Iterable[ChainToken], folder: Path, _: Path) -> None:
    settings = spec.chains.cardano
    if settings is None:  # check_chains refused the run before rendering
        return
    for token in tokens:
        document = cardano.cardano_document(token, settings)
        write_if_changed(folder / f"{token.token_id}.json", json_bytes(document))


WRITERS: dict[str, Callable[[CollectionSpec, Iterable[ChainToken], Path, Path], None]] = {
    "erc1155": _erc1155,
    "solana": _solana,
    "tezos": _tezos,
    "cardano": _cardano,
}


def thumbnail_png(image: Path, max_side: int) -> tuple[bytes, tuple[int, int]]:
    """The first frame of `image` scaled to fit `max_side` px, as PNG bytes, and its size."""
    with Image.open(image) as opened:
        frame = opened.convert("RGBA")
    frame.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    frame.save(buffer, "PNG")
    return buffer.getvalue(), frame.size


def write_if_changed(path: Path, data: bytes) -> None:
    """Atomically write `data` unless `path` holds it already."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)


def link_or_copy(source: Path, target: Path) -> None:
    """`target` as a hard link of `source` (a copy across file systems), swapped in atomically."""
    if target.is_file() and os.path.samefile(source, target):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temp_path(target)
    try:
        os.link(source, temporary)
    except OSError:  # another file system, or links not supported: copy instead
        write_if_changed(target, source.read_bytes())
        return
    os.replace(temporary, target)
