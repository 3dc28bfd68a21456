"""Reading HashLips and nftchef config.js files without running them: the exported object,
every value only JavaScript could produce listed by path, one-line syntax errors."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.errors import ConfigError
from modules.load.js.reader import read_js_config
from modules.load.js.values import Unsupported

# The shape of HashLips Art Engine 1.1.x's src/config.js, in values of our own.
HASHLIPS_CONFIG = """\
const basePath = process.cwd();
const { MODE } = require(`${basePath}/constants/blend_mode.js`);
const { NETWORK } = require(`${basePath}/constants/network.js`);

const network = NETWORK.eth;

// General metadata for Ethereum
const namePrefix = "Quiet Stones";
const description = "Pebbles from a river that does not exist.";
const baseUri = "ipfs://ReplaceWithTheCid";

const solanaMetadata = {
  symbol: "QST",
  seller_fee_basis_points: 750, // 7.5 % of secondary sales
  external_url: "https://stones.example",
  creators: [
    {
      address: "StonesWalletAddress111111111111111111111111",
      share: 100,
    },
  ],
};

// If you have selected Solana then the collection starts from 0 automatically
const layerConfigurations = [
  {
    growEditionSizeTo: 40,
    layersOrder: [
      { name: "Background" },
      { name: "Stone" },
      { name: "Moss", options: { blend: MODE.multiply, opacity: 0.6, displayName: "Growth" } },
      { name: "Glint", options: { bypassDNA: true } },
    ],
  },
];

const shuffleLayerConfigurations = false;

const debugLogs = false;

const format = {
  width: 640,
  height: 480,
  smoothing: false,
};

const gif = {
  export: false,
  repeat: 0,
  quality: 90,
  delay: 400,
};

const text = {
  only: false,
  color: "#eeeeee",
  size: 18,
  xGap: 30,
  yGap: 30,
  align: "left",
  baseline: "top",
  weight: "regular",
  family: "Courier",
  spacer: " => ",
};

const pixelFormat = {
  ratio: 4 / 128,
};

const background = {
  generate: true,
  brightness: "70%",
  static: false,
  default: "#101010",
};

const extraMetadata = {};

const rarityDelimiter = "#";

const uniqueDnaTorrance = 5000;

const preview = {
  thumbPerRow: 8,
  thumbWidth: 64,
  imageRatio: format.height / format.width,
  imageName: "preview.png",
};

