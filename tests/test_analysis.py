"""The analysis tools on a generated collection: the metadata reader, combine_metadata,
duplicate_check, similarity_check, the IPFS CID updater and provenance."""

import hashlib
import json
import random
import shutil
from itertools import combinations
from pathlib import Path

import pytest

from modules.analysis import similarity
from modules.analysis.collection_reader import (
    read_combined,
    read_tokens,
    token_files,
)
from modules.analysis.ipfs_cid import check_cid
from modules.analysis.provenance import write_provenance
from modules.analysis.similarity import find_similar, similar_indices
from modules.atomic_io import json_bytes
from modules.errors import CollectionError
from tests.analysis_helpers import (
    TRAIT_TYPES,
    build_collection,
    copy_collection,
    invoke,
    read_metadata,
    snapshot,
    stderr_of,
    write_tokens,
)

COUNT = 15
CIDV0 = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
CIDV1 = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_collection(tmp_path_factory.mktemp("project"), COUNT)


@pytest.fixture
def collection(generated: Path, tmp_path: Path) -> Path:
    """A private copy of the generated collection, free to change."""
    return copy_collection(generated, tmp_path / "output")


# --- the reader -----------------------------------------------------------------------------


def test_reader_lists_token_files_only_in_numeric_id_order(collection: Path) -> None:
    metadata = collection / "metadata"
    (metadata / "notes.json").write_text("{}")
    (metadata / "1.json.bak").write_text("{}")

    ids = [token_id for token_id, _ in token_files(metadata)]

    assert ids == list(range(1, COUNT + 1))  # 2 before 10, combined/other JSON ignored
    tokens = read_tokens(metadata)
    assert [t.image_file for t in tokens] == [f"{i}.png" for i in ids]
    assert set(tokens[0].traits) <= set(TRAIT_TYPES)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON at line 1"),
        ('{"name": "x", "image": "ipfs://c/4.png"}', "missing field(s) attributes"),
        ('{"name": "x", "image": "ipfs://c/4", "attributes": []}', "does not end in a file"),
        (
            '{"name": "x", "image": "ipfs://c/4.png", "attributes": [{"value": "a"}]}',
            "attributes[0]: expected an object with a string trait_type",
        ),
    ],
)
def test_reader_names_the_bad_file(collection: Path, content: str, message: str) -> None:
    bad = collection / "metadata" / "4.json"
    bad.write_text(content)

    with pytest.raises(CollectionError, match=str(bad).replace("\\", "\\\\")) as caught:
        [token.image_file for token in read_tokens(collection / "metadata")]

    assert message in str(caught.value)


def test_reader_refuses_two_files_for_one_id(collection: Path) -> None:
    shutil.copy(collection / "metadata" / "3.json", collection / "metadata" / "03.json")

    with pytest.raises(CollectionError, match="token 3 also has"):
        token_files(collection / "metadata")


def test_reader_reads_combined_metadata_as_the_same_tokens(collection: Path) -> None:
    from_files = read_tokens(collection / "metadata")
    combined = read_combined(collection / "metadata" / "combined_metadata.json")

    assert [(t.token_id, t.metadata) for t in combined] == [
        (t.token_id, t.metadata) for t in from_files
    ]


# --- combine_metadata -----------------------------------------------------------------------


def test_combine_metadata_is_byte_identical_and_touches_nothing_else(collection: Path) -> None:
    combined = collection / "metadata" / "combined_metadata.json"
    generated = combined.read_bytes()
    combined.unlink()
    (collection / "metadata" / "extra.json").write_text('{"not": "a token"}')
    before = snapshot(collection)

    result = invoke("combine-metadata", "-d", str(collection))

    assert result.exit_code == 0, result.output
    assert combined.read_bytes() == generated
    after = snapshot(collection)
    assert after.pop("metadata/combined_metadata.json") == generated
    assert after == before


def test_combine_metadata_on_an_empty_folder_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "metadata").mkdir()

    result = invoke("combine-metadata", "-d", str(tmp_path))

    assert result.exit_code == 1
    assert stderr_of(result).startswith("Error: ")
    assert "holds no token metadata" in stderr_of(result)


# --- duplicate_check ------------------------------------------------------------------------


def test_duplicate_check_passes_a_generated_collection(collection: Path) -> None:
    result = invoke("duplicates", "-d", str(collection))

    assert result.exit_code == 0, result.output
    assert "Same trait combination: none" in result.output
    assert "Same image (SHA-256): none" in result.output


def test_duplicate_check_finds_planted_duplicates(collection: Path) -> None:
    metadata, images = collection / "metadata", collection / "image"
    new_id = COUNT + 1
    shutil.copy(metadata / "1.json", metadata / f"{new_id}.json")  # same traits and image
    shutil.copy(images / "1.png", images / f"{new_id}.png")
    shutil.copy(images / "2.png", images / "3.png")  # same image, different traits

    result = invoke("duplicates", "-d", str(collection))

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1:3] == ["Same trait combination: 1 group(s)", f"  1, {new_id}"]
    assert lines[3:] == ["Same image (SHA-256): 2 group(s)", f"  1, {new_id}", "  2, 3"]


