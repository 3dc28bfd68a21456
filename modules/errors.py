"""The one exception hierarchy; modules/cli/support.py turns it into user text and exit codes."""


class GenecatorError(Exception):
    """A problem the user can fix; each entry of `problems` is one self-contained line, and
    `reason` is what run statistics count it as."""

    reason = "error"

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems
        super().__init__("\n".join(problems))


class ConfigError(GenecatorError):
    """config.json, ruler.json or a command-line setting is invalid."""


class TraitFileError(GenecatorError):
    """A trait image is missing, unreadable, or does not fit the configuration."""

    reason = "unusable trait file"


class TraitChangedError(TraitFileError):
    """A trait file no longer holds the bytes the run was planned with."""

    reason = "trait file changed"


class CapacityError(GenecatorError):
    """More tokens were asked for than distinct valid combinations exist."""


class OutputError(GenecatorError):
    """The output folder cannot be used or written."""


class CheckpointError(GenecatorError):
    """The output folder's checkpoint is unreadable or does not fit this run."""


class CheckpointMismatchError(CheckpointError):
    """Resuming with inputs that differ from those the collection was started with."""


class RenderWorkerLost(GenecatorError):
    """A render process died mid-run (the OOM killer, a kill -9); the run stops resumable."""


class CollectionError(GenecatorError):
    """A finished collection's metadata or images are missing, malformed or inconsistent."""
