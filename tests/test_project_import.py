"""Importing whole HashLips and nftchef projects (layers/ + src/config.js): layer order, weights
as the engines draw them, names, rules, every untranslated setting listed, and a real run."""

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image

from modules.constants import DEFAULT_IPFS_CID
from modules.errors import ConfigError
from modules.load.config_manager import ConfigManager
from modules.load.importers.project import ProjectImport, detect_project, import_project
from modules.run.nft_generator import generate
from modules.settings import GenerationSettings
from tests.conftest import write_json

SIZE = 16
CID = "bafybeia336rztjsnz5q6hsl66j2dpcaijplmj7tspddzaeie7475wpwehe"

# HashLips' shipped sample: its layer folders and file names ("Goo" is not in layersOrder).
HASHLIPS_LAYERS = {
    "Background": ["Black#1.png"],
    "Bottom lid": ["High#20.png", "Low#40.png", "Middle#40.png"],
    "Eye color": ["Cyan#1.png", "Green#1.png", "Pink#1.png", "Purple#1.png", "Red#1.png"]
    + ["Yellow#10.png"],
    "Eyeball": ["Red#50.png", "White#50.png"],
    "Goo": ["Green#1.png"],
    "Iris": ["Large#20.png", "Medium#20.png", "Small#60.png"],
    "Shine": ["Shapes#100.png"],
    "Top lid": ["High#30.png", "Low#20.png", "Middle#50.png"],
}

HASHLIPS_CONFIG = """const basePath = process.cwd();
const { MODE } = require(`${basePath}/constants/blend_mode.js`);
const { NETWORK } = require(`${basePath}/constants/network.js`);

const network = NETWORK.eth;

// General metadata for Ethereum
const namePrefix = "Your Collection";
const description = "Remember to replace this description";
const baseUri = "BASE_URI";

const solanaMetadata = {
  symbol: "YC",
  seller_fee_basis_points: 1000, // Define how much % you want from secondary market sales
  external_url: "https://www.youtube.com/c/hashlipsnft",
  creators: [
    {
      address: "7fXNuer5sbZtaTEPhtJ5g5gNtuyRoKkvxdjEjEnPN4mC",
      share: 100,
    },
  ],
};

// If you have selected Solana then the collection starts from 0 automatically
const layerConfigurations = [
  {
    growEditionSizeTo: 5,
    layersOrder: [
      { name: "Background" },
      { name: "Eyeball" },
      {
        name: "Eye color",
        options: { blend: MODE.multiply, opacity: 0.8, displayName: "Eye Colour" },
      },
      { name: "Iris" },
      { name: "Shine", options: { blend: MODE.colorBurn } },
      { name: "Bottom lid", options: { bypassDNA: true } },
      { name: "Top lid" },
    ],
  },
];

const shuffleLayerConfigurations = false;

const debugLogs = false;

const format = {
  width: 512,
  height: 512,
  smoothing: false,
};

const gif = {
  export: false,
  repeat: 0,
  quality: 100,
  delay: 500,
};

const text = {
  only: false,
  color: "#ffffff",
  size: 20,
  xGap: 40,
  yGap: 40,
  align: "left",
  baseline: "top",
  weight: "regular",
  family: "Courier",
  spacer: " => ",
};

const pixelFormat = {
  ratio: 2 / 128,
};

const background = {
  generate: true,
  brightness: "80%",
  static: false,
  default: "#000000",
};

const extraMetadata = {
  creator: "HashLips",
  minted: () => Date.now(),
};

const rarityDelimiter = "#";

const uniqueDnaTorrance = 10000;

const preview = {
  thumbPerRow: 5,
  thumbWidth: 50,
  imageRatio: format.height / format.width,
  imageName: "preview.png",
};

const preview_gif = {
  numberOfImages: 5,
  order: "ASC", // ASC, DESC, MIXED
  repeat: 0,
  quality: 100,
  delay: 500,
  imageName: "preview.gif",
};

module.exports = {
  format,
  baseUri,
  description,
  background,
  uniqueDnaTorrance,
  layerConfigurations,
  rarityDelimiter,
  preview,
  shuffleLayerConfigurations,
  debugLogs,
  extraMetadata,
  pixelFormat,
  text,
  namePrefix,
  network,
  solanaMetadata,
  gif,
  preview_gif,
};
"""

