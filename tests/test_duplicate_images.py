"""Tokens whose image files are byte-identical: grouped from the run's SHA-256 per token and
reported one line per group, with a cap."""

import hashlib

from modules.publish.duplicate_images import identical_token_lines, identical_tokens


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_tokens_sharing_a_hash_are_grouped():
    hashes = {17: sha("a"), 4: sha("a"), 5: sha("b"), 9: sha("c"), 2: sha("c"), 30: sha("c")}
    assert identical_tokens(hashes) == [[2, 9, 30], [4, 17]]


def test_groups_are_ordered_by_first_id_whatever_the_input_order():
    hashes = {i: sha(str(i % 3)) for i in range(1, 10)}
    expected = [[1, 4, 7], [2, 5, 8], [3, 6, 9]]
    assert identical_tokens(hashes) == expected
    assert identical_tokens(dict(reversed(hashes.items()))) == expected


def test_no_groups_when_every_image_differs():
    assert identical_tokens({i: sha(str(i)) for i in range(1, 100)}) == []
    assert identical_tokens({}) == []


def test_a_line_names_the_tokens_and_what_to_check():
    assert identical_token_lines([[4, 17], [2, 9, 30]]) == [
        "Tokens 4 and 17 have identical images (the same SHA-256): their traits differ only in "
        "layers that look the same; check for duplicate trait files, fully transparent ones, "
        "or art an upper layer covers completely",
        "Tokens 2, 9 and 30 have identical images (the same SHA-256): their traits differ only "
        "in layers that look the same; check for duplicate trait files, fully transparent ones, "
        "or art an upper layer covers completely",
    ]


def test_no_lines_without_groups():
    assert identical_token_lines([]) == []


def test_groups_past_the_limit_are_summarised():
    groups = [[i, i + 100] for i in range(1, 26)] + [[200, 201, 202]]
    lines = identical_token_lines(groups)
    assert len(lines) == 21
    assert lines[0].startswith("Tokens 1 and 101 have identical images")
    assert lines[19].startswith("Tokens 20 and 120 have identical images")
    assert lines[20] == (
        "... and 6 more groups of tokens with identical images (13 tokens); "
        "`genecator duplicates -d OUTPUT` lists them all"
    )


def test_the_limit_is_inclusive_and_can_be_set():
    groups = [[1, 2], [3, 4], [5, 6]]
    assert len(identical_token_lines(groups, limit=3)) == 3
    lines = identical_token_lines(groups, limit=2)
    assert lines[-1].startswith("... and 1 more group of tokens with identical images (2 tokens)")
    assert identical_token_lines(groups, limit=0) == [
        "... and 3 more groups of tokens with identical images (6 tokens); "
        "`genecator duplicates -d OUTPUT` lists them all"
    ]


def test_from_hashes_to_lines():
    hashes = {1: sha("x"), 2: sha("y"), 3: sha("x")}
    assert identical_token_lines(identical_tokens(hashes))[0].startswith(
        "Tokens 1 and 3 have identical images"
    )


def test_a_large_group_names_a_dozen_ids_and_counts_the_rest() -> None:
    (line,) = identical_token_lines([list(range(1, 5001))])
    assert line.startswith(
        "Tokens 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 4988 more (5000 in all) "
    )
    assert len(line) < 300
