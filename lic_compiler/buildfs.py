"""Atomic build folders: a failed run leaves no half-written output behind."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lic_compiler.errors import LiccError


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a scratch folder that replaces `target` only if the block succeeds."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise LiccError(f"output {target} exists and is not a folder; choose another -o")
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    old = parent / f".{target.name}.old"
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    scratch.rename(target)
    shutil.rmtree(old, ignore_errors=True)
