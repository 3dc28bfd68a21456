"""Names, defaults and limits shared by the CLI and the core."""

# Filename rarity suffixes (DESIGN.md §3), matched case-insensitively as the last "_" part.
RARITY_WORDS = {"rare": 1, "legendary": 1, "uncommon": 3, "common": 5, "basic": 5}
RARITY_DIGITS = {str(level): level for level in range(1, 6)}
DEFAULT_OPTION_RARITY = 3
# How reports show an absent optional layer. Absent is a state, never a value: in memory it
# is ABSENT (-1) in a plan and None in analysis, so it never merges with an option named "None".
ABSENT_LABEL = "None"
MAX_RARITY = 5

# .jpg/.jpeg layers are opaque (JPEG has no alpha): fine for backgrounds.
TRAIT_IMAGE_EXTENSIONS = (".png", ".gif", ".webp", ".jpg", ".jpeg")
# Folder names that mean "the bottom layer" when get_traits picks a default order.
BACKGROUND_NAMES = ("background", "backgrounds", "bg")


DEFAULT_CONFIG = "config.json"
DEFAULT_RULER = "ruler.json"
SAMPLE_CONFIG = "config.sample.json"
SAMPLE_RULER = "ruler.sample.json"
DEFAULT_TRAITS = "traits"
DEFAULT_OUTPUT = "output"
DEFAULT_IPFS_CID = "your-ipfs-cid-here"
DEFAULT_NAME_TEMPLATE = "{name} #{id}"

DEFAULT_NUM_TOKENS = 100
DEFAULT_QUALITY = 90
DEFAULT_MAX_MEMORY_MB = 512
DEFAULT_CACHE_SIZE = 256
DEFAULT_MAX_ATTEMPTS = 1000
DEFAULT_MAX_TRAIT_ATTEMPTS = 100
DEFAULT_CHECKPOINT_EVERY = 25
DEFAULT_RETRY_DELAY = 0.1
DEFAULT_BREAKER_THRESHOLD = 5

# Work budget for exact counting/enumeration of combinations before settling for a bound.
COUNT_BUDGET_NODES = 2_000_000

IMAGE_DIR = "image"
METADATA_DIR = "metadata"
COMBINED_METADATA = "combined_metadata.json"
COLLECTION_STATS = "collection_stats.json"
RARITY_REPORT = "rarity_report.csv"
PROVENANCE = "provenance.json"
PREVIEW_IMAGE = "preview.png"
HTML_REPORT = "report.html"
RARITY_RANKS = "rarity_ranks.csv"
SIMILAR_PAIRS = "similar_pairs.csv"
# Written by utils/ and --preview; --force removes them with the collection.
ANALYSIS_FILES = (PREVIEW_IMAGE, HTML_REPORT, RARITY_RANKS, SIMILAR_PAIRS)