const preview_gif = {
  numberOfImages: 8,
  order: "ASC", // ASC, DESC, MIXED
  repeat: 0,
  quality: 90,
  delay: 400,
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

# HashLips 1.0.x: "use strict", a packaged-or-local basePath, blend/opacity on the layer itself.
HASHLIPS_LEGACY_CONFIG = """\
"use strict";

const path = require("path");
const isLocal = typeof process.pkg === "undefined";
const basePath = isLocal ? process.cwd() : path.dirname(process.execPath);
const { MODE } = require(path.join(basePath, "src/blendMode.js"));
const description =
  "Two lines of description, " +
  "joined with a plus";
const baseUri = "ipfs://Legacy";

const layerConfigurations = [
  {
    growEditionSizeTo: 3,
    layersOrder: [
      { name: "1-sky" },
      { name: "2-hill", blend: MODE.colorBurn, opacity: 0.7 },
      { name: "3-tree" },
    ],
  },
  {
    growEditionSizeTo: 9,
    layersOrder: [{ name: "1-sky" }, { name: "4-sea" }],
  },
];

const format = { width: 256, height: 256 };
const background = { generate: false, brightness: "80%" };
const extraMetadata = { artist: "Somebody" };
const rarityDelimiter = "#";
const uniqueDnaTorrance = 10000;
const preview = {
  thumbPerRow: 5,
  thumbWidth: 50,
  imageRatio: format.width / format.height,
  imageName: "preview.png",
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
  extraMetadata,
};
"""

# The shape of nftchef art-engine's src/config.js, in values of our own.
NFTCHEF_CONFIG = """\
"use strict";

const path = require("path");
const isLocal = typeof process.pkg === "undefined";
const basePath = isLocal ? process.cwd() : path.dirname(process.execPath);
const { MODE } = require(path.join(basePath, "src/blendMode.js"));

const buildDir = path.join(basePath, "/build");
const layersDir = path.join(basePath, "/layers");

/*********************
 * General Generator Options
 ***********************/

const description = "Owls with opinions";
const baseUri = "ipfs://OwlCid";

const outputJPEG = false; // if false, the generator outputs png's

/**
 * Set your tokenID index start number.
 * Be sure it matches your smart contract!
 */
const startIndex = 1;

const format = {
  width: 1000,
  height: 1000,
  smoothing: true, // set to false when up-scaling pixel art.
};

const background = {
  generate: false,
  brightness: "90%",
};

const layerConfigurations = [
  {
    growEditionSizeTo: 12,
    namePrefix: "Owl", // Use to add a name to Metadata `name:`
    layersOrder: [
      { name: "Sky" },
      {
        name: "Perch",
        // options: {
        //   bypassDNA: true,
        // },
      },
      { name: "Owl Feathers", trait: "Feathers" },
      {
        name: "Owl Body",
        blend: MODE.destinationOver,
        sublayerOptions: {
          "1-Wings": { trait: "Wings" },
          Talons: { blend: "source-over", opacity: 0.8 },
        },
      },
      { name: "Monocle", options: { bypassDNA: true } },
    ],
  },
  {
    growEditionSizeTo: 20,
    namePrefix: "Night Owl",
    resetNameIndex: true, // start the count at #1 for this set
    layersOrder: [{ name: "Sky" }, { name: "Owl Body", trait: "Body" }],
  },
];

const shuffleLayerConfigurations = false;

const debugLogs = false;

/*********************
 * Advanced Generator Options
 ***********************/

// if you use an empty/transparent file, set the name here.
const emptyLayerName = "NONE";

/**
 * Incompatible items can be added to this object by a files cleanName
 */
const incompatible = {
  Crimson: ["Grey Tufts"],
  "Top Hat": ["Monocle Gold", "rare-Feather-Crest"],
};

/**
 * Require combinations of files when constructing DNA.
 */
const forcedCombinations = {
  Snowy: ["Pale Talons", "Ice Perch"],
};

/**
 * clean-filename: trait-value override pairs. Wrap filenames with spaces in quotes.
 */
const traitValueOverrides = {
  Barn: "Barn Owl",
  "tawny mix": "TAWNY",
};

const extraMetadata = {
  creator: "The Parliament",
};

const extraAttributes = () => [
  // {
  //   trait_type: "Wisdom",
  //   value: ` Wisdom # ${Math.random() * 100}`,
  // },
  {
    display_type: "boost_number",
    trait_type: "Hoots",
    value: Math.floor(Math.random() * 100),
  },
];

// Outputs an Keccack256 hash for the image. Required for provenance hash
const hashImages = true;

const rarityDelimiter = "#";

const uniqueDnaTorrance = 10000;

/**
 * Set to true to always use the root folder as trait_type
 */
const useRootTraitType = true;

const preview = {
  thumbPerRow: 4,
  thumbWidth: 100,
  imageRatio: format.width / format.height,
  imageName: "preview.png",
};

const preview_gif = {
  numberOfImages: 4,
  order: "MIXED", // ASC, DESC, MIXED
  repeat: 0,
  quality: 100,
  delay: 250,
  imageName: "preview.gif",
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
  preview_gif,
  rarityDelimiter,
  shuffleLayerConfigurations,
  startIndex,
  traitValueOverrides,
  uniqueDnaTorrance,
  useRootTraitType,
};
"""


def exports_of(text: str) -> dict:
    return read_js_config(text, "config.js").exports


def export_of(expression: str, prelude: str = "") -> object:
    return exports_of(f"{prelude}\nmodule.exports = {{ value: {expression} }};")["value"]


def unsupported_of(text: str) -> list[str]:
    return read_js_config(text, "config.js").unsupported


def test_a_hashlips_config():
    config = read_js_config(HASHLIPS_CONFIG, "src/config.js")
    exports = config.exports
    assert list(exports)[:4] == ["format", "baseUri", "description", "background"]
    assert exports["format"] == {"width": 640, "height": 480, "smoothing": False}
    assert exports["background"] == {
        "generate": True,
        "brightness": "70%",
        "static": False,
        "default": "#101010",
    }
    layers = exports["layerConfigurations"][0]["layersOrder"]
    assert exports["layerConfigurations"][0]["growEditionSizeTo"] == 40
    assert [layer["name"] for layer in layers] == ["Background", "Stone", "Moss", "Glint"]
    assert layers[2]["options"] == {
        "blend": Unsupported("the expression `MODE.multiply`", "MODE.multiply"),
        "opacity": 0.6,
        "displayName": "Growth",
    }
    assert layers[3]["options"] == {"bypassDNA": True}
    assert exports["solanaMetadata"]["creators"] == [
        {"address": "StonesWalletAddress111111111111111111111111", "share": 100}
    ]
    assert exports["pixelFormat"] == {"ratio": 0.03125}
    assert exports["preview"]["imageRatio"] == 0.75
    assert exports["preview_gif"]["order"] == "ASC"
    assert exports["text"]["spacer"] == " => "
    assert exports["rarityDelimiter"] == "#"
    assert exports["extraMetadata"] == {}
    assert exports["network"] == Unsupported("the expression `NETWORK.eth`", "NETWORK.eth")
    assert config.unsupported == [
        "layerConfigurations[0].layersOrder[2].options.blend: the expression `MODE.multiply`",
        "network: the expression `NETWORK.eth`",
    ]


def test_a_legacy_hashlips_config():
    config = read_js_config(HASHLIPS_LEGACY_CONFIG, "src/config.js")
    exports = config.exports
    assert exports["description"] == "Two lines of description, joined with a plus"
    sets = exports["layerConfigurations"]
    assert [s["growEditionSizeTo"] for s in sets] == [3, 9]
    assert sets[0]["layersOrder"][1] == {
        "name": "2-hill",
        "blend": Unsupported("the expression `MODE.colorBurn`", "MODE.colorBurn"),
        "opacity": 0.7,
    }
    assert sets[1]["layersOrder"] == [{"name": "1-sky"}, {"name": "4-sea"}]
    assert exports["preview"]["imageRatio"] == 1
    assert config.unsupported == [
        "layerConfigurations[0].layersOrder[1].blend: the expression `MODE.colorBurn`"
    ]


def test_an_nftchef_config():
    config = read_js_config(NFTCHEF_CONFIG, "src/config.js")
    exports = config.exports
    sets = exports["layerConfigurations"]
    assert [(s["growEditionSizeTo"], s["namePrefix"]) for s in sets] == [
        (12, "Owl"),
        (20, "Night Owl"),
    ]
    assert sets[1]["resetNameIndex"] is True
    body = sets[0]["layersOrder"][3]
    assert body["sublayerOptions"] == {
        "1-Wings": {"trait": "Wings"},
        "Talons": {"blend": "source-over", "opacity": 0.8},
    }
    assert sets[0]["layersOrder"][1] == {"name": "Perch"}
    assert sets[0]["layersOrder"][2] == {"name": "Owl Feathers", "trait": "Feathers"}
    assert exports["emptyLayerName"] == "NONE"
    assert exports["incompatible"] == {
        "Crimson": ["Grey Tufts"],
        "Top Hat": ["Monocle Gold", "rare-Feather-Crest"],
    }
    assert exports["forcedCombinations"] == {"Snowy": ["Pale Talons", "Ice Perch"]}
    assert exports["traitValueOverrides"] == {"Barn": "Barn Owl", "tawny mix": "TAWNY"}
    assert exports["extraMetadata"] == {"creator": "The Parliament"}
    assert exports["background"] == {"generate": False, "brightness": "90%"}
    assert (exports["startIndex"], exports["useRootTraitType"], exports["hashImages"]) == (
        1,
        True,
        True,
    )
    assert exports["extraAttributes"].description == "a function"
    assert exports["extraAttributes"].source.startswith("() => [")
    assert config.unsupported == [
        'buildDir: the call `path.join(basePath, "/build")`',
        "extraAttributes: a function",
        "layerConfigurations[0].layersOrder[3].blend: the expression `MODE.destinationOver`",
        'layersDir: the call `path.join(basePath, "/layers")`',
    ]


def test_a_packaged_or_local_base_path_is_named_as_written():
    exports = exports_of(HASHLIPS_LEGACY_CONFIG + "module.exports.basePath = basePath;")
    expression = "isLocal ? process.cwd() : path.dirname(process.execPath)"
    assert exports["basePath"] == Unsupported(f"the expression `{expression}`", expression)


def test_destructured_requires_become_unsupported_names():
    text = (
        'const { MODE, NETWORK: N, other = 1 } = require("x");\n'
        "module.exports = { MODE, N, other };"
    )
    exports = exports_of(text)
    assert exports == {name: Unsupported("a require() call", 'require("x")') for name in exports}
    assert list(exports) == ["MODE", "N", "other"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'single'", "single"),
        ('"double \\"quoted\\""', 'double "quoted"'),
        ("'tab\\tnew\\nline'", "tab\tnew\nline"),
        ("'\\x41\\u0042\\u{43}\\u{1F600}'", "ABC\U0001f600"),
        ("'\\uD83D\\uDE00'", "\U0001f600"),
        ("'it\\'s'", "it's"),
        ("'line \\\ncontinued'", "line continued"),
        ("`template`", "template"),
        ("`two\nlines`", "two\nlines"),
        ("42", 42),
        ("-42", -42),
        ("4.5", 4.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("0xFF", 255),
        ("0o17", 15),
        ("0b101", 5),
        ("1_000_000", 1_000_000),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[1, 2, 3,]", [1, 2, 3]),
        ("[1, , 3]", [1, None, 3]),
        ("[undefined]", [None]),
        ('{ a: 1, \'b c\': 2, "d": 3, 4: 5, 1.5: 6, ["e" + 1]: 7, }', None),
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("2 ** 3 ** 2", 512),
        ("7 / 2", 3.5),
        ("8 / 2", 4),
        ("-7 % 3", -1),
        ("10 - 2 - 3", 5),
        ("'a' + 1 + 2", "a12"),
        ("1 + 2 + 'a'", "3a"),
        ("'x' + true + null", "xtruenull"),
        ("1 < 2 && 'yes'", "yes"),
        ("0 || 'fallback'", "fallback"),
        ("null ?? 'default'", "default"),
        ("1 === 1.0", True),
        ("'1' === 1", False),
        ("null == undefined", True),
        ("!''", True),
        ("typeof 'x'", "string"),
        ("true ? 'a' : 'b'", "a"),
        ("1e21 + ''", "1e+21"),
    ],
)
def test_literals_and_simple_arithmetic(expression, expected):
    value = export_of(expression)
    if expected is None and expression.startswith("{"):
        assert value == {"a": 1, "b c": 2, "d": 3, "4": 5, "1.5": 6, "e1": 7}
    else:
        assert value == expected
        assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("expression", "description"),
    [
        ("1 / 0", "the expression `1 / 0`"),
        ("10 ** 10 ** 10", "the expression `10 ** 10 ** 10`"),
        ("'a' - 1", "the expression `'a' - 1`"),
        ("1 << 2", "the expression `1 << 2`"),
        ("'1' == 1", "the expression `'1' == 1`"),
        ("Math.random() * 100", "the expression `Math.random() * 100`"),
        ("process.env.SIZE || 512", "the expression `process.env.SIZE || 512`"),
        ("new Date()", "the expression `new Date()`"),
        ("/ab+c/i", "the regular expression `/ab+c/i`"),
        ("`${true}`", "the template literal `${true}`"),
        ("`w${{ a: 1 }}`", "the template literal `w${{ a: 1 }}`"),
        ("undefinedName", "the name `undefinedName`, which this file does not define"),
        ("require('./x.js').MODE", "the expression `require('./x.js').MODE`"),
        ("function () { return 1; }", "a function"),
        ("async () => 1", "a function"),
        ("class { }", "a class"),
        ("[1, 2].map((x) => x * 2)", "the call `[1, 2].map((x) => x * 2)`"),
        ("'x'.length + 'y'.toUpperCase()", "the expression `'x'.length + 'y'.toUpperCase()`"),
    ],
)
def test_values_only_javascript_could_produce(expression, description):
    value = export_of(expression)
    assert isinstance(value, Unsupported)
    assert value.description == description


