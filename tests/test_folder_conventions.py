"""Reading trait file and folder names the way HashLips, nftchef, Art Engine 2 and Genecator
write them: name, weight, z position, numbered layer folders, display names."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.constants import RARITY_DIGITS, RARITY_WORDS
from modules.load.folder_conventions import (
    WEIGHT_SOURCES,
    EntryName,
    EntryNameError,
    parse_entry_name,
    parse_layer_folder,
    readable_name,
)


def read(name: str, is_file: bool = True, **options) -> tuple:
    entry = parse_entry_name(name, is_file=is_file, **options)
    return entry.display, entry.weight, entry.z, entry.weight_source


@pytest.mark.parametrize(
    ("name", "is_file", "expected"),
    [
        # HashLips / nftchef: the number after the delimiter is the weight
        ("Name#70.png", True, ("Name", 70.0, None, "delimiter")),
        ("Name#0.5.png", True, ("Name", 0.5, None, "delimiter")),
        ("Name #70.png", True, ("Name", 70.0, None, "delimiter")),
        ("Dark Long#20.PNG", True, ("Dark Long", 20.0, None, "delimiter")),
        ("Glow#1e2.webp", True, ("Glow", 100.0, None, "delimiter")),
        ("Plain.png", True, ("Plain", None, None, "none")),
        ("Name#0.5", True, ("Name", 0.5, None, "delimiter")),  # '.5' is no extension
        ("A#B#5.png", True, ("A#B", 5.0, None, "delimiter")),  # the last delimiter counts
        # folders (nftchef weighted sub-folders); a folder keeps its dots
        ("Folder#50", False, ("Folder", 50.0, None, "delimiter")),
        ("Common#70", False, ("Common", 70.0, None, "delimiter")),
        ("Mr. Smith", False, ("Mr. Smith", None, None, "none")),
        ("Special Hair", False, ("Special Hair", None, None, "none")),
        # nftchef z prefixes
        ("z-1,under layer", False, ("under layer", None, -1, "none")),
        ("z3,OptionAlways On Top#50.png", True, ("OptionAlways On Top", 50.0, 3, "delimiter")),
        ("z-10,Back#5.png", True, ("Back", 5.0, -10, "delimiter")),
        ("z0,hat-back.png", True, ("hat-back", None, 0, "none")),
        ("zebra,stripes.png", True, ("zebra,stripes", None, None, "none")),
        # Art Engine 2 parameters
        ("Name__w10.png", True, ("Name", 10.0, None, "ae2")),
        ("Option2__z20__w5.png", True, ("Option2", 5.0, 20, "ae2")),
        ("Layer1__z10", False, ("Layer1", None, 10, "none")),
        ("Laser__Eyes.png", True, ("Laser__Eyes", None, None, "none")),
        ("Big__wave.png", True, ("Big__wave", None, None, "none")),
        ("Hat__tall.png", True, ("Hat__tall", None, None, "none")),
        # Genecator suffixes, on files only
        ("Laser_Eyes_Rare.png", True, ("Laser_Eyes", 1.0, None, "suffix")),
        ("Blue_Uncommon.png", True, ("Blue", 3.0, None, "suffix")),
        ("Grey_common.png", True, ("Grey", 5.0, None, "suffix")),
        ("Red_2.png", True, ("Red", 2.0, None, "suffix")),
        ("Red_6.png", True, ("Red_6", None, None, "none")),
        ("Abnormal.png", True, ("Abnormal", None, None, "none")),
        ("_Rare.png", True, ("_Rare", None, None, "none")),
        ("z2,Laser_Legendary.png", True, ("Laser", 1.0, 2, "suffix")),
        ("Crown_Rare__z3.png", True, ("Crown", 1.0, 3, "suffix")),
        ("Hair_2", False, ("Hair_2", None, None, "none")),
        ("Tier_Rare", False, ("Tier_Rare", None, None, "none")),
        # an explicit number wins over a Genecator word, which stays in the name
        ("Laser_Rare#20.png", True, ("Laser_Rare", 20.0, None, "delimiter")),
        ("Laser_Rare__w20.png", True, ("Laser_Rare", 20.0, None, "ae2")),
    ],
)
def test_entry_names(name, is_file, expected):
    assert read(name, is_file) == expected


def test_every_genecator_suffix_in_constants_is_read_in_any_case():
    for word, rarity in RARITY_WORDS.items():
        for spelling in (word, word.upper(), word.capitalize()):
            assert read(f"Cap_{spelling}.png") == ("Cap", float(rarity), None, "suffix")
    for digit, rarity in RARITY_DIGITS.items():
        assert read(f"Cap_{digit}.png") == ("Cap", float(rarity), None, "suffix")


def test_the_whole_entry_is_returned():
    assert parse_entry_name("z2,NONE#3.png", is_file=True) == EntryName(
        display="NONE", weight=3.0, z=2, is_none=True, weight_source="delimiter"
    )


def test_art_engine_2_offsets_and_edge_cases_are_kept():
    entry = parse_entry_name("Opt__x3__y-4__w5.png", is_file=True)
    assert (entry.display, entry.weight, entry.offset, entry.edge_case) == ("Opt", 5, (3, -4), None)
    assert parse_entry_name("Opt__y7.png", is_file=True).offset == (0, 7)
    edge = parse_entry_name("Option2__tTrait1__vValue1.png", is_file=True)
    assert (edge.display, edge.edge_case, edge.weight) == ("Option2", ("Trait1", "Value1"), None)


@pytest.mark.parametrize(
    ("name", "delimiter", "expected"),
    [
        ("Cat%20.png", "%", ("Cat", 20.0)),
        ("Cat#20.png", "%", ("Cat#20", None)),
        ("Cat$$2.5.png", "$$", ("Cat", 2.5)),
        ("Cat*3.png", "*", ("Cat", 3.0)),  # literal, not a regular expression
        ("Cat.3.png", ".", ("Cat", 3.0)),
        ("Snow_w7.png", "_w", ("Snow", 7.0)),
        ("Laser_Eyes_20.png", "_", ("Laser_Eyes", 20.0)),
        # a delimiter made of name characters counts only before a number
        ("Snow_white.png", "_w", ("Snow_white", None)),
        ("Laser_Eyes.png", "_", ("Laser_Eyes", None)),
        ("Mr. Smith.png", ".", ("Mr. Smith", None)),
        ("Laser_Rare.png", "_", ("Laser", 1.0)),
    ],
)
def test_custom_delimiters(name, delimiter, expected):
    entry = parse_entry_name(name, is_file=True, delimiter=delimiter)
    assert (entry.display, entry.weight) == expected


def test_an_empty_delimiter_is_a_programming_error():
    with pytest.raises(ValueError, match="must not be empty"):
        parse_entry_name("Cat.png", is_file=True, delimiter="")


@pytest.mark.parametrize(
    ("name", "none_names", "expected"),
    [
        ("NONE#20.png", frozenset({"none"}), True),
        ("None.png", frozenset({"none"}), True),
        ("none_Rare.png", frozenset({"none"}), True),
        ("Nonesuch.png", frozenset({"none"}), False),
        ("NONE#20.png", frozenset(), False),
        ("empty#5.png", frozenset({"EMPTY", "blank"}), True),
    ],
)
def test_none_names(name, none_names, expected):
    assert parse_entry_name(name, is_file=True, none_names=none_names).is_none is expected


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        (
            "Cat#abc.png",
            "not-a-number",
            '"Cat#abc.png": "abc" after "#" is not a number; '
            'write a positive weight such as "Cat#10.png", or take "#" out',
        ),
        (
            "Cat#.png",
            "empty",
            '"Cat#.png": nothing follows "#"; '
            'write a positive weight such as "Cat#10.png", or take "#" out',
        ),
        (
            "Cat#0.png",
            "zero",
            '"Cat#0.png": weight 0 means it is never drawn; '
            'write a positive weight such as "Cat#1.png", or remove it',
        ),
        (
            "Cat#-2.png",
            "negative",
            '"Cat#-2.png": weight -2 is negative; write a positive weight such as "Cat#2.png"',
        ),
        (
            "Cat#1e999.png",
            "not-finite",
            '"Cat#1e999.png": weight 1e999 is not a finite number; '
            'write a positive weight such as "Cat#10.png"',
        ),
        (
            "Cat#nan.png",
            "not-a-number",
            '"Cat#nan.png": "nan" after "#" is not a number; '
            'write a positive weight such as "Cat#10.png", or take "#" out',
        ),
        (
            "Cat#1_000.png",
            "not-a-number",
            '"Cat#1_000.png": "1_000" after "#" is not a number; '
            'write a positive weight such as "Cat#10.png", or take "#" out',
        ),
        (
            "Cat__w0.png",
            "zero",
            '"Cat__w0.png": weight 0 means it is never drawn; '
            'write a positive weight such as "Cat__w1.png", or remove it',
        ),
        (
            "Cat__w-3.png",
            "negative",
            '"Cat__w-3.png": weight -3 is negative; write a positive weight such as "Cat__w3.png"',
        ),
        (
            "Cat__z1.5.png",
            "offset",
            '"Cat__z1.5.png": "__z1.5" needs a whole number; write e.g. "__z1"',
        ),
        (
            "z,Hat.png",
            "z",
            '"z,Hat.png": the z-prefix has no number; write e.g. "z1,Hat.png" or "z-1,Hat.png"',
        ),
        (
            "z-,Hat",
            "z",
            '"z-,Hat": the z-prefix has no number; write e.g. "z1,Hat" or "z-1,Hat"',
        ),
        (
            "#50.png",
            "empty-name",
            '"#50.png": no name is left; name the trait, e.g. "Blue#50.png"',
        ),
        (
            "A#5__w3.png",
            "conflict",
            '"A#5__w3.png": two weights ("#5" and "__w3"); keep one of them',
        ),
        (
            "z1,A__z2.png",
            "conflict",
            '"z1,A__z2.png": two z positions ("z1," and "__z2"); keep one of them',
        ),
    ],
)
def test_unusable_names_say_what_to_write(name, kind, message):
    with pytest.raises(EntryNameError) as caught:
        parse_entry_name(name, is_file=True)
    assert (caught.value.kind, caught.value.entry, str(caught.value)) == (kind, name, message)
    assert isinstance(caught.value, ValueError)


def test_folder_weights_are_checked_like_file_weights():
    with pytest.raises(EntryNameError, match='^"Common#0": weight 0 means it is never drawn'):
        parse_entry_name("Common#0", is_file=False)
    message = '"Rare%x.png": "x" after "%" is not a number; write a positive weight such as'
    with pytest.raises(EntryNameError, match=f"^{message}"):
        parse_entry_name("Rare%x.png", is_file=True, delimiter="%")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("1-Background", (1, "Background")),
        ("01_Body", (1, "Body")),
        ("10 Hat", (10, "Hat")),
        ("2.Eyes", (2, "Eyes")),
        ("01 - Body ", (1, "Body")),
        ("007_Bond", (7, "Bond")),
        ("3-D Glasses", (3, "D Glasses")),
        ("01_1990s", (1, "1990s")),
        ("Background", (None, "Background")),
        ("3D Glasses", (None, "3D Glasses")),
        ("2024", (None, "2024")),
        ("2024-2025", (None, "2024-2025")),
        ("1-2", (None, "1-2")),
        ("1-", (None, "1-")),
        ("1 -", (None, "1 -")),
        ("12", (None, "12")),
        ("", (None, "")),
        ("١-Body", (None, "١-Body")),  # ASCII digits only
    ],
)
def test_layer_folder_numbers(name, expected):
    assert parse_layer_folder(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Laser_Eyes", "Laser Eyes"),
        ("laser-eyes", "laser-eyes"),
        ("T-Shirt", "T-Shirt"),
        ("Laser__Eyes", "Laser Eyes"),
        ("  Gold   Chain ", "Gold Chain"),
        ("_Rare_", "Rare"),
        ("already fine", "already fine"),
        ("___", "___"),
        ("", ""),
    ],
)
def test_readable_names(name, expected):
    assert readable_name(name) == expected


def test_every_weight_source_is_named():
    assert set(WEIGHT_SOURCES) == {"delimiter", "ae2", "suffix", "none"}


# Names a creator might type: no separators the conventions use, not ending in a rarity word.
NAMES = st.text(alphabet=st.sampled_from("abcXYZ09 -'()"), min_size=1, max_size=20).filter(
    lambda text: text.strip() == text and any(char.isalpha() for char in text)
)
WEIGHTS = st.one_of(
    st.integers(min_value=1, max_value=10**6).map(float),
    st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False),
)
Z_VALUES = st.one_of(st.none(), st.integers(min_value=-100, max_value=100))


@given(display=NAMES, weight=WEIGHTS, z=Z_VALUES, extension=st.sampled_from([".png", ".gif"]))
def test_a_formatted_nftchef_name_reads_back(display, weight, z, extension):
    prefix = "" if z is None else f"z{z},"
    entry = parse_entry_name(f"{prefix}{display}#{weight!r}{extension}", is_file=True)
    assert (entry.display, entry.weight, entry.z) == (display, weight, z)
    assert entry.weight_source == "delimiter"


@given(display=NAMES, weight=WEIGHTS, z=Z_VALUES)
def test_a_formatted_art_engine_2_name_reads_back(display, weight, z):
    z_part = "" if z is None else f"__z{z}"
    entry = parse_entry_name(f"{display}{z_part}__w{weight!r}.png", is_file=True)
    assert (entry.display, entry.weight, entry.z, entry.weight_source) == (
        display,
        weight,
        z,
        "ae2",
    )


@given(number=st.integers(min_value=0, max_value=999), separator=st.sampled_from("-_. "))
def test_a_numbered_folder_reads_back(number, separator):
    assert parse_layer_folder(f"{number:02d}{separator}Eyes Left") == (number, "Eyes Left")


def read_or_error(name: str, is_file: bool) -> EntryName | EntryNameError:
    try:
        return parse_entry_name(name, is_file=is_file)
    except EntryNameError as error:
        return error


@given(name=st.text(max_size=30), is_file=st.booleans())
def test_any_name_reads_or_fails_with_a_named_problem(name, is_file):
    result = read_or_error(name, is_file)
    if isinstance(result, EntryNameError):
        assert str(result).startswith(f'"{name}": ')
    else:
        assert result.display == result.display.strip() != ""
        assert result.weight is None or result.weight > 0
        assert result.weight_source in WEIGHT_SOURCES
