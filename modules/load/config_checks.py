"""Checks of a config document that need no files: names, cross-references, templates,
keys that exclude each other, and the image URIs."""

import re
import unicodedata
from pathlib import Path
from string import Formatter
from typing import Any

from modules.constants import DEFAULT_IPFS_CID, DEFAULT_NAME_TEMPLATE, MAX_RARITY
from modules.load.ipfs_uri import base_uri_problem, cid_problem, folder_uri
from modules.load.label_twins import twin_label_problems
from modules.load.validation import did_you_mean, is_plain_name

# Templates are formatted once per token: a spec like {id:>999999999} would build a
# gigabyte-long name, so widths and precisions are capped.
MAX_TEMPLATE_WIDTH = 64
TEMPLATE_SAMPLES: dict[str, Any] = {"name": "Collection", "id": 1}
# Characters that reorder the text around them when shown (U+200E/F marks, U+202A-E
# embeddings and overrides, U+2066-9 isolates).
BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Keys that say the same thing two ways: a document may give one of each pair.
LAYER_EXCLUSIVE = (("rarity", "presence"),)
OPTION_EXCLUSIVE = (("rarity", "weight"), ("file", "parts"), ("count", "max_count"))


def document_problems(config: dict[str, Any], label: str, traits: Path) -> list[str]:
    """Every problem of a schema-valid config that the files do not decide."""
    return (
        layer_name_problems(config, label, traits)
        + layer_reference_problems(config, label)
        + unsafe_name_problems(config, label)
        + label_problems(config, label)
        + twin_label_problems(config, label)
        + exclusive_problems(config, label)
        + absent_count_problems(config, label)
        + metadata_problems(config, label)
        + uri_problems(config, label)
    )


def unsafe_name_problems(config: dict[str, Any], label: str) -> list[str]:
    """Names that metadata, reports and terminals would show wrongly: empty or blank, with a
    line break, NUL or other control character, or a bidirectional override (which makes
    'gpj.exe' read as 'exe.jpg')."""
    problems = []
    for where, name in _shown_names(config):
        reason = name_display_problem(name)
        if reason:
            problems.append(f"{label}: {where}: {name!r} {reason}; rename it")
    return problems


def _shown_names(config: dict[str, Any]) -> list[tuple[str, str]]:
    """Every layer and option name and display name, with its JSON path."""
    found = []
    for name, layer in config["traits"].items():
        if "folder" in layer:  # else the name is a folder name, checked as one
            found.append((f"$.traits.{name}", name))
        keys = [key for key in ("display_name", "none_value") if key in layer]
        found += [(f"$.traits.{name}.{key}", layer[key]) for key in keys]
        for index, option in enumerate(layer["options"]):
            where = f"$.traits.{name}.options[{index}]"
            found.append((f"{where}.name", option["name"]))
            if "display_name" in option:
                found.append((f"{where}.display_name", option["display_name"]))
    return found


def name_display_problem(name: str) -> str | None:
    """Why `name` cannot be shown as one honest line, or None."""
    if not name.strip():
        return "is blank"
    if any(char in BIDI_CONTROLS for char in name):
        return "contains a bidirectional control character"
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in name):
        return "contains a line break, NUL or other control character"
    return None


def label_problems(config: dict[str, Any], label: str) -> list[str]:
    """What metadata shows must tell tokens apart: no two options of a layer (or its
    none_value) show as one value, and no two layers as one trait_type."""
    problems = []
    shown: dict[str, str] = {}
    for name, layer in config["traits"].items():
        trait_type = layer.get("display_name", name)
        if trait_type in shown:
            problems.append(
                f"{label}: $.traits.{name}: shown as trait_type '{trait_type}' like layer "
                f"'{shown[trait_type]}'; give one of them another display_name"
            )
        shown.setdefault(trait_type, name)
        problems += _value_clashes(layer, f"{label}: $.traits.{name}")
    return problems


def _value_clashes(layer: dict[str, Any], where: str) -> list[str]:
    values: dict[str, list[str]] = {}
    for option in layer["options"]:
        names = values.setdefault(option.get("display_name", option["name"]), [])
        if option["name"] not in names:  # a repeated name is reported as such
            names.append(option["name"])
    problems = [
        f"{where}: options {' and '.join(repr(n) for n in names)} are both shown as {value!r}, "
        "so tokens would differ only in art; give them different display_name values"
        for value, names in values.items()
        if len(names) > 1
    ]
    none_value = layer.get("none_value")
    if none_value in values:
        problems.append(
            f"{where}.none_value: {none_value!r} is also the value of option "
            f"{values[none_value][0]!r}, so absent and present would look alike; choose another"
        )
    return problems


def exclusive_problems(config: dict[str, Any], label: str) -> list[str]:
    """A layer gives rarity or presence, an option rarity or weight and file or parts."""
    found = []
    if "ipfs_cid" in config and "base_uri" in config:
        found.append(f"{label}: $: give ipfs_cid or base_uri, not both")
    for name, layer in config["traits"].items():
        found += _both(layer, LAYER_EXCLUSIVE, f"{label}: $.traits.{name}")
        for index, option in enumerate(layer["options"]):
            found += _both(option, OPTION_EXCLUSIVE, f"{label}: $.traits.{name}.options[{index}]")
    return found