# nftchef's shape: nested weighted folders, a two-part trait with a z-prefix, NONE files.
RED_BACK = (200, 0, 0, 255)
BLUE_FRONT = (0, 0, 200, 128)
LOWER_HALF = (0, 8, SIZE, SIZE)  # the clothes' region; nothing else draws there
NFTCHEF_LAYERS: dict[str, tuple[tuple[int, int, int, int], tuple[int, int, int, int]]] = {
    "Background/Blue#70.png": ((40, 60, 220, 255), (0, 0, SIZE, 4)),
    "Background/Pink#30.png": ((250, 150, 200, 255), (0, 0, SIZE, 4)),
    "Clothes/Hoodie#50/z-1,back.png": (RED_BACK, LOWER_HALF),
    "Clothes/Hoodie#50/front.png": (BLUE_FRONT, LOWER_HALF),
    "Clothes/Shirt#50/Red#20.png": ((255, 40, 40, 255), LOWER_HALF),
    "Clothes/Shirt#50/Blue#80.png": ((40, 40, 255, 255), LOWER_HALF),
    "Clothes/NONE#30.png": ((0, 0, 0, 0), (0, 0, SIZE, SIZE)),
    "Eyes/Happy#60.png": ((255, 255, 0, 255), (2, 4, 6, 6)),
    "Eyes/Sad#40.png": ((0, 255, 255, 255), (2, 4, 6, 6)),
    "Hat/Cap#50.png": ((0, 120, 0, 255), (8, 0, 14, 2)),
    "Hat/Helmet#50.png": ((120, 120, 120, 255), (8, 0, 14, 2)),
    "Hat/NONE#20.png": ((0, 0, 0, 0), (0, 0, SIZE, SIZE)),
    "Unused/Thing#1.png": ((10, 10, 10, 255), (0, 0, 2, 2)),
}

NFTCHEF_CONFIG = """"use strict";

const path = require("path");
const isLocal = typeof process.pkg === "undefined";
const basePath = isLocal ? process.cwd() : path.dirname(process.execPath);
const { MODE } = require(path.join(basePath, "src/blendMode.js"));

const buildDir = path.join(basePath, "/build");
const layersDir = path.join(basePath, "/layers");

const description =
  "This is the description of your NFT project, remember to replace this";
const baseUri = "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";

const outputJPEG = false; // if false, the generator outputs png's

/**
 * Set your tokenID index start number.
 */
const startIndex = 0;

const format = {
  width: 16,
  height: 16,
  smoothing: true, // set to false when up-scaling pixel art.
};

const background = {
  generate: true,
  brightness: "80%",
};

const layerConfigurations = [
  {
    growEditionSizeTo: 6,
    namePrefix: "Monkey", // Use to add a name to Metadata `name:`
    layersOrder: [
      { name: "Background" },
      {
        name: "Clothes",
        sublayerOptions: { Shirt: { opacity: 0.9, trait: "Top" } },
      },
      { name: "Eyes" },
      { name: "Hat", trait: "Headwear" },
    ],
  },
  {
    growEditionSizeTo: 12,
    namePrefix: "Lion",
    resetNameIndex: true, // this will start the Lion count at #1 instead of #7
    layersOrder: [
      { name: "Background" },
      { name: "Clothes" },
      { name: "Eyes" },
      { name: "Hat", trait: "Headwear" },
      { name: "Unused" },
    ],
  },
];

const shuffleLayerConfigurations = false;

const debugLogs = false;

// if you use an empty/transparent file, set the name here.
const emptyLayerName = "NONE";

const incompatible = {
  Hoodie: ["Cap"],
  Shirt: ["Helmet"],
  Happy: ["Helmet", "Missing Item"],
  Red: ["Sad"],
  Sad: ["Pink"],
  NONE: ["Cap"],
};

const forcedCombinations = {
  Happy: ["Cap"],
};

const traitValueOverrides = {
  Helmet: "Space Helmet",
  "gold chain": "GOLDEN NECKLACE",
};

const extraMetadata = {
  Artist: "A person",
};

const extraAttributes = () => [
  // Optionally, if you need to overwrite one of your layers attributes.
  // {
  //   display_type: "boost_number",
  //   trait_type: "Mana",
  //   value: Math.floor(Math.random() * 100),
  // },
];

// Outputs an Keccack256 hash for the image. Required for provenance hash
const hashImages = true;

const rarityDelimiter = "#";

const uniqueDnaTorrance = 10000;

const useRootTraitType = true;

const preview = {
  thumbPerRow: 5,
  thumbWidth: 50,
  imageRatio: format.width / format.height,
  imageName: "preview.png",
};

module.exports = {
  background,
  baseUri,
  buildDir,
  debugLogs,
  description,
  emptyLayerName,
  extraAttributes,
  extraMetadata,
  forcedCombinations,
  format,
  hashImages,
  incompatible,
  layerConfigurations,
  layersDir,
  outputJPEG,
  preview,
  rarityDelimiter,
  shuffleLayerConfigurations,
  startIndex,
  traitValueOverrides,
  uniqueDnaTorrance,
  useRootTraitType,
};
"""


