"""GDN's root and reciprocal tables with their ROM words as data, so that one can take an upset.

`licc::table` (backends/hls_cpp/include/licc/table.h) computes `lic.table` in
integers from two ROMs the emitter fills from `Approx`: ``entry`` (the table,
the PWL intercepts or the Newton seeds) and, in PWL mode, ``slope``.
`int_table` is that kernel in numpy, on ROM arrays given to it: with the
emitted words it gives the interpreter's values (test/faults checks it on
every table of the student), with a flipped word what the hardware computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lic_compiler.dialects import hls
from lic_compiler.gdn_approx import Approx

ONE = 1 << 16
ROMS = ("entry", "slope")


def roms(step: hls.TableStep) -> dict[str, np.ndarray]:
    """The table's ROMs as the emitter stores them (``slope`` in PWL mode only)."""
    approx = Approx(step.function.data, **step.approx_params())  # type: ignore[arg-type]
    if approx.mode == "pwl":
        entries, slopes = approx.pwl_coefficients()
        return {"entry": np.array(entries, np.int64), "slope": np.array(slopes, np.int64)}
    return {"entry": np.array(approx.table(), np.int64)}


def _scale_round(a: np.ndarray, t: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """round(a · 2^t) half up, saturated: `licc::scale_round`."""
    up = np.clip(a << np.clip(t, 0, 22), lo, hi)
    up = np.where(t > 22, np.where(a > 0, hi, np.where(a < 0, lo, 0)), up)
    s = np.clip(-t, 1, 62)
    down = np.clip((a + (np.int64(1) << (s - 1))) >> s, lo, hi)
    return np.where(t >= 0, up, np.where(t < -62, 0, down))


def int_table(n: np.ndarray, step: hls.TableStep, rom: dict[str, np.ndarray]) -> np.ndarray:
    """`licc::table` of `n` (int64) with the ROM words `rom`."""
    approx = Approx(step.function.data, **step.approx_params())  # type: ignore[arg-type]
    lo, hi = hls.int_range(step.type)
    n = np.asarray(n, np.int64)
    positive = n > 0
    bits = n & ((1 << 48) - 2)  # the kernel looks for the leading one in bits 47..1
    e = np.where(bits > 0, np.frexp(bits.astype(np.float64))[1].astype(np.int64) - 1, 0)
    f = np.where(e >= 16, n >> np.clip(e - 16, 0, 63), n << np.clip(16 - e, 0, 63)) & (ONE - 1)
    root = approx.function != "reciprocal"
    k = approx.index_bits
    p = e & 1 if root else np.zeros_like(e)
    half_e = (e - p) // 2
    shift = (half_e if approx.function == "sqrt" else -half_e) if root else -e
    fraction_bits = k - 1 if root else k
    index = ((p << (k - 1)) if root else 0) | (f >> (16 - fraction_bits))
    m = (ONE + f) << p
    a = rom["entry"][index]
    if approx.mode == "pwl":
        d = (f & ((1 << (16 - fraction_bits)) - 1)) << p
        a = (a * ONE + rom["slope"][index] * d + ONE // 2) >> 16
    elif approx.mode == "newton":
        for _ in range(approx.newton_steps or 0):
            if approx.function == "reciprocal":
                v = (m * a + ONE // 2) >> 16
                a = (a * (2 * ONE - v) + ONE // 2) >> 16
            else:
                u = (a * a + ONE // 2) >> 16
                v = (m * u + ONE // 2) >> 16
                a = (a * (3 * ONE - v) + ONE) >> 17
        if approx.function == "sqrt":
            a = (m * a + ONE // 2) >> 16
    y = _scale_round(a, shift + step.frac_bits.data - 16, lo, hi)
    return np.where(positive, y, 0 if approx.function == "sqrt" else hi)


@dataclass(frozen=True, eq=False)
class FaultyTable:
    """A table step whose ROM took an upset: the same function for every channel."""

    step: hls.TableStep
    rom: dict[str, np.ndarray]

    @property
    def type(self):
        return self.step.type

    def result_type(self, element):
        return self.step.type

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return int_table(x, self.step, self.rom)

    def channel(self, c: int) -> FaultyTable:
        return self
