"""Whether a plan and a render fit in memory, checked before either starts: the memory this
process may still use (free RAM, or less under an address-space limit) against bytes per
token of a plan and full-size frames per render worker."""

import os
import resource
from pathlib import Path

from modules.errors import CapacityError, ConfigError
from modules.load.spec import CollectionSpec
from modules.plan.counted import COUNTED_PLAN_BYTES_PER_TOKEN
from modules.plan.trait_tracker import PLAN_BYTES_PER_TOKEN

MEMINFO = Path("/proc/meminfo")
STATUS = Path("/proc/self/status")
# Full-size frames a render holds besides its layers' decoded frames (each twice: as decoded
# and as the premultiplied overlay the cache keeps) and its output frames: one composite per
# layer prefix, a converted copy and the encoder's buffer, measured on 4000x4000 art.
WORKING_CANVASES = 3


def check_plan_memory(requested: int, planned: int, counted: bool = False) -> None:
    """Refuse an -n whose plan would not fit in the memory available, before planning."""
    per_token = COUNTED_PLAN_BYTES_PER_TOKEN if counted else PLAN_BYTES_PER_TOKEN
    needed = (requested - planned) * per_token
    available = available_memory()
    if available is not None and needed > available:
        fits = planned + available // per_token
        msg = (
            f"-n {requested}: planning needs about {_gb(needed)} of memory "
            f"({per_token} bytes per token) but only {_gb(available)} is available; "
            f"lower -n to at most {fits} or free memory"
        )
        raise CapacityError(msg)


def check_render_memory(spec: CollectionSpec, workers: int) -> None:
    """Refuse art whose single token cannot be rendered in the memory available by that
    many workers at once, before any worker starts."""
    width, height = spec.image_size
    # The most frames one token can decode: each layer's largest option, summed.
    decoded = sum(
        max(sum(len(part.durations) for part in option.parts) for option in layer.options)
        for layer in spec.layers
    )
    longest = max(
        len(part.durations)
        for layer in spec.layers
        for option in layer.options
        for part in option.parts
    )
    frames = 2 * decoded + len(spec.layers) + longest + WORKING_CANVASES
    per_worker = width * height * 4 * frames
    available = available_memory()
    if available is None or per_worker * workers <= available:
        return
    fits = available // per_worker
    advice = (
        f"use --workers {fits}"
        if fits >= 1
        else "make image_size smaller or the animations shorter, or free memory"
    )
    raise ConfigError(
        f"rendering one {width}x{height} token of up to {decoded} layer frames needs about "
        f"{_gb(per_worker)} per worker; {workers} workers need {_gb(per_worker * workers)} but "
        f"only {_gb(available)} is available; {advice}"
    )


def available_memory() -> int | None:
    """Bytes this process can still allocate, or None when the system does not say."""
    limits = [_free_ram(), _address_space_left()]
    known = [limit for limit in limits if limit is not None]
    return min(known) if known else None


def _free_ram() -> int | None:
    if MEMINFO.is_file():  # Linux: free RAM plus the cache it can drop
        return _proc_field(MEMINFO, "MemAvailable:")
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None


def _address_space_left() -> int | None:
    """What RLIMIT_AS leaves above the address space already mapped (Linux reports it)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    mapped = _proc_field(STATUS, "VmSize:") if STATUS.is_file() else None
    return soft if mapped is None else max(soft - mapped, 0)


def _proc_field(path: Path, name: str) -> int | None:
    """A `name: N kB` line of a /proc file, in bytes."""
    for line in path.read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1]) * 1024
    return None


def _gb(size: int) -> str:
    return f"{size / 1e9:.1f} GB"