def test_a_long_expression_is_shortened_in_the_description():
    long = " + ".join(f"Math.random({i})" for i in range(20))
    value = export_of(long)
    assert isinstance(value, Unsupported)
    assert value.source == long
    assert value.description.endswith("…`")
    assert len(value.description) < 90


def test_constants_resolve_through_members_templates_and_arithmetic():
    prelude = """
        const NETWORK = { eth: "eth", sol: "sol" };
        const network = NETWORK.eth;
        const format = { width: 512, height: 256 };
        const name = "Owl";
        const sizes = [16, 32];
        const nothing = null;
    """
    assert export_of("network", prelude) == "eth"
    assert export_of("network != NETWORK.sol ? true : false", prelude) is True
    assert export_of("format.width / format.height", prelude) == 2
    assert export_of("format['height']", prelude) == 256
    # undefined (a missing key) leaves the key out, as JSON.stringify does
    assert "value" not in exports_of(prelude + "module.exports = { value: format.depth };")
    assert export_of("`${name} #${format.width}`", prelude) == "Owl #512"
    assert export_of("name + ' ' + sizes.length", prelude) == "Owl 2"
    assert export_of("sizes[1] * 2", prelude) == 64
    assert export_of("format?.width", prelude) == 512
    assert "value" not in exports_of(prelude + "module.exports = { value: nothing?.x.y };")
    assert export_of("missing?.x", prelude).description.startswith("the expression")


