"""Shared behaviour of the command-line tools: one-line errors, exit code 2."""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import TypeVar

import click

from lic_compiler.errors import LiccError

F = TypeVar("F", bound=Callable[..., object])


def user_errors(tool: str) -> Callable[[F], F]:
    """Turn `LiccError` (and click's usage errors) into ``tool: error: …`` + exit 2."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: object, **kwargs: object) -> object:
            # CompressAI scripts functions at import; torch warns about it each run.
            warnings.filterwarnings("ignore", r".*torch\.jit\.script.*deprecated", FutureWarning)
            try:
                return fn(*args, **kwargs)
            except LiccError as e:
                click.echo(f"{tool}: error: {e}", err=True)
                sys.exit(2)
            except KeyboardInterrupt:
                click.echo(f"{tool}: interrupted", err=True)
                sys.exit(130)

        return run  # type: ignore[return-value]

    return wrap