def distinct_colour(name: str) -> tuple[int, int, int, int]:
    """An opaque colour of its own per file, so no two options look identical."""
    digest = hashlib.sha256(name.encode()).digest()
    return (digest[0], digest[1], digest[2], 255)


def write_config_js(project: Path, text: str) -> None:
    (project / "src").mkdir(parents=True, exist_ok=True)
    (project / "src" / "config.js").write_text(text, encoding="utf-8")


def hashlips_project(root: Path, base_uri: str = "ipfs://NewUriToReplace") -> Path:
    project = root / "hashlips"
    for layer, files in HASHLIPS_LAYERS.items():
        (project / "layers" / layer).mkdir(parents=True)
        for name in files:
            image = Image.new("RGBA", (SIZE, SIZE), distinct_colour(f"{layer}/{name}"))
            image.save(project / "layers" / layer / name)
    write_config_js(project, HASHLIPS_CONFIG.replace("BASE_URI", base_uri))
    return project


def nftchef_project(root: Path) -> Path:
    project = root / "nftchef"
    for relative, (colour, box) in NFTCHEF_LAYERS.items():
        path = project / "layers" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
        image.paste(colour, box)
        image.save(path)
    write_config_js(project, NFTCHEF_CONFIG)
    return project


@pytest.fixture
def hashlips(tmp_path: Path) -> tuple[Path, ProjectImport]:
    project = hashlips_project(tmp_path)
    return project, import_project(project)


@pytest.fixture
def nftchef(tmp_path: Path) -> tuple[Path, ProjectImport]:
    project = nftchef_project(tmp_path)
    return project, import_project(project)


def options(result: ProjectImport, layer: str) -> dict[str, dict]:
    return {option["name"]: option for option in result.config["traits"][layer]["options"]}


def shares(result: ProjectImport, layer: str) -> dict[str | None, float]:
    """The chance of each option (None: absent) as the imported config draws them."""
    document = result.config["traits"][layer]
    present = document.get("presence", 1.0)
    weights = {name: option["weight"] for name, option in options(result, layer).items()}
    total = sum(weights.values())
    drawn: dict[str | None, float] = {name: present * w / total for name, w in weights.items()}
    if present < 1:
        drawn[None] = 1 - present
    return drawn


def lines_for(lines: list[str], key: str) -> list[str]:
    return [line for line in lines if line.startswith(f"src/config.js: {key}")]


def write_inputs(root: Path, result: ProjectImport, traits_dir: str) -> tuple[Path, Path]:
    config_path = write_json(root / "config.json", {**result.config, "traits_dir": traits_dir})
    ruler_path = write_json(root / "ruler.json", {"rules": result.rules})
    return config_path, ruler_path


# --- detection and unusable projects ------------------------------------------------------