def test_shorthand_spread_and_repeated_keys():
    prelude = "const base = { a: 1, b: 2 }; const more = [3, 4]; const a = 'shorthand';"
    assert export_of("{ ...base, b: 20, c: 3 }", prelude) == {"a": 1, "b": 20, "c": 3}
    assert export_of("{ b: 0, ...base }", prelude) == {"b": 2, "a": 1}
    assert export_of("{ a }", prelude) == {"a": "shorthand"}
    assert export_of("[0, ...more, 5]", prelude) == [0, 3, 4, 5]
    assert export_of("{ x: 1, y: 2, x: 3 }") == {"y": 2, "x": 3}
    assert export_of("{ ...null, ...undefined }") == {}


def test_an_unreadable_spread_is_kept_under_its_own_key():
    config = read_js_config("module.exports = { a: 1, ...elsewhere, b: 2 };", "config.js")
    spread = Unsupported("the spread `...elsewhere`", "...elsewhere")
    assert config.exports == {"a": 1, "...elsewhere": spread, "b": 2}
    assert config.unsupported == ['["...elsewhere"]: the spread `...elsewhere`']
    assert export_of("[1, ...elsewhere]") == [
        1,
        Unsupported("the spread `...elsewhere`", "...elsewhere"),
    ]


def test_function_bodies_are_skipped_whatever_they_contain():
    text = r"""
        function helper(a, b) {
          const o = { inner: { deeper: "}" } };
          const s = '{' + `${a + `${"}"}`}` + "\"}";
          const r = /[}{]\/+/g.test(b) ? 1 : 2 / 3;
          // a comment with } and `
          /* and { another */
          return o;
        }
        const arrow = (x) => { if (x) { return "}"; } return { x }; };
        const short = x => ({ x: x, y: "}" });
        const method = { run() { return "}"; }, get size() { return 1; }, async *gen() {} };
        module.exports = { helper, arrow, short, method, after: "still read" };
    """
    exports = exports_of(text)
    assert exports["after"] == "still read"
    for name in ("helper", "arrow", "short"):
        assert exports[name].description == "a function"
    assert exports["method"] == {
        "run": Unsupported("a function", 'run() { return "}"; }'),
        "size": Unsupported("a function", "get size() { return 1; }"),
        "gen": Unsupported("a function", "async *gen() {}"),
    }