def absent_count_problems(config: dict[str, Any], label: str) -> list[str]:
    """absent_count counts tokens without the layer: only an optional layer has them."""
    return [
        f"{label}: $.traits.{name}.absent_count: layer '{name}' is always present, so no "
        "token lacks it; give the layer a rarity or presence below the maximum"
        for name, layer in config["traits"].items()
        if "absent_count" in layer
        and layer.get("rarity", MAX_RARITY) >= MAX_RARITY
        and layer.get("presence", 1) >= 1
    ]


def _both(document: dict[str, Any], pairs: tuple[tuple[str, str], ...], where: str) -> list[str]:
    return [
        f"{where}: give {first} or {second}, not both"
        for first, second in pairs
        if first in document and second in document
    ]


def uri_problems(config: dict[str, Any], label: str) -> list[str]:
    """ipfs_cid must be a bare CID (or the placeholder); base_uri must have a known scheme."""
    cid, uri = config.get("ipfs_cid"), config.get("base_uri")
    if cid is not None and cid != DEFAULT_IPFS_CID and (problem := cid_problem(cid)):
        hint = ""
        if cid.startswith("ipfs://"):
            hint = f' (or write "base_uri": "{folder_uri(cid)}")'
        return [f"{label}: $.ipfs_cid: {cid!r}: {problem}{hint}"]
    if uri is not None and (problem := base_uri_problem(uri)):
        return [f"{label}: $.base_uri: {uri!r}: {problem}"]
    return []


def base_uri(config: dict[str, Any]) -> str:
    """The prefix of every image URI: base_uri, else ipfs://CID/ (the placeholder's too)."""
    if "base_uri" in config:
        return folder_uri(config["base_uri"])
    return f"ipfs://{config.get('ipfs_cid', DEFAULT_IPFS_CID)}/"


def layer_name_problems(config: dict[str, Any], label: str, traits: Path) -> list[str]:
    """A layer's folder (its `folder`, else its name) must be a plain folder name: one that
    is not (`../etc`, `a/b`) could leave the traits folder."""
    problems = []
    for i, name in enumerate(config["trait_order"]):
        folder = layer_folder_name(config, name)
        if not is_plain_name(folder):
            where, what = f"$.traits.{name}.folder", "folder"
            if folder == name:
                where, what = f"$.trait_order[{i}]", "layer"
            problems.append(
                f"{label}: {where}: '{folder}' must be the name of a folder inside {traits}; "
                f"rename the {what} (no '/', '.', '..' or control characters)"
            )
    return problems


def layer_folder_name(config: dict[str, Any], layer: str) -> str:
    """The folder a layer's images live in: its `folder`, else its name."""
    return str(config["traits"].get(layer, {}).get("folder", layer))


def layer_reference_problems(config: dict[str, Any], label: str) -> list[str]:
    """trait_order, traits and priority_traits must name the same layers."""
    order, traits = config["trait_order"], config["traits"]
    problems = [
        f"{label}: $.trait_order[{i}]: layer '{name}' has no entry in $.traits"
        + (did_you_mean(name, traits) or "; add it there or remove it from trait_order")
        for i, name in enumerate(order)
        if name not in traits
    ]
    problems += [
        f"{label}: $.traits.{name}: layer is not in $.trait_order; add it there or remove it"
        for name in traits
        if name not in order
    ]
    problems += [
        f"{label}: $.priority_traits[{i}]: no layer '{name}'" + did_you_mean(name, order)
        for i, name in enumerate(config.get("priority_traits", []))
        if name not in order
    ]
    return problems


def metadata_problems(config: dict[str, Any], label: str) -> list[str]:
    """name_template may use {name} and {id}; external_url only {id}."""
    metadata = config.get("metadata", {})
    fields = (
        ("name_template", metadata.get("name_template", DEFAULT_NAME_TEMPLATE), ("name", "id")),
        ("external_url", metadata.get("external_url"), ("id",)),
    )
    problems = []
    for field, template, allowed in fields:
        reason = template_problem(template, allowed) if template is not None else None
        if reason:
            placeholders = " and ".join(f"{{{name}}}" for name in allowed)
            problems.append(
                f"{label}: $.metadata.{field}: '{template}' is not a valid template ({reason}); "
                f"use {placeholders}"
            )
    return problems


def template_problem(template: str, allowed: tuple[str, ...]) -> str | None:
    """Why `template` cannot be formatted with just the `allowed` placeholders, or None."""
    try:
        parts = [(field, spec or "") for _, field, spec, _ in Formatter().parse(template) if field]
        unknown = [field for field, _ in parts if field not in allowed]
        if unknown:
            return f"unknown placeholder {{{unknown[0]}}}"
        wide = [spec for _, spec in parts if "{" in spec or _widest(spec) > MAX_TEMPLATE_WIDTH]
        if wide:
            return f"format spec '{wide[0]}' is nested or wider than {MAX_TEMPLATE_WIDTH}"
        # Sample values of the real types, so '{name:d}' fails here and not on token 1.
        template.format(**{key: TEMPLATE_SAMPLES[key] for key in allowed})
    except ValueError as exc:
        return str(exc)
    return None


def _widest(spec: str) -> int:
    return max((int(digits) for digits in re.findall(r"\d+", spec)), default=0)
