"""Asking before a command destroys what cannot be brought back."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from graphs.cli.errors import CliError

if TYPE_CHECKING:
    from rich.console import Console


def yes_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--yes", action="store_true", help="do not ask for confirmation (for scripts)")


def confirmed(what: str, *, yes: bool, out: Console) -> bool:
    """Whether to go on with `what` ("forget every memory of ava"): `--yes` says so, else
    the person at the terminal; without a terminal to ask, it raises `CliError` (exit 2)
    rather than wait for an answer that never comes."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise CliError(f"Not confirmed: pass --yes to {what} without a terminal.")
    try:
        answer = out.input(f"This will {what}, and cannot be undone. Continue? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() in ("y", "yes"):
        return True
    out.print("Nothing was changed.")
    return False