def test_duplicate_check_names_a_missing_image(collection: Path) -> None:
    (collection / "image" / "5.png").unlink()

    result = invoke("duplicates", "-d", str(collection))

    assert result.exit_code == 1
    assert "5.png: image of token 5 not found" in stderr_of(result)


# --- similarity_check -----------------------------------------------------------------------

# Four trait types; token 4 and 5 lack D, which counts as the shared value "None".
PLANTED = [
    {"A": "a1", "B": "b1", "C": "c1", "D": "d1"},
    {"A": "a1", "B": "b1", "C": "c1", "D": "d2"},  # shares 3 with 1
    {"A": "a1", "B": "b1", "C": "c2", "D": "d3"},  # shares 2 with 1 and with 2
    {"A": "a2", "B": "b2", "C": "c2"},  # shares C with 3
    {"A": "a3", "B": "b2", "C": "c3"},  # shares B and D=None with 4
]


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [(4, []), (3, [(1, 2)]), (2, [(1, 2), (1, 3), (2, 3), (4, 5)])],
)
def test_similarity_counts_planted_pairs(tmp_path: Path, threshold: int, expected: list) -> None:
    tokens = read_tokens(write_tokens(tmp_path, PLANTED) / "metadata")

    result = find_similar(tokens, threshold)

    assert sorted((p.first, p.second) for p in result.pairs) == expected
    if threshold == 2:
        pair = next(p for p in result.pairs if (p.first, p.second) == (4, 5))
        assert pair.shared == (("B", "b2"), ("D", "None"))


def test_an_absent_trait_never_matches_an_option_named_none(tmp_path: Path) -> None:
    rows = [{"A": "a1", "B": "None"}, {"A": "a1"}, {"A": "a1"}]
    tokens = read_tokens(write_tokens(tmp_path, rows) / "metadata")

    pairs = {(p.first, p.second): p.shared for p in find_similar(tokens, 1).pairs}

    assert pairs[(1, 2)] == (("A", "a1"),)  # B = "None" is a value; token 2 has no B
    # Both absent; B has a value "None", so the absence is shown as "(absent)".
    assert pairs[(2, 3)] == (("A", "a1"), ("B", "(absent)"))


def naive(vectors: list[tuple[int, ...]], k: int) -> set[tuple[int, int, tuple[int, ...]]]:
    return {
        (a, b, tuple(p for p in range(len(vectors[a])) if vectors[a][p] == vectors[b][p]))
        for a, b in combinations(range(len(vectors)), 2)
        if sum(x == y for x, y in zip(vectors[a], vectors[b], strict=True)) >= k
    }


@pytest.mark.parametrize(
    "max_subset_keys", [similarity.MAX_SUBSET_KEYS, 0], ids=["subsets", "blocks"]
)
def test_similarity_equals_all_pairs_on_random_collections(
    monkeypatch: pytest.MonkeyPatch, max_subset_keys: int
) -> None:
    monkeypatch.setattr(similarity, "MAX_SUBSET_KEYS", max_subset_keys)
    rng = random.Random(5)
    for _ in range(30):
        width = rng.randint(1, 7)
        vectors = [
            tuple(rng.randint(0, 2) for _ in range(width)) for _ in range(rng.randint(0, 40))
        ]
        for k in range(1, width + 1):
            found = [(a, b, tuple(shared)) for a, b, shared in similar_indices(vectors, k)]
            assert len(found) == len(set(found))  # every pair once
            assert set(found) == naive(vectors, k)


def test_similarity_cli_writes_csv_by_default_and_json_on_request(collection: Path) -> None:
    tokens = read_tokens(collection / "metadata")
    expected = find_similar(tokens, 2)

    as_csv = invoke("similarity", "--threshold", "2", "-d", str(collection))
    report = collection / "sim.json"
    as_json = invoke("similarity", "-k", "2", "-d", str(collection), "--output", str(report))

    assert as_csv.exit_code == 0, as_csv.output
    assert as_json.exit_code == 0, as_json.output
    assert as_csv.output.startswith(f"{len(expected.pairs)} pairs of tokens share at least 2 of 3")
    rows = (collection / "similar_pairs.csv").read_text().splitlines()
    assert rows[0] == "token_a,token_b,shared_count,shared_traits"
    assert len(rows) == len(expected.pairs) + 1
    document = json.loads(report.read_text())
    assert document["pair_count"] == len(expected.pairs)
    assert [p["tokens"] for p in document["pairs"]] == [[p.first, p.second] for p in expected.pairs]


def test_similarity_cli_reads_a_combined_file(collection: Path) -> None:
    combined = collection / "metadata" / "combined_metadata.json"
    report = collection / "from_file.csv"

    result = invoke("similarity", "-k", "3", "--file", str(combined), "--output", str(report))

    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 pairs of tokens share at least 3 of 3 trait values")


