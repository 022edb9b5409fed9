"""The ``synthwise`` command line: a typer app; each command is thin (one public call).

Commands live in small modules that add themselves to :data:`app`; this module imports them.
Every :class:`~synthwise.errors.SynthwiseError` becomes one clear line and exit code 2; Ctrl-C exits
130 and leaves no half-written file (all writes are atomic).
"""

from __future__ import annotations

import importlib
import sys

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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``synthwise`` script."""
    from synthwise.errors import SynthwiseError

    _load_commands()
    try:
        result = app(args=argv, standalone_mode=False)
        if isinstance(result, int) and not isinstance(result, bool):  # typer.Exit(code) returns its code here
            return result
    except SynthwiseError as exc:
        for line in str(exc).splitlines():
            console_err.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        console_err.print("[yellow]Interrupted; no partial output was written.[/]")
        return 130
    except SystemExit as exc:  # typer.Exit from a command (e.g. a failed gate)
        return int(exc.code or 0)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return exc.exit_code
        if isinstance(exc, click.exceptions.Abort):
            console_err.print("[yellow]Aborted.[/]")
            return 130
        raise
    return 0


def run() -> None:
    sys.exit(main())


__all__ = ["app", "main", "run"]
