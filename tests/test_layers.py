"""The layering rule, enforced on the import graph: a module imports only from layers below it.

Every ``import synthwise.x`` / ``from synthwise.x import ...`` in ``src/synthwise`` counts, wherever it
stands: at the top of a module, inside a function (a lazy import is still a dependency) or under
``TYPE_CHECKING``. A package may import itself freely; between packages an arrow may only point down
the list below, so there is no circle between packages and no upward arrow. ``docs/ARCHITECTURE.md``
draws the same list.
"""

from __future__ import annotations

import ast
from pathlib import Path

import synthwise

# Bottom to top. Packages on one line share a layer and may not import each other.
LAYERS: list[set[str]] = [
    {"_types", "errors", "_version"},
    {"random", "io", "datasets", "neighbours", "threads", "blocks"},
    {"images"},
    {"pii"},
    {"schema"},
    {"transforms"},
    {"privacy", "simulation"},
    {"deep"},
    {"text"},
    {"generators"},
    {"imbalance"},
    {"evaluation"},
    {"report", "guard"},
    {"relational"},
    {"scale"},
    {"cli"},
    {"demo", "testing"},
    {"__init__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
ROOT = Path(synthwise.__file__).parent


def _unit(path: Path, root: Path = ROOT) -> str:
    """The package (or top-level module) a file belongs to: ``generators``, ``io``, ``__init__``."""
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else path.stem


def _imported_units(path: Path, root: Path = ROOT) -> set[tuple[str, int]]:
    """Every synthwise unit the file imports, with the line of the import."""
    module = ".".join(("synthwise", *path.relative_to(root).with_suffix("").parts))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            # ``from synthwise import datasets`` imports the unit ``datasets``
            if target == "synthwise":
                targets = [f"synthwise.{alias.name}" for alias in node.names]
            else:
                targets = [target]
        for target in targets:
            parts = target.split(".")
            if parts[0] != "synthwise":
                continue
            unit = parts[1] if len(parts) > 1 else "__init__"
            if not ((root / unit).is_dir() or (root / f"{unit}.py").is_file()):
                unit = "__init__"  # a name the root package defines or re-exports
            found.add((unit, node.lineno))
    return found


def _violations(root: Path = ROOT) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        unit = _unit(path, root)
        if unit not in RANK:
            problems.append(f"{path.relative_to(root)}: package {unit!r} has no layer in LAYERS")
            continue
        for target, line in sorted(_imported_units(path, root)):
            if target == unit:
                continue
            if RANK[target] >= RANK[unit]:
                where = "up" if RANK[target] > RANK[unit] else "sideways"
                problems.append(f"{path.relative_to(root)}:{line}: {unit} imports {target} ({where})")
    return problems


def test_every_import_points_down_the_layers() -> None:
    problems = _violations()
    assert not problems, "imports against the layering rule:\n" + "\n".join(problems)


def test_every_unit_has_a_layer() -> None:
    units = {_unit(p) for p in ROOT.rglob("*.py")}
    assert units <= set(RANK), sorted(units - set(RANK))


def test_the_checker_sees_lazy_relative_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "synthwise"
    (pkg / "schema").mkdir(parents=True)
    (pkg / "schema" / "__init__.py").write_text("")
    (pkg / "schema" / "lazy.py").write_text("def f():\n    from synthwise.cli import main\n")
    (pkg / "schema" / "relative.py").write_text("from ..generators import registry\n")
    (pkg / "schema" / "typing_only.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from synthwise.evaluation import x\n"
    )
    (pkg / "schema" / "fine.py").write_text("from synthwise.errors import DataError\nfrom . import lazy\n")
    (pkg / "privacy.py").write_text("import synthwise.simulation.run\n")
    for unit in ("errors.py", "simulation.py", "cli.py", "generators.py", "evaluation.py"):
        (pkg / unit).write_text("")
    problems = "\n".join(_violations(pkg))
    assert "schema/lazy.py:2: schema imports cli (up)" in problems
    assert "schema/relative.py:1: schema imports generators (up)" in problems
    assert "schema/typing_only.py:3: schema imports evaluation (up)" in problems
    assert "privacy.py:1: privacy imports simulation (sideways)" in problems
    assert "fine.py" not in problems
