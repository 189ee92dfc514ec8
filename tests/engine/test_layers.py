"""The engine (course/) is built in layers that import only downward, with no import circle.

Every import counts, also one inside a function: a lazy import is still a dependency, it
only moves the cost. The README's Layout section says the same order in words.
"""

import ast
import graphlib
from pathlib import Path

from course import ROOT

# From the bottom up. A module may import modules of its own layer or of a layer below.
LAYERS = [
    ("the manifests", ["course", "course.manifest", "course.render", "course.reach"]),
    (
        "targets and known variants",
        [
            "course.targets",
            "course.mistakes",
            "course.mutants",
            "course.equivalents",
            "course.criteria",
            "course.stubs",
        ],
    ),
    ("loading the learner's code", ["course.loading", "course.testing", "course.services"]),
    ("checking", ["course.checking", "course.pytest_plugin"]),
    (
        "grading",
        [
            "course.grading",
            "course.grading.*",
            "course.mutation",
            "course.mutation_urls",
            "course.mutation_testing",
        ],
    ),
    (
        "front ends",
        [
            "course.progress",
            "course.starter",
            "course.server",
            "course.notebook",
            "course.jupyter",
            "course.cli",
            "course.__main__",
        ],
    ),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def engine_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / "course").rglob("*.py"))}


def imports_of(name: str, path: Path, modules) -> set[str]:
    """The engine modules `name` imports anywhere in its file (top level or in a function)."""
    found = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + [base] * bool(base))
            submodules = {f"{base}.{a.name}" for a in node.names} & set(modules)
            found.update(submodules)
            if len(submodules) < len(node.names) and base in modules:
                found.add(base)
    return found - {name}


def layer_of(name: str) -> int:
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if name == member or (member.endswith(".*") and name.startswith(member[:-1])):
                return index
    raise AssertionError(
        f"course module {name} is in no layer: add it to LAYERS in {__name__} and to the "
        "README's Layout"
    )


def test_every_import_goes_down_or_stays_in_its_layer():
    modules = engine_modules()
    upward = []
    for name, path in modules.items():
        for imported in sorted(imports_of(name, path, modules)):
            if layer_of(imported) > layer_of(name):
                upward.append(
                    f"{name} ({LAYERS[layer_of(name)][0]}) imports {imported} "
                    f"({LAYERS[layer_of(imported)][0]})"
                )
    assert not upward, "Imports that run up the layers:\n" + "\n".join(upward)


def test_the_engine_has_no_import_circle():
    modules = engine_modules()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        raise AssertionError(f"An import circle: {' -> '.join(error.args[1])}") from None


def test_a_lazy_import_up_a_layer_is_seen(tmp_path):
    """The check reads imports inside functions, and knows which way is up."""
    checking = tmp_path / "checking.py"
    checking.write_text("def f():\n    from course.grading.runners import make_runner\n")
    assert imports_of("course.checking", checking, engine_modules()) == {"course.grading.runners"}
    assert layer_of("course.grading.runners") > layer_of("course.checking")
