"""A studio collection on disk: its folder holds config.json (scanned from the traits folder
unless given), ruler.json when there are rules, and one folder per job. Every change is
checked by the CLI's own preflight before it replaces a file."""

import os
import shutil
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from modules.atomic_io import atomic_write_json
from modules.constants import DEFAULT_TRAITS
from modules.digests import file_sha256, json_sha256
from modules.errors import ConfigError, GenecatorError
from modules.load.validation import read_json
from modules.plan.rule_check import rule_problems
from modules.run.input_check import InputCheck, check_inputs
from modules.run.scan_output import ScanRequest, write_scan

CONFIG = "config.json"
RULER = "ruler.json"
CANDIDATE = ".candidate"  # the folder where a new document is checked before it replaces one


@dataclass(frozen=True)
class CollectionFiles:
    """Where one collection's inputs are."""

    folder: Path
    traits: Path

    @property
    def config(self) -> Path:
        return self.folder / CONFIG

    @property
    def ruler(self) -> Path | None:
        path = self.folder / RULER
        return path if path.exists() else None

    def job_folder(self, job_id: int) -> Path:
        return self.folder / "jobs" / str(job_id)

    def check(self) -> InputCheck:
        """The validate command's findings: raises with every problem, else warnings."""
        return checked(self.config, self.ruler, self.traits)


def checked(config: Path, ruler: Path | None, traits: Path) -> InputCheck:
    """check_inputs plus the rule warnings, exactly as `genecator validate` reports them."""
    check = check_inputs(config, ruler, traits)
    impossible, dead_ends = rule_problems(check.spec)
    return replace(check, warnings=check.warnings + impossible + dead_ends)


def create_collection_folder(
    parent: Path, traits: Path, config: dict[str, Any] | None, ruler: dict[str, Any] | None
) -> tuple[Path, InputCheck]:
    """A new, checked collection folder under `parent`; nothing is left behind on a refusal."""
    staging = parent / f".new-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        if config is None:
            write_scan(_scan_request(traits, staging))
        else:
            atomic_write_json(staging / CONFIG, config)
        if ruler is not None:
            atomic_write_json(staging / RULER, ruler)
        check = _checked_in(staging, staging / CONFIG, _existing(staging / RULER), traits)
        folder = parent / uuid.uuid4().hex[:12]
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder, check


def replace_document(files: CollectionFiles, name: str, document: dict[str, Any]) -> InputCheck:
    """Check `document` as the collection's config.json or ruler.json, then put it in place."""
    staging = files.folder / CANDIDATE
    staging.mkdir(exist_ok=True)
    candidate = staging / name
    atomic_write_json(candidate, document)
    try:
        config = candidate if name == CONFIG else files.config
        ruler = candidate if name == RULER else files.ruler
        check = _checked_in(staging, config, ruler, files.traits)
    except BaseException:
        candidate.unlink(missing_ok=True)
        raise
    os.replace(candidate, files.folder / name)
    return check


def _checked_in(staging: Path, config: Path, ruler: Path | None, traits: Path) -> InputCheck:
    """checked(), its messages naming the documents as config.json and ruler.json alone:
    where the studio keeps them is nothing the user needs to read."""
    try:
        return checked(config, ruler, traits)
    except GenecatorError as exc:
        folders = (f"{staging}{os.sep}", f"{staging.parent}{os.sep}")
        problems = [_without(problem, folders) for problem in exc.problems]
        raise type(exc)(*problems) from exc


def _without(text: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        text = text.replace(prefix, "")
    return text


def fingerprint(files: CollectionFiles, params: dict[str, Any]) -> str | None:
    """What decides a generation's output: the inputs' bytes, the trait files and the request.
    None without a seed: a drawn seed makes every run different."""
    if params.get("seed") is None:
        return None
    ruler = files.ruler
    return json_sha256(
        {
            "config": file_sha256(files.config),
            "ruler": file_sha256(ruler) if ruler else None,
            "traits": traits_digest(files.traits),
            "request": params,
        }
    )


def traits_digest(folder: Path) -> str:
    """A digest of every file under `folder` by name, size and modification time."""
    entries = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            status = (Path(root) / name).stat()
            relative = os.path.relpath(os.path.join(root, name), folder)
            entries.append([relative, status.st_size, status.st_mtime_ns])
    return json_sha256(entries)


def documents_beside(folder: Path) -> dict[str, list[Path]]:
    """The configs that describe traits folder `folder` (their traits_dir, default traits/,
    names it) and the rule files, among the JSON files of its parent folder."""
    found: dict[str, list[Path]] = {"configs": [], "rulers": []}
    for path in sorted(folder.parent.glob("*.json")):
        try:
            document = read_json(path)
        except ConfigError:
            continue  # not a document the studio could offer; the user picks another
        if not isinstance(document, dict):
            continue
        if "trait_order" in document:
            traits = path.parent / str(document.get("traits_dir", DEFAULT_TRAITS))
            if traits.resolve() == folder.resolve():
                found["configs"].append(path)
        elif isinstance(document.get("rules"), list):
            found["rulers"].append(path)
    return found


def _scan_request(traits: Path, folder: Path) -> ScanRequest:
    # A HashLips or nftchef project folder is imported with its config.js, as get-traits does.
    project = traits if (traits / "src" / "config.js").is_file() else None
    return ScanRequest(traits=traits, project=project, output=folder / CONFIG, ruler=folder / RULER)


def _existing(path: Path) -> Path | None:
    return path if path.exists() else None