def test_division_and_regular_expressions_are_told_apart():
    assert export_of("a / 2 / 2", "const a = 8;") == 2
    assert export_of("(8) / 2") == 4
    assert export_of("[8][0] / 4") == 2
    assert isinstance(export_of("/=/"), Unsupported)


def test_comments_and_automatic_semicolons():
    text = """
        // a line comment
        const a = 1 /* a block
        comment */
        const b = a +
          2
        let c
        c = b * 10
        module.exports = { a, b, c, } // trailing
    """
    assert exports_of(text) == {"a": 1, "b": 3, "c": 30}


def test_the_exported_object_can_be_built_in_steps():
    text = """
        module.exports.first = 1;
        exports.second = { deep: 1 };
        module.exports.second.deep += 1;
        module.exports.gone = 5;
        module.exports.gone = undefined;
        let counter = 1;
        counter *= 3;
        const list = [1];
        list[1] = 2;
        module.exports.counter = counter;
        module.exports.list = list;
    """
    assert exports_of(text) == {"first": 1, "second": {"deep": 2}, "counter": 3, "list": [1, 2]}


def test_references_are_copied_and_cycles_refused():
    text = """
        const format = { width: 10 };
        const loop = { name: "loop" };
        loop.self = loop;
        module.exports = { format, again: format, loop };
    """
    config = read_js_config(text, "config.js")
    assert config.exports["format"] == config.exports["again"]
    assert config.exports["format"] is not config.exports["again"]
    assert config.exports["loop"] == {
        "name": "loop",
        "self": Unsupported("a reference to itself"),
    }
    assert config.unsupported == ["loop.self: a reference to itself"]


