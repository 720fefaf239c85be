"""Wall time per build phase: what `BuildResult.timings` holds and bench/build_time.py prints.

`compile_model` records its phases (the import, each pass, the report, the
emission, writing) into the `Timings` that `recording` makes current; code
deeper down marks its own parts with `phase` (names nest: ``report/plots``)
and costs nothing when no recording is current.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class Timings:
    """Seconds per phase, in the order the phases first ran; a phase run twice adds up."""

    seconds: dict[str, float] = field(default_factory=dict)
    _prefix: list[str] = field(default_factory=list)

    def add(self, name: str, seconds: float) -> None:
        key = "/".join([*self._prefix, name])
        self.seconds[key] = self.seconds.get(key, 0.0) + seconds

    def _enter(self, name: str) -> None:
        self.seconds.setdefault("/".join([*self._prefix, name]), 0.0)  # a phase before its parts
        self._prefix.append(name)


_current: ContextVar[Timings | None] = ContextVar("licc_timings", default=None)


@contextlib.contextmanager
def recording(timings: Timings | None = None) -> Iterator[Timings]:
    """Make `timings` (or the one already recording, or a new one) current for the block."""
    timings = timings or _current.get() or Timings()
    token = _current.set(timings)
    try:
        yield timings
    finally:
        _current.reset(token)


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block as `name` (nested in the enclosing phases) if a recording is current;
    a block that raises is timed too, so a failed build shows where its time went."""
    timings = _current.get()
    if timings is None:
        yield
        return
    start = time.perf_counter()
    timings._enter(name)
    try:
        yield
    finally:
        timings._prefix.pop()
        timings.add(name, time.perf_counter() - start)


def current() -> Timings | None:
    """The recording in progress, if any (for code that times steps it does not wrap)."""
    return _current.get()