def test_detect_project_tells_the_engines_apart(tmp_path):
    assert detect_project(hashlips_project(tmp_path)) == "hashlips"
    assert detect_project(nftchef_project(tmp_path)) == "nftchef"
    assert detect_project(tmp_path) is None
    (tmp_path / "only-layers" / "layers").mkdir(parents=True)
    assert detect_project(tmp_path / "only-layers") is None


def test_nested_folders_alone_mark_an_nftchef_project(tmp_path):
    project = hashlips_project(tmp_path)
    (project / "layers" / "Iris" / "Rare#5").mkdir()
    assert detect_project(project) == "nftchef"


def test_a_folder_without_layers_says_what_a_project_looks_like(tmp_path):
    with pytest.raises(ConfigError) as caught:
        import_project(tmp_path)
    (problem,) = caught.value.problems
    assert "layers/" in problem
    assert "src/config.js" in problem


def test_a_missing_config_js_is_one_line_naming_it(tmp_path):
    (tmp_path / "layers" / "Background").mkdir(parents=True)
    with pytest.raises(ConfigError) as caught:
        import_project(tmp_path)
    (problem,) = caught.value.problems
    assert str(tmp_path / "src" / "config.js") in problem
    assert "not found" in problem


@pytest.mark.parametrize(
    "content",
    [b"const x = {;\nmodule.exports = { x };\n", b"\xff\xfe not utf-8 \x80"],
    ids=["syntax", "encoding"],
)
def test_an_unreadable_config_js_is_one_line_naming_it(tmp_path, content):
    project = hashlips_project(tmp_path)
    (project / "src" / "config.js").write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        import_project(project)
    (problem,) = caught.value.problems
    assert str(project / "src" / "config.js") in problem


# --- HashLips -------------------------------------------------------------------------------


def test_hashlips_layers_follow_layers_order_and_skip_the_rest(hashlips):
    project, result = hashlips
    assert result.project_kind == "hashlips"
    assert result.config["trait_order"] == [
        "Background",
        "Eyeball",
        "Eye color",
        "Iris",
        "Shine",
        "Bottom lid",
        "Top lid",
    ]
    assert "Goo" not in result.config["traits"]
    assert any(str(project / "layers" / "Goo") in n and "skipped" in n for n in result.notices)


def test_hashlips_weights_are_the_engines_own_chances(hashlips):
    _, result = hashlips
    # HashLips: weight / sum of the folder's weights, every layer always drawn
    assert shares(result, "Bottom lid") == pytest.approx({"High": 0.2, "Low": 0.4, "Middle": 0.4})
    assert shares(result, "Iris") == pytest.approx({"Large": 0.2, "Medium": 0.2, "Small": 0.6})
    eye_colours = shares(result, "Eye color")
    assert eye_colours["Yellow"] == pytest.approx(10 / 15)
    assert eye_colours["Cyan"] == pytest.approx(1 / 15)
    assert shares(result, "Background") == {"Black": 1.0}


def test_hashlips_layer_options_become_display_name_blend_and_opacity(hashlips):
    _, result = hashlips
    eye_color = result.config["traits"]["Eye color"]
    assert eye_color["display_name"] == "Eye Colour"
    assert eye_color["blend"] == "multiply"
    assert eye_color["opacity"] == 0.8
    assert "blend" not in result.config["traits"]["Shine"]  # color-burn: drawn normally
    (shine,) = lines_for(result.untranslated, "layerConfigurations[0].layersOrder[4].options.blend")
    assert "MODE.colorBurn" in shine
    (bypass,) = lines_for(result.untranslated, "layerConfigurations[0].layersOrder[5]")
    assert "bypassDNA" in bypass


def test_hashlips_metadata_and_background(hashlips):
    _, result = hashlips
    config = result.config
    assert config["metadata"]["name"] == "Your Collection"
    assert config["metadata"]["name_template"] == "{name} #{id}"
    assert config["metadata"]["description"] == "Remember to replace this description"
    assert config["metadata"]["extra"] == {"creator": "HashLips"}
    assert config["background"] == {"lightness": 0.8}
    assert config["ipfs_cid"] == DEFAULT_IPFS_CID  # HashLips' placeholder keeps ours
    assert "layer_sets" not in config
    assert "traits_dir" not in config


