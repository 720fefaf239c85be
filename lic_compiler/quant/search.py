"""The hybrid-precision search of `lic-assign-precision`.

Quality is the codec's PSNR on the calibration images, encoder → integer
latent → decoder, measured with the real integer codec (`lic-quantize` then
the interpreter) at the images' size; the budget is a drop from the float
codec's PSNR. Cost is `lic_compiler.quant.cost`'s.

1. Start with every knob at its widest width (16 bits).
2. Sensitivity of a knob at a width: the PSNR lost when only that knob is
   lowered to it (measured on demand, clamped at 0).
3. Greedy descent: of the moves that lower one knob by one step and keep the
   estimated drop (the all-16 drop plus the knobs' sensitivities) within the
   budget, take the one saving most cost per dB of sensitivity; repeat until
   no move fits. Large sensitivities keep their knob wide, small ones let it
   go narrow.
4. Verification: measure the assignment; while it exceeds the budget, raise
   the knob whose sensitivity is largest by one step and measure again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.errors import LiccError
from lic_compiler.quant.cost import CostModel
from lic_compiler.calibration import fit_image
from lic_compiler.quant.drive import codec_psnr, drive, to_pixels
from lic_compiler.quant.frame import image_frame, measurement_module
from lic_compiler.quant.plan import Knob, knobs

# Candidate widths per knob kind, widest first.
WIDTHS = {
    "weight": (16, 12, 10, 8, 7, 6, 5, 4, 3),
    "act": (16, 12, 10, 8, 7, 6, 5, 4),
    "gdn": (16, 14, 12, 10, 8),
}
# A sensitivity this small counts as this much (moves are ranked per dB).
_MIN_SENSITIVITY = 1e-4


@dataclass
class HybridResult:
    budget: float
    images: int
    psnr_float: float
    psnr: float  # the chosen assignment's, measured
    widths: dict[str, int]
    resources: dict[str, float]
    uniform16: dict[str, float]
    measurements: int
    seconds: float
    sensitivities: dict[str, dict[int, float]] = field(default_factory=dict)

    @property
    def drop(self) -> float:
        return self.psnr_float - self.psnr

    def summary(self) -> dict:
        return {
            "mode": "hybrid",
            "max_psnr_drop": self.budget,
            "psnr_float": self.psnr_float,
            "psnr_drop": self.drop,
            "widths": self.widths,
            "cost": self.resources,
            "cost_uniform16": self.uniform16,
        }

    def report(self) -> str:
        lines = [
            f"lic-assign-precision: hybrid, budget {self.budget:g} dB on {self.images} images "
            f"({self.measurements} integer-codec measurements, {self.seconds:.0f} s)",
        ]
        lines += [f"  {label:<24} {bits:2d} bits" for label, bits in self.widths.items()]
        lines.append(
            f"  measured PSNR drop {self.drop:.4f} dB (budget {self.budget:g} dB); cost "
            f"{self.resources['cost']:.3f} vs {self.uniform16['cost']:.3f} at uniform 16 bits "
            f"(DSP {self.resources['dsp']:.0f} vs {self.uniform16['dsp']:.0f}, "
            f"LUT {self.resources['lut']:.0f} vs {self.uniform16['lut']:.0f})"
        )
        return "\n".join(lines)


def _mean_psnr(runs) -> float:
    values = codec_psnr(runs)
    if values is None:
        raise LiccError("lic-assign-precision: hybrid mode measures encoder → decoder; the IR needs @encoder and @decoder")
    return float(np.mean(values))


@dataclass
class _Measurer:
    """The integer codec's PSNR for width assignments of `module` (a float module at the images' size).

    The encoder's latents are kept per assignment of the encoder's knobs, so a
    decoder knob's measurement runs only the decoder.
    """

    module: ModuleOp
    copies: dict[Knob, Knob]  # search knob → the same knob of `module`
    images: Sequence[np.ndarray]
    count: int = 0
    _latents: dict[tuple[int, ...], list[np.ndarray]] = field(default_factory=dict)

    def __call__(self, widths: dict[Knob, int]) -> float:
        from lic_compiler.interpreter import make_interpreter
        from lic_compiler.passes.quantize import quantize

        self.count += 1
        for knob, bits in widths.items():
            self.copies[knob].apply(bits)
        lowered = self.module.clone()
        quantize(lowered)
        interpreter = make_interpreter(lowered)
        pixels = [to_pixels(x) for x in self.images]
        key = tuple(bits for knob, bits in widths.items() if knob.function == "encoder")
        if key not in self._latents:
            self._latents[key] = [interpreter.call_op("encoder", (x,))[0] for x in pixels]
        decoded = [interpreter.call_op("decoder", (q,))[0] for q in self._latents[key]]
        return _mean_psnr({"encoder": (pixels, []), "decoder": ([], decoded)})


def hybrid_search(
    module: ModuleOp, all_knobs: list[Knob], images: Sequence[np.ndarray], budget: float, device: str
) -> HybridResult:
    """Choose every knob's width of `module` (see the module docstring) and apply it."""
    start = time.perf_counter()
    size = (images[0].shape[3], images[0].shape[2])
    measured = measurement_module(module, size)
    if measured is module:
        measured = module.clone()
    frame = image_frame(measured)
    fitted = [fit_image(x, frame) for x in images] if frame else list(images)
    psnr = _Measurer(measured, dict(zip(all_knobs, knobs(measured))), fitted)
    costs = CostModel.of(module, device)
    psnr_float = _mean_psnr(drive(measured, images))
    top = {k: WIDTHS[k.kind][0] for k in all_knobs}
    base = psnr(top)
    if psnr_float - base > budget:
        raise LiccError(
            f"lic-assign-precision: even 16 bits everywhere lose {psnr_float - base:.3f} dB, more than "
            f"max-psnr-drop={budget:g}; raise the budget"
        )
    sensitivity: dict[tuple[Knob, int], float] = {(k, top[k]): 0.0 for k in all_knobs}

    def sens(knob: Knob, bits: int) -> float:
        if (knob, bits) not in sensitivity:
            sensitivity[(knob, bits)] = max(0.0, base - psnr({**top, knob: bits}))
        return sensitivity[(knob, bits)]

    def cost_of(widths: dict[Knob, int]) -> float:
        for knob, bits in widths.items():
            knob.apply(bits)
        return costs.resources()["cost"]

    current = dict(top)
    estimate = psnr_float - base
    while True:
        here = cost_of(current)
        best: tuple[float, Knob, int, float] | None = None
        for knob in all_knobs:
            widths = WIDTHS[knob.kind]
            step = widths.index(current[knob]) + 1
            if step == len(widths):
                continue
            lower = widths[step]
            extra = sens(knob, lower) - sens(knob, current[knob])
            if estimate + max(extra, 0.0) > budget:
                continue
            saving = here - cost_of({**current, knob: lower})
            if saving <= 0:
                continue
            score = saving / max(extra, _MIN_SENSITIVITY)
            if best is None or score > best[0]:
                best = (score, knob, lower, max(extra, 0.0))
        if best is None:
            break
        _, knob, lower, extra = best
        current[knob] = lower
        estimate += extra
    result = psnr(current)
    while psnr_float - result > budget:
        raisable = [k for k in all_knobs if current[k] != WIDTHS[k.kind][0]]
        knob = max(raisable, key=lambda k: sens(k, current[k]))
        widths = WIDTHS[knob.kind]
        current[knob] = widths[widths.index(current[knob]) - 1]
        result = psnr(current)
    cost_of(top)
    uniform16 = costs.resources()
    cost_of(current)
    return HybridResult(
        budget=budget,
        images=len(images),
        psnr_float=psnr_float,
        psnr=result,
        widths={k.label: current[k] for k in all_knobs},
        resources=costs.resources(),
        uniform16=uniform16,
        measurements=psnr.count,
        seconds=time.perf_counter() - start,
        sensitivities={k.label: {b: v for (kk, b), v in sensitivity.items() if kk is k} for k in all_knobs},
    )
