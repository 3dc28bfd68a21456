"""The studio stays inside its workspace (issue 16): refused paths, the traits folder finder,
and zip uploads checked whole before anything is unpacked."""

import os
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.errors import ConfigError
from modules.serve import uploads as uploads_module
from modules.serve.uploads import UploadLimits, UploadTooLarge, extract_zip, save_upload
from modules.serve.workspace import Workspace

PNG = b"\x89PNG\r\n\x1a\n fake but bytes are bytes"
NOT_INSIDE = "it must be a folder inside the workspace"


def make_traits(folder: Path, layers: dict[str, list[str]]) -> Path:
    for layer, names in layers.items():
        (folder / layer).mkdir(parents=True, exist_ok=True)
        for name in names:
            (folder / layer / name).write_bytes(PNG)
    return folder


def write_zip(path: Path, entries: dict[str | zipfile.ZipInfo, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def refusal(archive: Path, dest: Path, limits: UploadLimits | None = None) -> list[str]:
    """The problem lines of the refused upload; nothing may be left beside dest."""
    with pytest.raises(ConfigError) as caught:
        extract_zip(archive, dest, limits or UploadLimits())
    assert list(dest.parent.iterdir()) == []
    return list(caught.value.problems)


@pytest.fixture
def space(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    return Workspace(root)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    (tmp_path / "uploads").mkdir()
    return tmp_path / "uploads" / "u1"


# -- inside() and trait folders ---------------------------------------------------------------


def test_the_root_is_stored_resolved(tmp_path: Path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    ws = Workspace(tmp_path / "link" / ".")
    assert ws.root == (tmp_path / "real").resolve()
    assert ws.state_dir == ws.root / ".genecator-studio"


def test_ensure_makes_the_state_folders(space: Workspace):
    space.ensure()
    space.ensure()  # a second start finds them
    assert sorted(p.name for p in space.state_dir.iterdir()) == ["collections", "uploads"]


def test_inside_resolves_a_relative_path_that_need_not_exist(space: Workspace):
    assert space.inside("traits/Eyes") == space.root / "traits" / "Eyes"
    assert space.inside("a/./b") == space.root / "a" / "b"
    assert space.relative(space.inside("traits/Eyes")) == "traits/Eyes"
    assert space.relative(space.inside(".")) == "."


@pytest.mark.parametrize(
    ("given_path", "line"),
    [
        ("", f"'': empty path; {NOT_INSIDE}"),
        ("/etc", f"/etc: is an absolute path; {NOT_INSIDE}"),
        ("C:/Users", f"C:/Users: is an absolute path; {NOT_INSIDE}"),
        ("\\\\server\\share", f"\\\\server\\share: is an absolute path; {NOT_INSIDE}"),
        ("../outside", f"../outside: has a '..' component; {NOT_INSIDE}"),
        ("traits/../../x", f"traits/../../x: has a '..' component; {NOT_INSIDE}"),
        ("traits\\..\\x", f"traits\\..\\x: has a '..' component; {NOT_INSIDE}"),
        ("tra\x00its", f"'tra\\x00its': contains a NUL byte; {NOT_INSIDE}"),
        (
            ".genecator-studio",
            f".genecator-studio: is inside the studio's own state folder; {NOT_INSIDE}",
        ),
        (
            ".genecator-studio/uploads/u1",
            f".genecator-studio/uploads/u1: is inside the studio's own state folder; {NOT_INSIDE}",
        ),
    ],
)
def test_inside_refuses(space: Workspace, given_path: str, line: str):
    with pytest.raises(ConfigError) as caught:
        space.inside(given_path)
    assert caught.value.problems == (line,)


def test_inside_refuses_a_link_that_leads_out(space: Workspace, tmp_path: Path):
    outside = make_traits(tmp_path / "elsewhere", {"Eyes": ["a.png"]})
    os.symlink(outside, space.root / "escape")
    expected = f"escape/Eyes: resolves outside the workspace through a symbolic link; {NOT_INSIDE}"
    with pytest.raises(ConfigError) as caught:
        space.inside("escape/Eyes")
    assert caught.value.problems == (expected,)


def test_inside_follows_a_link_that_stays_in(space: Workspace):
    make_traits(space.root / "traits", {"Eyes": ["a.png"]})
    os.symlink(space.root / "traits", space.root / "alias")
    assert space.inside("alias/Eyes") == space.root / "traits" / "Eyes"


@given(
    before=st.lists(st.from_regex(r"[A-Za-z0-9_.-]{1,6}", fullmatch=True), max_size=3),
    after=st.lists(st.from_regex(r"[A-Za-z0-9_.-]{1,6}", fullmatch=True), max_size=3),
    separator=st.sampled_from(["/", "\\"]),
)
def test_any_dot_dot_component_is_refused(before: list[str], after: list[str], separator: str):
    ws = Workspace(Path(tempfile.gettempdir()))
    typed = separator.join([*before, "..", *after])
    with pytest.raises(ConfigError, match="has a '..' component"):
        ws.inside(typed)


def test_trait_folder_needs_a_layer_of_images(space: Workspace):
    make_traits(space.root / "traits", {"Eyes": ["a.png", "b.GIF"]})
    (space.root / "docs").mkdir()
    (space.root / "docs" / "notes.txt").write_text("x")
    assert space.trait_folder("traits") == space.root / "traits"
    for typed in ("docs", "missing", "traits/Eyes/a.png"):
        with pytest.raises(ConfigError) as caught:
            space.trait_folder(typed)
        assert caught.value.problems == (
            f"{typed}: not a traits folder: it needs one sub-folder of PNG or GIF images per layer",
        )


def test_trait_folder_does_not_count_images_linked_from_outside(space: Workspace, tmp_path: Path):
    outside = make_traits(tmp_path / "elsewhere", {"Eyes": ["a.png"]})
    (space.root / "traits").mkdir()
    os.symlink(outside / "Eyes", space.root / "traits" / "Eyes")
    with pytest.raises(ConfigError, match="not a traits folder"):
        space.trait_folder("traits")


def test_trait_folders_lists_what_looks_like_traits(space: Workspace, tmp_path: Path):
    make_traits(space.root / "traits", {"Background": ["a.png", "b.png"], "Eyes": ["c.gif"]})
    (space.root / "traits" / "Readme").mkdir()  # a sub-folder without images is no layer
    (space.root / "traits" / "Eyes" / "notes.txt").write_text("not an image")
    make_traits(space.root / "projects" / "cats" / "traits", {"Fur": ["x.png"]})  # too deep
    make_traits(space.root / "projects" / "dogs", {"Fur": ["y.png"]})
    space.ensure()
    make_traits(space.state_dir / "uploads" / "u1", {"Eyes": ["a.png"]})
    os.symlink(space.state_dir / "uploads" / "u1" / "Eyes", space.root / "traits" / "Stolen")
    make_traits(space.root / ".hidden", {"Eyes": ["a.png"]})
    make_traits(space.root / "node_modules" / "pkg", {"img": ["a.png"]})
    elsewhere = make_traits(tmp_path / "elsewhere", {"Eyes": ["a.png"]})
    os.symlink(elsewhere, space.root / "linked")
    os.symlink(elsewhere / "Eyes" / "a.png", space.root / "traits" / "Eyes" / "linked.png")
    os.symlink(space.root / "traits", space.root / "alias")  # listed once, under its real name
    assert space.trait_folders() == [
        {"path": "projects/dogs", "layers": 1, "images": 1},
        {"path": "traits", "layers": 2, "images": 3},
    ]
    assert [f["path"] for f in space.trait_folders(max_depth=3)] == [
        "projects/cats/traits",
        "projects/dogs",
        "traits",
    ]


def test_the_root_itself_can_be_the_traits_folder(tmp_path: Path):
    ws = Workspace(make_traits(tmp_path / "traits", {"Eyes": ["a.png"]}))
    assert ws.trait_folders() == [{"path": ".", "layers": 1, "images": 1}]


# -- save_upload ------------------------------------------------------------------------------


def test_save_upload_writes_the_chunks(tmp_path: Path):
    path = tmp_path / "upload.zip"
    assert save_upload([b"abc", b"", b"defg"], path, UploadLimits(max_bytes=7)) == 7
    assert path.read_bytes() == b"abcdefg"


def test_save_upload_past_the_limit_removes_the_partial_file(tmp_path: Path):
    path = tmp_path / "upload.zip"
    with pytest.raises(UploadTooLarge) as caught:
        save_upload(iter([b"abcd", b"efgh"]), path, UploadLimits(max_bytes=7))
    assert caught.value.problems == (
        "upload: larger than the limit of 7 bytes; upload a smaller archive",
    )
    assert list(tmp_path.iterdir()) == []


def test_save_upload_removes_the_partial_file_when_the_stream_breaks(tmp_path: Path):
    def broken():
        yield b"abc"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        save_upload(broken(), tmp_path / "upload.zip", UploadLimits())
    assert list(tmp_path.iterdir()) == []


# -- extract_zip: good archives ---------------------------------------------------------------


def test_a_zipped_folder_round_trips_and_its_folder_is_returned(tmp_path: Path, dest: Path):
    layers = {
        "cats/Eyes/a.png": b"eyes-a",
        "cats/Eyes/b.png": b"eyes-b" * 1000,
        "cats/Fur/c.gif": b"c",
    }
    archive = write_zip(
        tmp_path / "in.zip",
        {"cats/": b"", **layers, "__MACOSX/cats/._a.png": b"fork", "cats/.DS_Store": b"finder"},
    )
    traits = extract_zip(archive, dest, UploadLimits())
    assert traits == dest / "cats"
    found = {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert found == layers
    assert [p.name for p in dest.parent.iterdir()] == ["u1"]  # no temp folder is left
    assert Workspace(dest).trait_folders() == [{"path": "cats", "layers": 2, "images": 3}]


def test_a_zip_of_the_layers_themselves_returns_dest(tmp_path: Path, dest: Path):
    archive = write_zip(tmp_path / "in.zip", {"Eyes/a.png": b"a", "Fur/b.png": b"b"})
    assert extract_zip(archive, dest, UploadLimits()) == dest


@pytest.mark.parametrize(
    "names", [["cats/Eyes/a.png", "README.txt"], ["only.png"], ["cats", "cats2/Eyes/a.png"]]
)
def test_a_file_at_the_top_keeps_dest(tmp_path: Path, dest: Path, names: list[str]):
    archive = write_zip(tmp_path / "in.zip", dict.fromkeys(names, b"x"))
    assert extract_zip(archive, dest, UploadLimits()) == dest


def test_an_existing_dest_is_never_overwritten(tmp_path: Path, dest: Path):
    dest.mkdir()
    archive = write_zip(tmp_path / "in.zip", {"Eyes/a.png": b"a"})
    with pytest.raises(FileExistsError):
        extract_zip(archive, dest, UploadLimits())
    assert list(dest.iterdir()) == []


# -- extract_zip: refusals --------------------------------------------------------------------


def test_not_a_zip(tmp_path: Path, dest: Path):
    archive = tmp_path / "in.zip"
    archive.write_bytes(b"PK but not really a zip file at all")
    assert refusal(archive, dest) == ["upload: not a zip archive"]


def test_an_archive_with_only_skipped_entries_holds_no_files(tmp_path: Path, dest: Path):
    archive = write_zip(
        tmp_path / "in.zip", {"traits/": b"", "__MACOSX/._x": b"", ".DS_Store": b""}
    )
    assert refusal(archive, dest) == [
        "upload: the archive holds no files; zip the traits folder and upload again"
    ]


def test_too_many_entries(tmp_path: Path, dest: Path):
    archive = write_zip(tmp_path / "in.zip", {f"Eyes/{i}.png": b"x" for i in range(4)})
    with pytest.raises(UploadTooLarge) as caught:
        extract_zip(archive, dest, UploadLimits(max_files=3))
    assert caught.value.problems == (
        "upload: the archive holds 4 entries, more than the limit of 3; upload fewer files",
    )
    assert list(dest.parent.iterdir()) == []


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path, dest: Path):
    archive = write_zip(tmp_path / "in.zip", {"Eyes/a.png": b"\0" * 3 * 2**20})
    assert archive.stat().st_size < 2**20 // 10
    with pytest.raises(UploadTooLarge) as caught:
        extract_zip(archive, dest, UploadLimits(max_unpacked_bytes=2 * 2**20))
    assert caught.value.problems == (
        "upload: the archive would unpack to 3 MiB, more than the limit of 2 MiB; "
        "upload a smaller archive",
    )
    assert list(dest.parent.iterdir()) == []


def test_the_size_limit_also_holds_while_unpacking(tmp_path: Path, dest: Path, monkeypatch):
    # zipfile itself stops a member at its declared size; this checks the second line of defence
    archive = write_zip(tmp_path / "in.zip", {"Eyes/a.png": b"a" * 600, "Eyes/b.png": b"b" * 600})
    monkeypatch.setattr(uploads_module, "_declared_size", lambda infos: 0)
    with pytest.raises(UploadTooLarge, match="more than its headers say, past the size limit"):
        extract_zip(archive, dest, UploadLimits(max_unpacked_bytes=1000))
    assert list(dest.parent.iterdir()) == []


def test_a_header_that_understates_the_size_is_damage(tmp_path: Path, dest: Path):
    archive = write_zip(tmp_path / "in.zip", {"Eyes/a.png": b"a" * 600, "Eyes/b.png": b"b" * 600})
    data = bytearray(archive.read_bytes())
    # the uncompressed size of Eyes/b.png in the local header and the central directory
    for marker, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.rfind(marker)
        data[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    lines = refusal(archive, dest)
    assert lines == [
        "upload: entry 'Eyes/b.png' is damaged (Bad CRC-32 for file 'Eyes/b.png'); "
        "re-zip it and upload again"
    ]


def named(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info


@pytest.mark.parametrize(
    ("entry", "line"),
    [
        (
            "../evil.png",
            "upload: entry '../evil.png' points outside the archive folder (zip-slip); "
            "remove it and upload again",
        ),
        (
            "traits/../../evil.png",
            "upload: entry 'traits/../../evil.png' points outside the archive folder (zip-slip); "
            "remove it and upload again",
        ),
        (
            "/etc/evil.png",
            "upload: entry '/etc/evil.png' is an absolute path; re-create the archive from "
            "inside the traits folder and upload again",
        ),
        (
            "C:/evil.png",
            "upload: entry 'C:/evil.png' is an absolute path; re-create the archive from "
            "inside the traits folder and upload again",
        ),
        (
            "..\\evil.png",
            "upload: entry '..\\\\evil.png' contains a backslash; re-zip it with a tool that "
            "writes '/' between folders and upload again",
        ),
        (
            named("traits/link.png", stat.S_IFLNK | 0o777),
            "upload: entry 'traits/link.png' is a symbolic link; replace it with the file "
            "itself and upload again",
        ),
    ],
)
def test_a_bad_entry_is_refused_before_anything_is_written(tmp_path: Path, dest: Path, entry, line):
    archive = write_zip(tmp_path / "in.zip", {"traits/Eyes/a.png": b"a", entry: b"/etc/passwd"})
    assert refusal(archive, dest) == [line]


def test_a_nul_in_a_name_is_refused(tmp_path: Path, dest: Path):
    info = zipfile.ZipInfo("x")
    info.filename = "evil.png\x00.txt"  # ZipInfo() would cut the name at the NUL
    archive = write_zip(tmp_path / "in.zip", {"Eyes/a.png": b"a", info: b"x"})
    assert refusal(archive, dest) == [
        "upload: entry 'evil.png\\x00.txt' contains a NUL byte; rename it and upload again"
    ]


def test_encrypted_and_unusual_compression_are_refused(tmp_path: Path, dest: Path):
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("Eyes/locked.png", b"x")
        out.writestr("Eyes/b.png", b"y", compress_type=zipfile.ZIP_BZIP2)
    data = bytearray(archive.read_bytes())
    # zipfile writes no encryption, so set the flag bit of the first entry in both headers
    for marker, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.find(marker) + offset] |= 0x1
    archive.write_bytes(bytes(data))
    assert refusal(archive, dest) == [
        "upload: entry 'Eyes/locked.png' is encrypted; use an archive without a password and "
        "upload again",
        "upload: entry 'Eyes/b.png' uses compression method 12; re-zip it with deflate and "
        "upload again",
    ]


def test_names_that_clash_after_normalising_are_refused(tmp_path: Path, dest: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the exact duplicate
        archive = write_zip(
            tmp_path / "in.zip",
            {"Eyes/a.png": b"a", "Eyes//./a.png": b"b", "Fur": b"file", "Fur/b.png": b"c"},
        )
    assert refusal(archive, dest) == [
        "upload: entry 'Eyes//./a.png' is the same path as 'Eyes/a.png'; "
        "remove one and upload again",
        "upload: entry 'Fur/b.png' is inside 'Fur', which the archive also holds as a file; "
        "remove one and upload again",
    ]


def test_many_problems_are_listed_up_to_a_limit(tmp_path: Path, dest: Path):
    archive = write_zip(tmp_path / "in.zip", {f"../{i}.png": b"x" for i in range(25)})
    lines = refusal(archive, dest)
    assert len(lines) == 21
    assert lines[0].startswith("upload: entry '../0.png' points outside")
    assert lines[-1] == "upload: 5 more problems"


@given(
    before=st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True), max_size=3),
    after=st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True), min_size=1, max_size=3),
)
def test_any_entry_with_a_dot_dot_component_is_refused(before: list[str], after: list[str]):
    name = "/".join([*before, "..", *after])
    with tempfile.TemporaryDirectory() as folder:
        archive = write_zip(Path(folder) / "in.zip", {"Eyes/a.png": b"a", name: b"x"})
        (Path(folder) / "out").mkdir()
        assert refusal(archive, Path(folder) / "out" / "u1") == [
            f"upload: entry {name!r} points outside the archive folder (zip-slip); "
            "remove it and upload again"
        ]
