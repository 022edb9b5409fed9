"""The spec source: YAML (or a plain dict) to a tree that remembers the line of every key.

``load_tree`` composes the YAML with ``yaml.compose`` and keeps, for every mapping and list, the line
where it starts and the line of each key / item, so that every later validation error can name the
LINE and the KEY (``tables.transactions.columns.amount``). Mapping keys are always the raw key text
(YAML 1.1 would read the country code ``NO`` as ``False``). Duplicate keys, which YAML silently
overwrites, are reported. A dict given directly (from Python) gets the same tree without lines.

:class:`Problems` gathers every mistake; :meth:`Problems.raise_if_any` raises one
:class:`~synthwise.errors.SpecError` listing them all.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthwise.errors import SpecError


@dataclass(frozen=True)
class Where:
    """A place in the spec: the dotted key path and the 1-based line (None for a dict spec)."""

    key: str
    line: int | None = None

    def child(self, key: str | int, line: int | None = None) -> Where:
        part = f"[{key}]" if isinstance(key, int) else str(key)
        path = f"{self.key}{part}" if isinstance(key, int) or not self.key else f"{self.key}.{part}"
        return Where(path, self.line if line is None else line)

    def __str__(self) -> str:
        place = f"line {self.line}, " if self.line is not None else ""
        return f"{place}key {self.key or '(top level)'!r}"


class SpecMap(dict[str, Any]):
    """A mapping from the spec with the line of the mapping and of each key."""

    line: int | None
    key_lines: dict[str, int | None]

    def __init__(self, items: Any = (), line: int | None = None) -> None:
        super().__init__(items)
        self.line = line
        self.key_lines = {}

    def where(self, base: Where, key: str) -> Where:
        return base.child(key, self.key_lines.get(key) or self.line or base.line)


class SpecList(list[Any]):
    """A list from the spec with the line of the list and of each item."""

    line: int | None
    item_lines: list[int | None]

    def __init__(self, items: Any = (), line: int | None = None) -> None:
        super().__init__(items)
        self.line = line
        self.item_lines = []

    def where(self, base: Where, index: int) -> Where:
        line = self.item_lines[index] if index < len(self.item_lines) else None
        return base.child(index, line or self.line or base.line)


@dataclass
class Problems:
    """Every mistake found in a spec, raised at once as one SpecError."""

    source: str = "spec"
    items: list[str] = field(default_factory=list)

    def add(self, where: Where, problem: str, fix: str) -> None:
        self.items.append(f"{where}: {problem}. Fix: {fix}.")

    def raise_if_any(self) -> None:
        if self.items:
            head = f"The simulation spec {self.source} has {len(self.items)} problem(s):"
            raise SpecError("\n".join([head, *(f"  {m}" for m in self.items)]))

    def error(self, where: Where, problem: str, fix: str) -> SpecError:
        """A SpecError for one problem found while running (not while validating)."""
        return SpecError(f"The simulation spec {self.source}, {where}: {problem}. Fix: {fix}.")


def load_tree(spec: str | os.PathLike[str] | dict[str, Any]) -> tuple[SpecMap, str]:
    """The spec as a located tree plus a name for messages; ``spec`` is a path, YAML text or a dict."""
    if isinstance(spec, dict):
        return from_plain(spec), "(dict)"
    if isinstance(spec, os.PathLike) or (
        isinstance(spec, str)
        and "\n" not in spec
        and spec.strip()
        and Path(spec).suffix.lower() in (".yaml", ".yml", ".json")
    ):
        path = Path(spec)
        if not path.exists():
            raise SpecError(f"The simulation spec {str(path)!r} does not exist. Fix: check the path.")
        text = path.read_text(encoding="utf-8")
        name = repr(str(path))
    elif isinstance(spec, str):
        text, name = spec, "(text)"
    else:
        raise SpecError(
            f"A simulation spec must be a path, YAML text or a dict, not {type(spec).__name__}. "
            "Fix: pass the path of a .yaml file."
        )
    return parse_yaml(text, name), name


def parse_yaml(text: str, name: str = "(text)") -> SpecMap:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(
            f"The simulation spec {name} is not valid YAML: {line}{problem}. Fix: check the indentation "
            "and quoting on that line (quote expressions that contain ': ' or start with '{', '[' or '*')."
        ) from exc
    if node is None:
        raise SpecError(f"The simulation spec {name} is empty. Fix: declare at least 'tables:'.")
    problems = Problems(name)
    tree = _convert(node, Where(""), problems)
    problems.raise_if_any()
    if not isinstance(tree, SpecMap):
        raise SpecError(
            f"The simulation spec {name}, line 1: the top level must be a mapping with 'tables:'. "
            "Fix: start the file with 'tables:'."
        )
    return tree


def _convert(node: Any, where: Where, problems: Problems) -> Any:
    import yaml

    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = SpecMap(line=line)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.add(
                    where.child("?", key_node.start_mark.line + 1),
                    "a key must be a plain name",
                    "write the key as text",
                )
                continue
            key = str(key_node.value)
            key_line = key_node.start_mark.line + 1
            if key in out:
                problems.add(
                    where.child(key, key_line),
                    f"duplicate key {key!r} (first on line {out.key_lines[key]})",
                    "give each key once; YAML would silently keep only the last",
                )
                continue
            out[key] = _convert(value_node, where.child(key, key_line), problems)
            out.key_lines[key] = key_line
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = SpecList(line=line)
        for i, item in enumerate(node.value):
            seq.append(_convert(item, where.child(i, item.start_mark.line + 1), problems))
            seq.item_lines.append(item.start_mark.line + 1)
        return seq
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError:
        return str(node.value)
    finally:
        loader.dispose()


def from_plain(value: Any) -> Any:
    """A plain dict / list tree (from Python) to SpecMap / SpecList without lines; keys become str."""
    if isinstance(value, SpecMap | SpecList):
        return value
    if isinstance(value, dict):
        return SpecMap({str(k): from_plain(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        out = SpecList(from_plain(v) for v in value)
        out.item_lines = [None] * len(out)
        return out
    return value


def to_plain(value: Any) -> Any:
    """The located tree back to plain dicts and lists (for JSON model files)."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime.date):  # YAML reads 2024-01-01 as a date
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
    return value