def test_similarity_cli_refuses_a_threshold_above_the_trait_types(collection: Path) -> None:
    result = invoke("similarity", "-k", "4", "-d", str(collection))

    assert result.exit_code == 1
    assert stderr_of(result) == (
        "Error: --threshold 4: must be between 1 and the 3 trait types of this collection\n"
    )


def test_similarity_cli_refuses_an_unknown_report_format(collection: Path) -> None:
    result = invoke("similarity", "-k", "2", "-d", str(collection), "--output", "r.txt")

    assert result.exit_code == 2
    assert "must end in .csv or .json" in stderr_of(result)


# --- ipfs_cid_updater -----------------------------------------------------------------------


@pytest.mark.parametrize("cid", [CIDV0, CIDV1])
def test_valid_cids_are_accepted(cid: str) -> None:
    assert check_cid(cid) == cid


def test_cid_update_round_trip(collection: Path) -> None:
    metadata = collection / "metadata"
    document = read_metadata(collection, 2)
    document["animation_url"] = "ipfs://your-ipfs-cid-here/2.mp4"
    (metadata / "2.json").write_bytes(json_bytes(document))

    first = invoke("update-cid", "--cid", CIDV1, "--metadata-dir", str(metadata))
    after_v1 = snapshot(collection)
    invoke("update-cid", "--cid", CIDV0, "--metadata-dir", str(metadata))
    back = invoke("update-cid", "--cid", CIDV1, "--metadata-dir", str(metadata))

    assert first.exit_code == 0, first.output
    assert back.exit_code == 0, back.output
    assert snapshot(collection) == after_v1
    documents = [read_metadata(collection, i) for i in range(1, COUNT + 1)]
    assert [d["image"] for d in documents] == [
        f"ipfs://{CIDV1}/{i}.png" for i in range(1, COUNT + 1)
    ]
    assert documents[1]["animation_url"] == f"ipfs://{CIDV1}/2.mp4"
    assert "animation_url" not in documents[0]
    assert (metadata / "combined_metadata.json").read_bytes() == json_bytes(documents)


@pytest.mark.parametrize(
    "cid",
    [
        "your-ipfs-cid-here",
        "Qm123",
        CIDV0[:-1] + "0",  # 0 is not a base58 character
        CIDV1.upper(),
        CIDV1[:30],
        "c" + CIDV1[1:],  # not the base32 multibase prefix
        f"ipfs://{CIDV1}",
    ],
)
def test_malformed_cids_are_refused_and_change_nothing(collection: Path, cid: str) -> None:
    before = snapshot(collection)

    result = invoke("update-cid", "--cid", cid, "--metadata-dir", str(collection / "metadata"))

    assert result.exit_code == 1
    lines = stderr_of(result).splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: --cid {cid!r}: ")
    assert snapshot(collection) == before


def test_cid_update_with_a_bad_token_file_changes_nothing(collection: Path) -> None:
    (collection / "metadata" / "9.json").write_text('{"name": "x"}')
    before = snapshot(collection)

    result = invoke("update-cid", "--cid", CIDV0, "--metadata-dir", str(collection / "metadata"))

    assert result.exit_code == 1
    assert "9.json: missing field(s) image, attributes" in stderr_of(result)
    assert snapshot(collection) == before


# --- provenance -----------------------------------------------------------------------------


def expected_provenance(collection: Path, start: int) -> tuple[list[str], str]:
    """Each token's image digest after the reveal, and BAYC's hash (in original order)."""
    digests = [
        hashlib.sha256((collection / "image" / f"{i}.png").read_bytes()).hexdigest()
        for i in range(1, COUNT + 1)
    ]
    shown = digests[start:] + digests[:start]  # token at position p: image (p + start) % N
    return shown, hashlib.sha256("".join(digests).encode()).hexdigest()


@pytest.mark.parametrize("start", [0, 4])
def test_provenance_matches_an_independent_computation(collection: Path, start: int) -> None:
    path = write_provenance(collection, starting_index=start)

    digests, combined = expected_provenance(collection, start)
    document = json.loads(path.read_text())
    assert path == collection / "provenance.json"
    assert [entry["sha256"] for entry in document["images"]] == digests
    assert [entry["token_id"] for entry in document["images"]] == list(range(1, COUNT + 1))
    assert document["provenance_hash"] == combined
    assert document["starting_index"] == start
    assert path.read_bytes() == json_bytes(document)


def test_provenance_cli_prints_the_hash_and_refuses_gaps(collection: Path) -> None:
    result = invoke("provenance", "-d", str(collection), "--starting-index", "2")
    (collection / "metadata" / "7.json").unlink()
    gap = invoke("provenance", "-d", str(collection))

    assert result.exit_code == 0, result.output
    assert f"Provenance hash: {expected_provenance(collection, 2)[1]}" in result.output
    assert gap.exit_code == 1
    assert "token 7 is missing" in stderr_of(gap)


def test_provenance_refuses_a_starting_index_past_the_end(collection: Path) -> None:
    result = invoke("provenance", "-d", str(collection), "--starting-index", str(COUNT))

    assert result.exit_code == 1
    assert f"must be between 0 and {COUNT - 1}" in stderr_of(result)