def test_hashlips_size_mismatch_and_edition_size_are_noticed(hashlips):
    _, result = hashlips
    (scaled,) = lines_for(result.notices, "format")
    assert "512x512" in scaled
    assert "16x16" in scaled
    assert any("-n 5" in notice for notice in result.notices)


def test_hashlips_untranslated_settings_are_each_listed(hashlips):
    _, result = hashlips
    untranslated = result.untranslated
    assert len(lines_for(untranslated, "extraMetadata.minted")) == 1
    assert len(lines_for(untranslated, "layerConfigurations[0].layersOrder[4].options.blend")) == 1
    assert (
        len(lines_for(untranslated, "layerConfigurations[0].layersOrder[5].options.bypassDNA")) == 1
    )
    # what the engine itself had working out (MODE.multiply, NETWORK.eth) is not listed
    assert not lines_for(untranslated, "network")
    assert not lines_for(untranslated, "layerConfigurations[0].layersOrder[2]")
    assert len(untranslated) == 3, untranslated
    # tools around the engine get a notice each
    for key in ("preview", "preview_gif", "pixelFormat", "uniqueDnaTorrance", "solanaMetadata"):
        assert lines_for(result.notices, key), key


def test_hashlips_import_loads_in_the_config_manager(hashlips, tmp_path):
    project, result = hashlips
    config_path, ruler_path = write_inputs(tmp_path, result, "hashlips/layers")
    spec = ConfigManager(config_path, ruler_path, project / "layers").load()
    assert [layer.name for layer in spec.layers] == result.config["trait_order"]


@pytest.mark.parametrize(
    ("base_uri", "expected"),
    [
        (f"ipfs://{CID}", {"ipfs_cid": CID}),
        (f"ipfs://{CID}/", {"ipfs_cid": CID}),
        (f"ipfs://{CID}/images", {"base_uri": f"ipfs://{CID}/images"}),
        ("https://example.com/nft", {"base_uri": "https://example.com/nft"}),
        ("ar://abc123", {"base_uri": "ar://abc123"}),
    ],
)
def test_base_uri_becomes_ipfs_cid_or_base_uri(tmp_path, base_uri, expected):
    config = import_project(hashlips_project(tmp_path, base_uri)).config
    assert {k: config[k] for k in ("ipfs_cid", "base_uri") if k in config} == expected


def test_an_unusable_base_uri_is_listed_and_the_placeholder_kept(tmp_path):
    result = import_project(hashlips_project(tmp_path, "ftp://example.com/x"))
    assert result.config["ipfs_cid"] == DEFAULT_IPFS_CID
    (line,) = lines_for(result.untranslated, "baseUri")
    assert "ftp://example.com/x" in line


def test_a_blank_hashlips_file_is_an_option_as_hashlips_draws_it(tmp_path):
    project = hashlips_project(tmp_path)
    blank = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    blank.save(project / "layers" / "Shine" / "None#300.png")
    result = import_project(project)
    # HashLips draws the blank image and writes "None" as the value: an option, not absence
    assert shares(result, "Shine") == pytest.approx({"None": 0.75, "Shapes": 0.25})
    assert "presence" not in result.config["traits"]["Shine"]


def test_weights_the_engine_reads_differently_are_noticed(tmp_path):
    hashlips = hashlips_project(tmp_path)
    Image.new("RGBA", (SIZE, SIZE), (9, 9, 9, 255)).save(
        hashlips / "layers" / "Iris" / "Huge_2.png"
    )
    (notice,) = [n for n in import_project(hashlips).notices if "Huge_2.png" in n]
    assert "HashLips weighs them 1" in notice
    nftchef = nftchef_project(tmp_path)
    Image.new("RGBA", (SIZE, SIZE), (9, 9, 9, 255)).save(nftchef / "layers" / "Eyes" / "lashes.png")
    (notice,) = [n for n in import_project(nftchef).notices if "lashes.png" in n]
    assert "nftchef draws unweighted files in every token" in notice


# --- nftchef ------------------------------------------------------------------------------------