def test_destructuring_from_known_objects():
    text = """
        const format = { width: 3, height: 4, depth: 5 };
        const { width, height: h, missing = 7, ...others } = format;
        const [first, , third = 9, ...tail] = [1, 2, undefined, 4, 5];
        module.exports = { width, h, missing, others, first, third, tail };
    """
    assert exports_of(text) == {
        "width": 3,
        "h": 4,
        "missing": 7,
        "others": {"depth": 5},
        "first": 1,
        "third": 9,
        "tail": [4, 5],
    }


def test_es_module_exports():
    assert exports_of("const a = 1;\nexport const b = 2;\nexport { a as alias, b as again };") == {
        "b": 2,
        "alias": 1,
        "again": 2,
    }
    assert exports_of("export default { size: 3 };") == {"size": 3}
    text = 'import { MODE as M } from "./blend.js";\nexport default { blend: M.multiply };'
    assert exports_of(text)["blend"].description == "the expression `M.multiply`"


def test_statements_that_are_not_read_are_listed():
    text = """let size = 1;
if (process.env.BIG) {
  size = 2;
} else if (size) { size = 3 }
for (let i = 0; i < 3; i++) { size += i; }
size++;
module.exports = { size, after: true };
"""
    config = read_js_config(text, "config.js")
    assert config.exports == {
        "size": Unsupported("the expression `size++`", "size++"),
        "after": True,
    }
    assert config.unsupported == [
        "size: the expression `size++`",
        "line 2: an `if` statement, not read",
        "line 5: a `for` statement, not read",
    ]


def test_a_skipped_statement_without_braces_ends_at_its_line():
    text = "let a = 1;\nif (a) a = 2\nconst b = 3;\nmodule.exports = { a, b };"
    assert exports_of(text) == {"a": 1, "b": 3}


def test_function_and_class_declarations_are_unsupported_names():
    text = (
        "function f() {}\nasync function g() {}\nclass K extends Base {}\n"
        "module.exports = { f, g, K };"
    )
    exports = exports_of(text)
    assert [exports[n].description for n in ("f", "g", "K")] == [
        "a function",
        "a function",
        "a class",
    ]


SOURCE = "src/config.js"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "const a = {\n  b: 1\n  c: 2\n};",
            "line 3 column 3: expected ',' or '}' but found 'c'; "
            "add a comma at the end of the line before",
        ),
        (
            "const a = { b: 1 c: 2 };",
            "line 1 column 18: expected ',' or '}' but found 'c'; "
            "separate the properties with commas",
        ),
        ('const a = "abc', 'line 1 column 11: unterminated string; close it with "'),
        ("const a = 'abc\n';", "line 1 column 11: unterminated string; close it with '"),
        ("x = `abc", "line 1 column 5: unterminated template literal; close it with `"),
        ("x = `a${1 + 2", "line 1 column 5: unterminated template literal; close it with `"),
        ("/* open", "line 1 column 1: unterminated /* comment; close it with */"),
        (
            "const a = [1, 2;",
            "line 1 column 16: expected ',' or ']' but found ';'; "
            "separate the items with commas or close the list with ']'",
        ),
        (
            "module.exports = { a: };",
            "line 1 column 23: expected a value but found '}'; "
            "check for a missing value or an extra comma",
        ),
        ("const = 5;", "line 1 column 7: expected a name but found '='; name the constant"),
        (
            "const a = 1 2;",
            "line 1 column 13: expected ';' or a new line but found the number 2; "
            "check for a missing comma or operator before it",
        ),
        (
            'const a = "\\x4";',
            "line 1 column 12: invalid \\x escape; write \\x41, \\u0041 or \\u{41}",
        ),
        (
            "const a = '\\uD83D';",
            "line 1 column 11: an unpaired surrogate escape; write the whole character",
        ),
        (
            "const a = 1§;",
            "line 1 column 12: unexpected character '§'; config.js must be plain JavaScript",
        ),
        (
            "const a = 12abc;",
            "line 1 column 13: a letter straight after a number; put a space or , first",
        ),
        (
            "function f() {\n  return 1;\n",
            "line 3 column 1: '{' from line 1 is never closed; add '}'",
        ),
        ("const a = { b: 1 }};", "line 1 column 19: unmatched '}'; remove it"),
        ("const f = () => { ) };", "line 1 column 19: unexpected ')'; close '{' from line 1 first"),
        ("x = a ? 1;", "line 1 column 10: expected ':' but found ';'; a ? b : c needs its ':'"),
        ("x = a.;", "line 1 column 7: expected a name but found ';'; name the property after '.'"),
        (
            "x = `${1 2}`;",
            "line 1 column 10: expected '}' but found the number 2; "
            "close ${ … } after one expression",
        ),
        (
            "x = { 'k' };",
            "line 1 column 11: expected ':' after the key 'k' but found '}'; write key: value",
        ),
        ("x = /abc", "line 1 column 5: unterminated regular expression; close it with /"),
        ("\r\n\r\nconst a = 'x", "line 3 column 11: unterminated string; close it with '"),
        ("x = 1e999;", "line 1 column 10: a number too large to read; write a smaller number"),
    ],
)
def test_syntax_errors_are_one_line_with_position(text, message):
    with pytest.raises(ConfigError) as caught:
        read_js_config(text, SOURCE)
    assert caught.value.problems == (f"{SOURCE}: {message}",)


