"""Helpers for the analysis-tool tests: a small generated collection, hand-made metadata
folders, snapshots and an in-process runner for the utils/ CLIs."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from modules.atomic_io import json_bytes
from modules.cli.generate import generate_command
from modules.cli.main import genecator
from tests.conftest import SIZE, TraitSet, config_for, write_json, write_traits


def band(colour: tuple[int, int, int, int], rows: range) -> Image.Image:
    """An 8x8 layer painted only on `rows`, so every combination gives different pixels."""
    image = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    for y in rows:
        for x in range(SIZE[0]):
            image.putpixel((x, y), colour)
    return image


# 3 backgrounds x 2 bodies x (2 hats + none) = 18 distinct tokens, all with distinct images.
LAYERS: TraitSet = {
    "Background": {
        "Red.png": band((255, 0, 0, 255), range(8)),
        "Green.png": band((0, 255, 0, 255), range(8)),
        "Blue.png": band((0, 0, 255, 255), range(8)),
    },
    "Body": {
        "Grey.png": band((128, 128, 128, 200), range(2, 6)),
        "White.png": band((255, 255, 255, 200), range(2, 6)),
    },
    "Hat": {
        "Cap.png": band((0, 0, 0, 255), range(2)),
        "Crown.png": band((255, 215, 0, 255), range(2)),
    },
}
TRAIT_TYPES = list(LAYERS)


def build_collection(root: Path, count: int = 15, seed: int = 7) -> Path:
    """Generate `count` tokens with main.py (in-process, one worker); returns the output."""
    write_traits(root / "traits", LAYERS)
    config = config_for(LAYERS, metadata={"name": "Bands", "description": "Test bands"})
    config["traits"]["Hat"]["rarity"] = 2
    write_json(root / "config.json", config)
    args = ["-n", str(count), "--seed", str(seed), "-c", "config.json", "-t", "traits"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # so no ruler.json of the caller's folder is picked up
        result = CliRunner().invoke(generate_command, [*args, "-o", "output", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return root / "output"


def copy_collection(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def token_document(token_id: int, traits: dict[str, str], extension: str = "png") -> dict:
    return {
        "name": f"Token #{token_id}",
        "description": "hand made",
        "image": f"ipfs://QmOld/{token_id}.{extension}",
        "attributes": [{"trait_type": k, "value": v} for k, v in traits.items()],
    }


def write_tokens(collection: Path, rows: list[dict[str, str]]) -> Path:
    """A metadata-only collection: token i+1 has the traits rows[i]."""
    metadata = collection / "metadata"
    metadata.mkdir(parents=True)
    for token_id, traits in enumerate(rows, start=1):
        (metadata / f"{token_id}.json").write_bytes(json_bytes(token_document(token_id, traits)))
    return collection


def invoke(command: str, *args: str) -> Result:
    """Run `genecator command args` in-process."""
    return CliRunner().invoke(genecator, [command, *args])


def stderr_of(result: Result) -> str:
    try:
        return result.stderr
    except ValueError:
        return result.output


def read_metadata(collection: Path, token_id: int) -> dict[str, Any]:
    return json.loads((collection / "metadata" / f"{token_id}.json").read_text(encoding="utf-8"))