def test_nftchef_layers_follow_the_first_layers_order_then_later_sets(nftchef):
    _, result = nftchef
    assert result.project_kind == "nftchef"
    # "Unused" is drawn only by the second layerConfiguration: imported after the first's
    assert result.config["trait_order"] == ["Background", "Clothes", "Eyes", "Hat", "Unused"]
    assert [o["name"] for o in result.config["traits"]["Unused"]["options"]] == ["Thing"]


def test_nftchef_nested_weights_are_the_engines_own_chances(nftchef):
    _, result = nftchef
    # nftchef: NONE#30 beside Hoodie#50 and Shirt#50; inside Shirt, Red#20 against Blue#80
    assert shares(result, "Clothes") == pytest.approx(
        {
            None: 30 / 130,
            "Hoodie": 50 / 130,
            "Shirt/Red": 50 / 130 * 20 / 100,
            "Shirt/Blue": 50 / 130 * 80 / 100,
        }
    )
    assert shares(result, "Hat") == pytest.approx(
        {None: 20 / 120, "Cap": 50 / 120, "Helmet": 50 / 120}
    )
    assert shares(result, "Eyes") == pytest.approx({"Happy": 0.6, "Sad": 0.4})


def test_nftchef_multi_part_option_keeps_its_z(nftchef):
    _, result = nftchef
    hoodie = options(result, "Clothes")["Hoodie"]
    assert sorted(hoodie["parts"], key=lambda p: p["file"]) == [
        {"file": "Hoodie#50/front.png"},
        {"file": "Hoodie#50/z-1,back.png", "z": -1},
    ]
    assert options(result, "Clothes")["Shirt/Red"]["display_name"] == "Red"


def test_nftchef_names_overrides_and_sub_folder_options(nftchef):
    _, result = nftchef
    traits = result.config["traits"]
    assert traits["Hat"]["display_name"] == "Headwear"
    assert options(result, "Hat")["Helmet"]["display_name"] == "Space Helmet"
    assert [n for n in result.notices if "gold chain" in n]  # matches nothing; said so
    assert options(result, "Clothes")["Shirt/Red"]["opacity"] == 0.9
    assert "opacity" not in options(result, "Clothes")["Hoodie"]
    (trait,) = lines_for(
        result.untranslated, "layerConfigurations[0].layersOrder[1].sublayerOptions"
    )
    assert "trait" in trait


def test_nftchef_metadata_background_and_uri(nftchef):
    _, result = nftchef
    config = result.config
    assert config["metadata"]["name"] == "Monkey"
    assert config["metadata"]["name_template"] == "{name} #{id}"
    assert config["metadata"]["extra"] == {"Artist": "A person"}
    assert config["background"] == {"lightness": 0.8}
    assert config["ipfs_cid"] == "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
    assert not lines_for(result.notices, "format")  # 16x16 like the images


def test_nftchef_layer_configurations_become_layer_sets(nftchef):
    _, result = nftchef
    assert result.config["layer_sets"] == [
        {
            "name_prefix": "Monkey",
            "up_to": 6,
            "trait_order": ["Background", "Clothes", "Eyes", "Hat"],
        },
        {
            "name_prefix": "Lion",
            "up_to": 12,
            "trait_order": ["Background", "Clothes", "Eyes", "Hat", "Unused"],
        },
    ]
    assert any("-n 12" in notice for notice in result.notices)
    assert not any("first set" in notice for notice in result.notices)
    assert lines_for(result.untranslated, "layerConfigurations[1].resetNameIndex")


def test_nftchef_incompatible_items_become_rules(nftchef):
    _, result = nftchef
    assert result.rules == [
        {
            "if": {"trait_type": "Clothes", "value": ["Hoodie"]},
            "then": {"trait_type": "Hat", "excluded_values": ["Cap"]},
        },
        {
            "if": {"trait_type": "Clothes", "value": ["Shirt/Blue", "Shirt/Red"]},
            "then": {"trait_type": "Hat", "excluded_values": ["Helmet"]},
        },
        {
            "if": {"trait_type": "Eyes", "value": ["Happy"]},
            "then": {"trait_type": "Hat", "excluded_values": ["Helmet"]},
        },
        {
            "if": {"trait_type": "Clothes", "value": ["Shirt/Red"]},
            "then": {"trait_type": "Eyes", "excluded_values": ["Sad"]},
        },
        {
            "if": {"trait_type": "Eyes", "value": ["Sad"]},
            "then": {"trait_type": "Background", "excluded_values": ["Pink"]},
        },
    ]
    # Pink's layer is drawn first, so nftchef itself never applied Sad -> Pink
    assert lines_for(result.notices, "incompatible.Sad")


