"""The ``synthwise`` command line: a typer app; each command is thin (one public call).

Commands live in small modules that add themselves to :data:`app`; this module imports them.
Every :class:`~synthwise.errors.SynthwiseError` becomes one clear line and exit code 2; so does every
usage mistake (a missing argument or option, an unknown option or command, a bad value), printed by
click as the usage line and one ``Error:`` line, whichever click typer resolves to. Ctrl-C exits 130 and
leaves no half-written file (all writes are atomic).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Protocol, TypeGuard

import typer

from synthwise.cli._app import app, console_err

_COMMAND_MODULES = [
    "synthwise.cli.tabular",
    "synthwise.cli.evaluate",
    "synthwise.cli.simulate",
    "synthwise.cli.augment",
    "synthwise.cli.privacy",
]


def _load_commands() -> None:
    for module in _COMMAND_MODULES:
        importlib.import_module(module)


class _ClickError(Protocol):
    exit_code: int

    def show(self) -> None: ...


def _is_click_error(exc: Exception) -> TypeGuard[_ClickError]:
    """A click error (usage errors among them), whichever click raised it.

    typer up to 0.2x raises the standalone ``click``'s exceptions; later releases vendor click under a
    private module. Both keep click's public error interface: an int ``exit_code`` and ``show()``, which
    prints the usage line and one ``Error:`` line. Matching that interface, not a class whose module moves
    between releases, works for either.
    """
    return isinstance(getattr(exc, "exit_code", None), int) and callable(getattr(exc, "show", None))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``synthwise`` script: the exit code (0 ok, 1 failed gate, 2 error, 130 Ctrl-C)."""
    from synthwise.errors import SynthwiseError

    _load_commands()
    try:
        result = app(args=argv, prog_name="synthwise", standalone_mode=False)
        if isinstance(result, int) and not isinstance(result, bool):  # typer.Exit(code) returns its code here
            return result
    except SynthwiseError as exc:
        for line in str(exc).splitlines():
            console_err.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
        return 2
    except (KeyboardInterrupt, typer.Abort):  # newer typer turns Ctrl-C into exit code 130 itself
        console_err.print("[yellow]Interrupted; no partial output was written.[/]")
        return 130
    except SystemExit as exc:  # typer.Exit from a command (e.g. a failed gate)
        return int(exc.code or 0)
    except Exception as exc:
        if not _is_click_error(exc):
            raise
        if getattr(exc, "ctx", False) is None:  # an option's parse error carries no command: give it one
            exc.ctx = _context(sys.argv[1:] if argv is None else argv)  # type: ignore[attr-defined]
        exc.show()
        return exc.exit_code
    return 0


def command() -> Any:
    """The app as a click command group with every command loaded (``.commands``: name -> command).

    Typed ``Any``: its class lives in whichever click typer resolves to (see :func:`_is_click_error`)."""
    _load_commands()
    return typer.main.get_command(app)


def _context(argv: list[str]) -> Any:
    """The click context of the command ``argv`` names (the app's when none), for its usage line."""
    group = command()
    root = group.make_context("synthwise", [], resilient_parsing=True)
    name = next((a for a in argv if not a.startswith("-")), "")
    sub = getattr(group, "commands", {}).get(name)
    if sub is None:
        return root
    return sub.make_context(name, [], parent=root, resilient_parsing=True)


def run() -> None:
    sys.exit(main())


__all__ = ["app", "command", "main", "run"]
