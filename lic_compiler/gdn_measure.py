"""What rewriting GDN costs, measured on calibration images.

For each `lic.gdn` the interpreter runs the original model and, at that GDN,
also computes the normalisation factor the rewritten IR would compute from
the same input, so each GDN's error is its own (upstream GDNs stay exact).
The relative error of the factor, ``f_new / f_orig − 1``, is summarised by
its maximum magnitude and RMS over every element of every image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls

from lic_compiler.dialects import lic
from lic_compiler.gdn_approx import Approx


@dataclass(frozen=True)
class GdnTarget:
    """What one `lic.gdn` becomes: its lowered form and its root/reciprocal (None: none)."""

    form: str
    approx: Approx | None


def normalisation(
    x: np.ndarray, beta: np.ndarray, gamma: np.ndarray, inverse: bool, target: GdnTarget
) -> np.ndarray:
    """The factor GDN multiplies `x` by, computed as the decomposed IR computes it."""
    import torch

    t = torch.from_numpy(np.array(x, order="C"))
    c = t.shape[1]
    pre = torch.abs(t) if target.form == "l1" else t * t
    weight = torch.from_numpy(np.array(gamma, order="C")).reshape(c, c, 1, 1)
    norm = torch.nn.functional.conv2d(pre, weight, torch.from_numpy(np.array(beta, order="C")))
    norm = norm.numpy()
    return norm if target.approx is None else target.approx(norm)


def gdn_target(
    gdn: lic.GdnOp, mode: str = "exact", params: dict[str, int] | None = None, to_l1: bool = False
) -> GdnTarget:
    """What `gdn` becomes with its root in `mode` (default: exactly what it computes)."""
    params = params or {}
    if to_l1 or gdn.form.data == "l1":
        reciprocal = None if gdn.is_inverse else Approx("reciprocal", mode, **params)
        return GdnTarget("l1", reciprocal)
    return GdnTarget("standard", Approx("sqrt" if gdn.is_inverse else "rsqrt", mode, **params))


@dataclass
class ErrorStats:
    """Running max and RMS of a relative error."""

    max: float = 0.0
    sum_sq: float = 0.0
    count: int = 0

    def add(self, rel: np.ndarray) -> None:
        self.max = max(self.max, float(np.max(np.abs(rel))))
        self.sum_sq += float(np.sum(np.square(rel, dtype=np.float64)))
        self.count += rel.size

    @property
    def rms(self) -> float:
        return float(np.sqrt(self.sum_sq / self.count)) if self.count else 0.0


@register_impls
@dataclass
class GdnProbe(InterpreterFunctions):
    """Runs `lic.gdn` exactly and records the error its target would add."""

    targets: dict[lic.GdnOp, GdnTarget]
    stats: dict[lic.GdnOp, ErrorStats] = field(default_factory=dict)

    @impl(lic.GdnOp)
    def run_gdn(self, interpreter: Interpreter, op: lic.GdnOp, args: PythonValues):
        x, beta, gamma = args
        exact = normalisation(x, beta, gamma, op.is_inverse, gdn_target(op))
        new = normalisation(x, beta, gamma, op.is_inverse, self.targets[op])
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = new.astype(np.float64) / exact - 1.0
        self.stats.setdefault(op, ErrorStats()).add(rel)
        return (x * exact,)


def probing_interpreter(probe: GdnProbe):
    """An interpreter factory (for `calibration.run_on_images`) that uses `probe`."""
    from lic_compiler.interpreter import make_interpreter

    def make(module: ModuleOp) -> Interpreter:
        interpreter = make_interpreter(module)
        interpreter.register_implementations(probe, override=True)
        return interpreter

    return make