def test_nftchef_untranslated_settings_are_each_listed(nftchef):
    _, result = nftchef
    untranslated = result.untranslated
    (missing,) = [line for line in untranslated if "Missing Item" in line]
    assert missing.startswith("src/config.js: incompatible.Happy[1]")
    (empty,) = lines_for(untranslated, "incompatible.NONE")
    assert "empty-layer" in empty
    (forced,) = lines_for(untranslated, "forcedCombinations")
    assert "'Happy'" in forced
    assert "Cap" in forced
    assert "not translated yet" in forced
    (start,) = lines_for(untranslated, "startIndex")
    assert "from 1" in start
    # nftchef's empty extraAttributes, buildDir and layersDir need no line
    for key in ("extraAttributes", "buildDir", "layersDir", "network"):
        assert not lines_for(untranslated, key), key
    assert len(untranslated) == 6, untranslated
    assert lines_for(result.notices, "hashImages")


def test_a_computed_extra_attributes_is_listed(tmp_path):
    project = nftchef_project(tmp_path)
    text = NFTCHEF_CONFIG.replace(
        "const extraAttributes = () => [",
        "const extraAttributes = () => [{ value: Math.random() },",
    )
    write_config_js(project, text)
    (line,) = lines_for(import_project(project).untranslated, "extraAttributes")
    assert "not translated" in line


def test_nftchef_import_loads_with_its_rules(nftchef, tmp_path):
    project, result = nftchef
    config_path, ruler_path = write_inputs(tmp_path, result, "nftchef/layers")
    spec = ConfigManager(config_path, ruler_path, project / "layers").load()
    assert len(spec.rules) == len(result.rules)


def test_a_real_run_of_an_imported_nftchef_project(nftchef, tmp_path):
    project, result = nftchef
    config_path, ruler_path = write_inputs(tmp_path, result, "nftchef/layers")
    output = tmp_path / "output"
    settings = GenerationSettings(
        num_tokens=12,
        config_path=config_path,
        ruler_path=ruler_path,
        traits_dir=None,
        output_dir=output,
        seed=1,
    )
    assert generate(settings).exit_code == 0
    tokens = {}
    for token_id in range(1, 13):
        metadata = json.loads((output / "metadata" / f"{token_id}.json").read_text())
        tokens[token_id] = {a["trait_type"]: a["value"] for a in metadata["attributes"]}
    for attributes in tokens.values():
        clothes, eyes, hat = (attributes.get(k) for k in ("Clothes", "Eyes", "Headwear"))
        assert not (clothes == "Hoodie" and hat == "Cap")
        assert not (clothes in ("Red", "Blue") and hat == "Space Helmet")
        assert not (eyes == "Happy" and hat == "Space Helmet")
        assert not (clothes == "Red" and eyes == "Sad")
        assert not (eyes == "Sad" and attributes["Background"] == "Pink")
    hoodies = [token_id for token_id, a in tokens.items() if a.get("Clothes") == "Hoodie"]
    assert hoodies
    for token_id in hoodies:
        with Image.open(output / "image" / f"{token_id}.png") as image:
            red, green, blue = image.convert("RGB").getpixel((8, 12))
        # the half-transparent blue front over the opaque red back: both show
        alpha = BLUE_FRONT[3] / 255
        assert red == pytest.approx(RED_BACK[0] * (1 - alpha), abs=2)
        assert blue == pytest.approx(BLUE_FRONT[2] * alpha, abs=2)
        assert green == 0


