"""Check and prepare the output folder before anything is rendered. Genecator's own files
are the collection and checkpoint files it names and the token files of the ids it planned;
anything else in the folder is the user's, and no run deletes or overwrites it."""

import logging
import re
from collections.abc import Callable
from pathlib import Path

from modules.atomic_io import is_temp_file, no_follow_opener, temp_path
from modules.constants import (
    ANALYSIS_FILES,
    COLLECTION_STATS,
    COMBINED_METADATA,
    IMAGE_DIR,
    METADATA_DIR,
    PROVENANCE,
    RARITY_REPORT,
)
from modules.errors import CheckpointError, OutputError
from modules.publish.checkpoint import (
    CHUNK_NAME,
    LEDGER_DIR,
    RNG_STATE,
    SEEN_HASHES,
    TRACKER_STATE,
    HashLedger,
    read_plan_state,
)
from modules.publish.run_log import RUN_LOG
from modules.resource_manager import ResourceManager
from modules.settings import GenerationSettings

logger = logging.getLogger(__name__)

# Token files as Genecator names them: the id in plain decimal, one of its image formats.
IMAGE_FILE = re.compile(r"(0|[1-9][0-9]*)\.(?:png|jpg|webp|gif)")
METADATA_FILE = re.compile(r"(0|[1-9][0-9]*)\.json")
OUTPUT_FILES = (
    COLLECTION_STATS,
    RARITY_REPORT,
    PROVENANCE,
    RNG_STATE,
    TRACKER_STATE,
    SEEN_HASHES,
    *ANALYSIS_FILES,
)
# The files each chain folder holds as its exporter names them (any token id): a run that
# replaces a collection replaces them all, so no stale token stays behind (a Candy Machine
# pair past N would be uploaded).
TOKEN_ID = r"(?:0|[1-9][0-9]*)"
IMAGE_SUFFIX = r"(?:png|jpg|jpeg|webp|gif)"
CHAIN_FILES = {
    "erc1155": (re.compile(r"[0-9a-f]{64}\.json|collection\.json"),),
    "solana": (re.compile(rf"(?:{TOKEN_ID}|collection)\.(?:json|{IMAGE_SUFFIX})"),),
    "tezos": (re.compile(rf"{TOKEN_ID}\.json"), re.compile(rf"thumbnail/{TOKEN_ID}\.png")),
    "cardano": (re.compile(rf"{TOKEN_ID}\.json"),),
}
MAX_LISTED = 10


def prepare_output(settings: GenerationSettings, start_id: int = 1) -> tuple[Path, Path]:
    """Create output/image and output/metadata, proven writable; refuse an existing collection
    unless resuming or `force` (which removes it), and remove stale temp files; token ids
    start at `start_id`."""
    output_dir = settings.output_dir
    image_dir, metadata_dir = output_dir / IMAGE_DIR, output_dir / METADATA_DIR
    existing = [] if settings.resume else _own_files(output_dir, settings.num_tokens, start_id)
    if existing and not settings.force:
        msg = (
            f"{output_dir}: already holds a collection ({len(existing)} files); pass --resume "
            "to finish or extend it, --force to replace it, or choose another --output"
        )
        raise OutputError(msg)
    for folder in (output_dir, image_dir, metadata_dir):
        make_writable_folder(folder)
    _remove(existing + _temp_files(output_dir))
    if settings.force:
        _say_what_is_left(output_dir)
    return image_dir, metadata_dir


def _own_files(output_dir: Path, tokens: int, start_id: int) -> list[Path]:
    """The files a run of `tokens` tokens from id `start_id` replaces: the collection and
    checkpoint files, and token files of that many ids (or the count the checkpoint planned,
    if more) from `start_id`."""
    count = max(tokens, _recorded_tokens(output_dir))
    return collection_files(output_dir, range(start_id, start_id + count))


def collection_files(output_dir: Path, ids: range | None = None) -> list[Path]:
    """Genecator's collection and checkpoint files in `output_dir`, and its token files of
    the ids `ids` (of any id when None)."""
    files = [output_dir / name for name in OUTPUT_FILES]
    files.append(output_dir / METADATA_DIR / COMBINED_METADATA)
    for folder, pattern in ((IMAGE_DIR, IMAGE_FILE), (METADATA_DIR, METADATA_FILE)):
        for path in _entries(output_dir / folder):
            match = pattern.fullmatch(path.name)
            if match and (ids is None or int(match[1]) in ids):
                files.append(path)
    files += [path for path in _entries(output_dir / LEDGER_DIR) if CHUNK_NAME.fullmatch(path.name)]
    files += chain_files(output_dir)
    return sorted(path for path in files if path.is_file())