def test_deep_nesting_is_refused_with_a_message():
    with pytest.raises(ConfigError, match=r"^config.js: line 1 column \d+: nested more than 100"):
        read_js_config("module.exports = { a: " + "[" * 150 + "]" * 150 + " };", "config.js")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "config.js: nothing is exported; a config.js ends with module.exports = { … }"),
        (
            "const a = 1;",
            "config.js: nothing is exported; a config.js ends with module.exports = { … }",
        ),
        (
            "module.exports = 5;",
            "config.js: module.exports is a number, not an object; export { … }",
        ),
        (
            "module.exports = require('./other.js');",
            "config.js: module.exports is a require() call, not an object; export { … }",
        ),
    ],
)
def test_a_file_must_export_an_object(text, message):
    with pytest.raises(ConfigError) as caught:
        read_js_config(text, "config.js")
    assert caught.value.problems == (message,)


def test_a_shebang_and_byte_order_mark_are_harmless():
    assert exports_of("#!/usr/bin/env node\n\ufeffmodule.exports = { a: 1 };") == {"a": 1}


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(value=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=5))
def test_any_json_object_reads_back_as_itself(value):
    # JSON is JavaScript, so every JSON document is a config.js export it must read exactly.
    for ensure_ascii in (True, False):
        text = f"module.exports = {json.dumps(value, ensure_ascii=ensure_ascii)};"
        assert exports_of(text) == value


IDENTIFIERS = st.from_regex(r"[A-Za-z_$][A-Za-z0-9_$]{0,6}", fullmatch=True)


@given(
    value=st.dictionaries(IDENTIFIERS, st.integers() | st.text(max_size=5), max_size=5),
    trailing=st.booleans(),
)
def test_unquoted_keys_and_trailing_commas_read_back(value, trailing):
    items = [f"{key}: {json.dumps(item)}" for key, item in value.items()]
    body = ",\n  ".join(items) + ("," if trailing and items else "")
    assert exports_of(f"const config = {{\n  {body}\n}};\nmodule.exports = config;") == value


def test_more_of_the_grammar():
    text = """
        const café = "crème", a = 1, b = a + 1;
        let late;
        const config = { default: "#000", static: false, new: 1, class: "c" };
        const maybe = true;
        module.exports = {
          café,
          b,
          late,
          keyword: config.default + config.class,
          decimal: maybe?.5:1,
          nested: `a${ { k: `b${b}` }.k }c`,
          chained: config?.static,
          sep: "one\u2028two",
          ["computed" + b]: b,
        };
    """
    assert exports_of(text) == {
        "café": "crème",
        "b": 2,
        "keyword": "#000c",
        "decimal": 0.5,
        "nested": "ab2c",
        "chained": False,
        "sep": "one\u2028two",
        "computed2": 2,
    }


def test_a_unicode_line_separator_ends_a_statement():
    assert exports_of("const a = 1\u2028const b = 2\u2029module.exports = { a, b }") == {
        "a": 1,
        "b": 2,
    }


def test_nested_brackets_are_read_in_linear_time():
    depth = 95
    text = "const a = [0];\nmodule.exports = { x: " + "a[" * depth + "0" + "]" * depth + " };"
    assert exports_of(text) == {"x": 0}  # a[0] is 0 at every level
