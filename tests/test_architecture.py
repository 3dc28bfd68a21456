"""The shape of the code (DESIGN.md §1, §7): stage packages that import only the stages below
them, a pure plan stage, PIL only where images are read or made, a docstring per package."""

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

MODULES = Path(__file__).resolve().parent.parent / "modules"
# Bottom first: a module may import the leaves, its own stage and the stages before it.
STAGES = (
    "load",
    "plan",
    "render",
    "publish",
    "analysis",
    "dependency_container",
    "run",
    "serve",
    "cli",
)
# Cross-cutting leaves at the top of modules/: they import only each other.
LEAVES = (
    "errors",
    "constants",
    "atomic_io",
    "canonical_json",
    "digests",
    "settings",
    "resource_manager",
)
PIL_READER = "load.trait_images"  # the one load/plan module that opens images
IO_MODULES = {"PIL", "os", "io", "shutil", "pathlib", "tempfile", "glob"}
IO_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "unlink"}


def module_names() -> list[str]:
    """Every module under modules/ as a dotted name relative to it ('plan.planner')."""
    return sorted(
        ".".join(path.relative_to(MODULES).with_suffix("").parts)
        for path in MODULES.rglob("*.py")
        if path.name != "__init__.py"
    )


def imports(tree: ast.AST) -> Iterator[str]:
    """Every module a tree imports (function-level imports too), as absolute names."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] != "modules":
                yield node.module
            else:  # `from modules.load import spec` imports modules.load.spec
                yield from (f"{node.module}.{alias.name}" for alias in node.names)


def rank(name: str) -> int:
    """-1 for a leaf, else the position of the module's stage in STAGES."""
    top = name.split(".")[0]
    return -1 if top in LEAVES else STAGES.index(top)


def upward_imports(name: str, source: str) -> list[str]:
    """The modules.* imports of module `name` that break the stage order."""
    own = rank(name)
    found = []
    for target in imports(ast.parse(source)):
        if not target.startswith("modules.") or target == "modules":
            continue
        other = target.removeprefix("modules.")
        allowed = rank(other) < 0 if own < 0 else rank(other) <= own
        if not allowed:
            found.append(target)
    return found


def source(name: str) -> str:
    return (MODULES / Path(*name.split("."))).with_suffix(".py").read_text(encoding="utf-8")


def test_every_module_belongs_to_a_stage_or_is_a_leaf():
    tops = {name.split(".")[0] for name in module_names()}
    assert tops <= {*STAGES, *LEAVES}
    top_level = {name for name in module_names() if "." not in name}
    assert top_level <= {*LEAVES, "dependency_container"}


@pytest.mark.parametrize("name", module_names())
def test_imports_point_down_the_pipeline(name):
    assert upward_imports(name, source(name)) == []


def test_the_import_check_catches_an_upward_import():
    assert upward_imports("plan.planner", "from modules.render.encoding import encode_still") == [
        "modules.render.encoding.encode_still"
    ]
    assert upward_imports("errors", "def f():\n    from modules.load import spec\n") == [
        "modules.load.spec"
    ]
    assert upward_imports("run.report", "from modules.plan.capacity import Capacity") == []


@pytest.mark.parametrize(
    "name", [n for n in module_names() if n.split(".")[0] in ("load", "plan") and n != PIL_READER]
)
def test_load_and_plan_never_import_pil(name):
    assert [t for t in imports(ast.parse(source(name))) if t.split(".")[0] == "PIL"] == []


def io_uses(tree: ast.AST) -> Iterator[str]:
    for target in imports(tree):
        if target.split(".")[0] in IO_MODULES:
            yield f"import {target}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called in IO_CALLS:
                yield f"call {called}() at line {node.lineno}"


@pytest.mark.parametrize("name", [n for n in module_names() if n.startswith("plan.")])
def test_plan_modules_do_no_io(name):
    assert list(io_uses(ast.parse(source(name)))) == []


def test_the_io_check_would_catch_io():
    tree = ast.parse("import os\nfrom PIL import Image\nimport io\nopen('x')\np.write_text('')\n")
    assert len(list(io_uses(tree))) == 5


def test_importing_the_planner_does_not_load_pil():
    code = (
        "import sys, modules.plan.planner, modules.plan.capacity, modules.plan.trait_tracker;"
        "print(sorted(m for m in sys.modules if m == 'PIL' or m.startswith('PIL.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=MODULES.parent, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("stage", [s for s in STAGES if (MODULES / s).is_dir()])
def test_every_stage_package_says_what_it_owns(stage):
    docstring = ast.get_docstring(ast.parse((MODULES / stage / "__init__.py").read_text()))
    assert docstring
    assert "import" in docstring  # and what it may import