OTHER_SETTINGS = """const path = require("path");
const basePath = process.cwd();
const { MODE } = require(path.join(basePath, "src/blendMode.js"));
const { NETWORK } = require(path.join(basePath, "constants/network.js"));
const layersDir = path.join(basePath, "../elsewhere/layers");
const baseExternalUrl = "https://test.com/collection?asset=";
const layerConfigurations = [
  {
    growEditionSizeTo: 5,
    namePrefix: "Monkey",
    resetNameIndex: true,
    nameSuffix: "Set {A}",
    descriptionOverwrite: "{name} with a description of its own",
    layersOrder: [
      { name: "Background", blend: "destination-over", display_type: "string" },
      { name: "Clothes", sublayerOptions: { Shirt: { blend: MODE.multiply } }, opacity: 2 },
      { name: "Eyes", options: { weird: 1 } },
      { name: "Eyes" },
      { name: "F_Canine/Body" },
      { name: "Hat" },
    ],
  },
  { growEditionSizeTo: 10, layersOrder: [{ name: "Eyes" }], nameSuffix: "B" },
];
const network = NETWORK.sol;
const solanaMetadata = { symbol: "X" };
const outputJPEG = true;
const gif = { export: true };
const text = { only: true };
const shuffleLayerConfigurations = true;
const background = { generate: true, static: true, default: "#000000" };
const useRootTraitType = false;
const extraMetadata = { name: "clash", nested: { list: [1, () => 2] } };
const somethingElse = 3;
if (process.env.DEBUG) { console.log("debug"); }
module.exports = {
  layersDir, baseExternalUrl, layerConfigurations, network, solanaMetadata, outputJPEG, gif,
  text, shuffleLayerConfigurations, background, useRootTraitType, extraMetadata, somethingElse,
};
"""


def test_every_other_setting_is_translated_or_listed(tmp_path):
    project = nftchef_project(tmp_path)
    write_config_js(project, OTHER_SETTINGS)
    result = import_project(project)
    metadata = result.config["metadata"]
    # nftchef's "{prefix} #{edition} {suffix} #{number in set}", the set being the first
    assert metadata["name_template"] == "{name} #{id} Set {{A}} #{id}"
    assert metadata["external_url"] == "https://test.com/collection?asset={id}"
    assert metadata["extra"] == {"name": "clash", "nested": {"list": [1]}}
    assert options(result, "Clothes")["Shirt/Red"]["blend"] == "multiply"
    assert "background" not in result.config
    assert result.config["trait_order"] == ["Background", "Clothes", "Eyes", "Hat"]
    assert result.config["layer_sets"][1] == {"trait_order": ["Eyes"], "up_to": 10}
    expected = [
        "layerConfigurations[0].layersOrder[0].blend",
        "layerConfigurations[0].layersOrder[0].display_type",
        "layerConfigurations[0].layersOrder[1].opacity",
        "layerConfigurations[0].layersOrder[2].options.weird",
        "layerConfigurations[0].layersOrder[3]",
        "layerConfigurations[0].layersOrder[4].name",
        "layerConfigurations[0].descriptionOverwrite",
        "layerConfigurations[1].nameSuffix",
        "layersDir",
        "network",
        "solanaMetadata",
        "gif",
        "text",
        "shuffleLayerConfigurations",
        "background.static",
        "useRootTraitType",
        "extraMetadata.nested.list[1]",
        "somethingElse",
        "line ",
    ]
    for key in expected:
        assert len(lines_for(result.untranslated, key)) == 1, key
    assert len(result.untranslated) == len(expected), result.untranslated
    assert lines_for(result.notices, "outputJPEG")
    assert lines_for(result.notices, "extraMetadata")  # "name" is Genecator's own field


def test_keep_names_keeps_the_file_names_as_display_values(tmp_path):
    project = hashlips_project(tmp_path)
    image = Image.new("RGBA", (SIZE, SIZE), (1, 2, 3, 255))
    image.save(project / "layers" / "Iris" / "Laser_Eyes#5.png")
    assert options(import_project(project), "Iris")["Laser_Eyes"]["display_name"] == "Laser Eyes"
    kept = options(import_project(project, keep_names=True), "Iris")["Laser_Eyes"]
    assert kept.get("display_name", "Laser_Eyes") == "Laser_Eyes"
