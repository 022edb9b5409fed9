"""End to end: every command-line mistake is a usage error (the usage line, one message, exit 2).

The cases are built from the app itself, so a new command or option is covered without editing this
file: for every command a missing argument, each missing required option, an unknown option and a bad
value; plus an unknown command. They fail while parsing, before any file is read. A few run the
installed ``synthwise`` script in a subprocess, the path a user takes.
"""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synthwise as sw
from synthwise.cli import command
from synthwise.testing import run_cli as run

COMMANDS: dict[str, Any] = dict(command().commands)


def _annotation(cmd: Any, param: Any) -> Any:
    """The Python type of a command parameter, read from the command's signature (``int | None`` -> int)."""
    hint = typing.get_type_hints(cmd.callback)[param.name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if typing.get_origin(hint) in (typing.Union, type(int | None)) else hint


def _valid(cmd: Any, param: Any) -> list[str]:
    """A value the parser accepts (nothing is read: parsing fails first)."""
    value = {int: "1", float: "1.0"}.get(_annotation(cmd, param), "in.csv")
    return [value] if param.param_type_name == "argument" else [param.opts[0], value]


def _required(cmd: Any, *, skip: Any = None) -> list[str]:
    args = [p for p in cmd.params if p.required and p is not skip and p.param_type_name == "argument"]
    opts = [p for p in cmd.params if p.required and p is not skip and p.param_type_name == "option"]
    return [v for p in args + opts for v in _valid(cmd, p)]


def _bad_value(cmd: Any) -> tuple[list[str], str]:
    """A number option given text; else an option given no value; else an extra argument."""
    options = [p for p in cmd.params if p.param_type_name == "option"]
    numeric = [p for p in options if _annotation(cmd, p) in (int, float)]
    if numeric:
        return [numeric[0].opts[0], "abc"], "Invalid value"
    valued = [p for p in options if _annotation(cmd, p) is not bool]
    if valued:
        return [valued[0].opts[0]], "requires an argument"
    return ["unexpected"], "unexpected extra argument"


def _cases() -> list[Any]:
    cases = []
    for name, cmd in sorted(COMMANDS.items()):
        required = _required(cmd)
        for p in cmd.params:
            if p.required:
                kind = "argument" if p.param_type_name == "argument" else "option"
                args = [name, *_required(cmd, skip=p)]
                cases.append(pytest.param(args, name, f"Missing {kind}", id=f"{name}-missing-{p.name}"))
        cases.append(
            pytest.param([name, *required, "--no-such-option"], name, "No such option", id=f"{name}-unknown")
        )
        bad, message = _bad_value(cmd)
        cases.append(pytest.param([name, *required, *bad], name, message, id=f"{name}-bad-value"))
    cases.append(pytest.param(["no-such-command"], "", "No such command", id="unknown-command"))
    return cases


def _assert_usage_error(code: int, text: str, name: str, message: str) -> None:
    assert code == 2, text
    assert f"Usage: synthwise {name}".rstrip() in text, text
    assert message in text, text
    assert text.count("Error:") == 1 and "error:" not in text, text
    assert "Traceback" not in text, text


def test_every_command_is_covered() -> None:
    expected = {"schema", "generators", "fit", "sample", "generate", "evaluate", "audit", "augment"}
    assert expected | {"pii", "mask", "simulate"} <= set(COMMANDS)


@pytest.mark.parametrize(("args", "name", "message"), _cases())
def test_usage_mistake_is_a_usage_error(
    args: list[str], name: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run(args, capsys)
    _assert_usage_error(code, text, name, message)


@pytest.mark.parametrize(
    ("args", "name", "message"),
    [
        (["sample"], "sample", "Missing argument"),
        (["generate", "data.csv", "-o", "out.csv", "-n", "abc"], "generate", "Invalid value"),
        (["no-such-command"], "", "No such command"),
    ],
)
def test_installed_script_prints_a_usage_error(
    args: list[str], name: str, message: str, tmp_path: Path
) -> None:
    script = Path(sys.executable).with_name("synthwise")
    if not script.exists():
        pytest.skip(f"no installed synthwise script beside {sys.executable}")
    done = subprocess.run([str(script), *args], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    _assert_usage_error(done.returncode, done.stdout + done.stderr, name, message)
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def default_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("usage") / "default.csv"
    sw.datasets.load_frame("default").head(500).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("extra", [[], ["--epsilon", "1"]], ids=["plain", "dp-options"])
def test_unknown_generator_is_one_clear_line(
    extra: list[str], default_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    code, text = run(["generate", str(default_csv), "-o", str(out), "-g", "nosuch", *extra], capsys)
    assert code == 2, text
    assert "'nosuch'" in text and "Fix:" in text and "cart" in text
    assert "Traceback" not in text and "KeyError" not in text
    assert len(text.strip().splitlines()) == 1, text
    assert not out.exists()


def test_generate_without_n_writes_as_many_rows_as_the_input(
    default_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    code, text = run(["generate", str(default_csv), "-o", str(out), "-g", "bootstrap"], capsys)
    assert code == 0, text
    assert len(pd.read_csv(out)) == len(pd.read_csv(default_csv)) == 500


def test_generate_sequential_without_n_writes_as_many_entities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from synthwise.testing.sequential import small_pbcseq

    data = tmp_path / "visits.csv"
    small_pbcseq(20).to_csv(data, index=False)
    out = tmp_path / "out.csv"
    args = ["generate", str(data), "-g", "sequential_ar", "--entity", "id", "--sequence-index", "day"]
    code, text = run([*args, "-o", str(out)], capsys)
    assert code == 0, text
    assert pd.read_csv(out)["id"].nunique() == 20


def test_a_schema_naming_a_column_the_data_lacks_is_one_clear_error(
    default_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text('{"columns": [{"name": "salary", "kind": "numeric"}]}', encoding="utf-8")
    for cmd in (["schema", str(default_csv)], ["generate", str(default_csv), "-o", str(tmp_path / "o.csv")]):
        code, text = run([*cmd, "--schema", str(schema)], capsys)
        assert code == 2, text
        assert "Column 'salary': is in the schema but not in the data" in text and "Fix:" in text
        assert "Traceback" not in text