def chain_files(output_dir: Path) -> list[Path]:
    """The files Genecator's exporters wrote in the chain folders, of any token id."""
    found = []
    for folder, patterns in CHAIN_FILES.items():
        root = output_dir / folder
        for path in [*_entries(root), *_entries(root / "thumbnail")]:
            name = path.relative_to(root).as_posix()
            if any(pattern.fullmatch(name) for pattern in patterns):
                found.append(path)
    return found


def _recorded_tokens(output_dir: Path) -> int:
    """How many tokens the checkpoint planned, else the highest id it has a hash for; 0 with
    no readable record (a damaged one vouches for no file, so --force leaves and names them)."""
    try:
        plan = read_plan_state(output_dir)
    except CheckpointError:
        plan = None
    if plan is not None:
        return len(plan.combos)
    try:
        return max(HashLedger(output_dir).load(), default=0)
    except CheckpointError:
        return 0


def _say_what_is_left(output_dir: Path) -> None:
    """One line naming what --force left because Genecator did not write it."""
    # Imported here: output_lock imports this module.
    from modules.publish.output_lock import LOCK_FILE

    kept = {IMAGE_DIR, METADATA_DIR, LEDGER_DIR, RUN_LOG, LOCK_FILE, *CHAIN_FILES}
    left = [path for path in _entries(output_dir) if path.name not in kept]
    for folder in (IMAGE_DIR, METADATA_DIR, LEDGER_DIR, *CHAIN_FILES):
        left += [path for path in _entries(output_dir / folder) if path.name != "thumbnail"]
    left += _entries(output_dir / "tezos" / "thumbnail")
    if not left:
        return
    names = sorted(
        path.relative_to(output_dir).as_posix() + ("/" if path.is_dir() else "") for path in left
    )
    shown = ", ".join(names[:MAX_LISTED]) + (", …" if len(names) > MAX_LISTED else "")
    noun = "file" if len(names) == 1 else "files"
    logger.info("%s: left %d %s Genecator did not write: %s", output_dir, len(names), noun, shown)


def _entries(folder: Path) -> list[Path]:
    """A folder's entries (none when it is not a folder); unreadable is an error, since a
    collection hidden in it could otherwise be overwritten."""
    if not folder.is_dir():
        return []
    try:
        return list(folder.iterdir())
    except OSError as exc:
        msg = (
            f"{folder}: cannot list it ({exc.strerror}); fix permissions or choose another --output"
        )
        raise OutputError(msg) from None


def remove_temp_files(output_dir: Path) -> None:
    """Remove what interrupted atomic writes left in `output_dir` (its writers are done)."""
    _remove(_temp_files(output_dir))


def _remove(paths: list[Path]) -> None:
    try:
        for path in paths:
            path.unlink(missing_ok=True)
    except OSError as exc:
        msg = f"{exc.filename}: cannot remove it ({exc.strerror}); fix permissions or remove it"
        raise OutputError(msg) from None


def _temp_files(output_dir: Path) -> list[Path]:
    """Temp files that interrupted atomic writes left in the folders a run writes to (the
    caller holds the output lock: no writer of this folder is running)."""
    folders = [output_dir, *(output_dir / name for name in (IMAGE_DIR, METADATA_DIR, LEDGER_DIR))]
    return [path for folder in folders for path in _entries(folder) if is_temp_file(path)]


def make_writable_folder(folder: Path) -> None:
    """Create `folder` (and its parents) and prove it is writable, or say why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe_write(temp_path(folder / "probe"))
    except (FileExistsError, NotADirectoryError):
        msg = f"{folder}: a file stands where this folder should be; choose another --output"
        raise OutputError(msg) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        msg = f"{folder}: cannot write there ({reason}); fix permissions or choose another --output"
        raise OutputError(msg) from None


def probe_write(path: Path) -> None:
    """Create and remove an empty file: proves a folder is writable before any work."""
    with open(path, "wb", opener=no_follow_opener):
        pass
    path.unlink()


def checked_write(
    resources: ResourceManager, output_dir: Path, action: Callable[..., None], *args: object
) -> None:
    """Run a parent-side write with retries; any other OS error becomes one clear line."""
    try:
        resources.call(action, *args)
    except OSError as exc:
        where = exc.filename or output_dir
        msg = (
            f"{where}: cannot write ({exc.strerror or exc}); free space or fix permissions, "
            "then run the same command with --resume"
        )
        raise OutputError(msg) from None


def check_output_location(output_dir: Path, traits_dir: Path) -> None:
    """The collection may not live inside the traits folder, where it would be read as art."""
    if output_dir.resolve().is_relative_to(traits_dir.resolve()):
        msg = f"{output_dir}: is inside the traits folder {traits_dir}; choose another --output"
        raise OutputError(msg)
