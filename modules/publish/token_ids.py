"""The one mapping from a plan index (1..N, what checkpoints, tracker and resume count) to the
public token id that names a token's files and metadata."""


def token_id(start_id: int, index: int) -> int:
    """The public id of the token at plan index `index` (1-based) when ids start at `start_id`."""
    return start_id + index - 1


def token_index(start_id: int, public_id: int) -> int:
    """The plan index (1-based) of the token whose public id is `public_id`."""
    return public_id - start_id + 1
