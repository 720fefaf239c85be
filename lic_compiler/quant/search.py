"""The hybrid-precision search of `lic-assign-precision`.

Quality is measured with the real integer codec (`lic-quantize`, then the
interpreter) on the calibration images at their size, encoder → integer
latent → decoder, against the float codec (encoder → rounded latent →
decoder), by two numbers: the PSNR drop, within ``max-psnr-drop`` dB, and
the rate increase, within ``max-rate-increase`` percent. PSNR alone would
reward an encoder that leaks rounding noise into its latent: its decoder
then gets more detail, paid for in bits. The rate is estimated by the
latent's empirical entropy (per channel, over the images), which the
entropy coder's learned CDFs track. Cost is `lic_compiler.quant.cost`'s.

1. Start with every knob at its widest width (16 bits).
2. Sensitivity of a knob at a width: the PSNR lost and the rate added when
   only that knob is lowered to it (measured on demand, clamped at 0;
   decoder knobs reuse the encoder's latents and add no rate).
3. Greedy descent: of the moves that lower one knob by one step and keep
   both estimates (the all-16 codec's plus the knobs' sensitivities) within
   their budgets, take the one saving most cost per unit of budget spent;
   repeat until no move fits. Large sensitivities keep their knob wide,
   small ones let it go narrow.
4. Verification: measure the assignment; while it exceeds a budget, raise
   the knob with the largest sensitivity by one step and measure again.
5. The uniform assignment (`uniform`, e.g. W8A8 with a 16-bit GDN path) is a
   candidate too: the descent is greedy and can stop at a costlier point
   than that simple design; if it is cheaper and meets both budgets, it wins.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.errors import LiccError
from lic_compiler.quant.cost import CostModel
from lic_compiler.quant.drive import codec_psnr, drive, to_pixels
from lic_compiler.quant.frame import measurement_copy
from lic_compiler.quant.plan import Knob, knobs

# Candidate widths per knob kind, widest first.
WIDTHS = {
    "weight": (16, 12, 10, 8, 7, 6, 5, 4, 3),
    "act": (16, 12, 10, 8, 7, 6, 5, 4),
    "gdn": (16, 14, 12, 10, 8),
}
# A move spending less of the budgets counts as spending this much (moves are ranked per unit).
_MIN_SENSITIVITY = 1e-3
# Rates are compared relative to at least this many bits per pixel.
RATE_FLOOR = 0.01


@dataclass(frozen=True)
class Quality:
    psnr: float  # dB, mean over the images
    bits: float  # the latent's empirical entropy, bits per image pixel


def latent_bits(latents: Sequence[np.ndarray], pixels: int) -> float:
    """Empirical entropy of integer latents, per channel over all of them, in bits per image pixel."""
    channels = latents[0].shape[1]
    stacked = np.concatenate([np.asarray(q).reshape(channels, -1) for q in latents], axis=1)
    total = 0.0
    for row in stacked:
        counts = np.unique(row, return_counts=True)[1]
        total -= float(np.sum(counts * np.log2(counts / row.size)))
    return total / pixels


def rate_increase(bits: float, reference: float) -> float:
    """Percent more bits than `reference` (at least `RATE_FLOOR` bits per pixel, for tiny latents)."""
    return 100.0 * (bits - reference) / max(reference, RATE_FLOOR)


@dataclass
class HybridResult:
    budget: float
    rate_budget: float  # percent
    images: int
    reference: Quality  # the float codec's
    chosen: Quality  # the chosen assignment's, measured
    widths: dict[str, int]
    resources: dict[str, float]
    uniform16: dict[str, float]
    measurements: int
    seconds: float

    @property
    def drop(self) -> float:
        return self.reference.psnr - self.chosen.psnr

    @property
    def rate_increase(self) -> float:
        """Percent."""
        return rate_increase(self.chosen.bits, self.reference.bits)

    def summary(self) -> dict:
        return {
            "mode": "hybrid",
            "max_psnr_drop": self.budget,
            "max_rate_increase": self.rate_budget,
            "psnr_float": self.reference.psnr,
            "psnr_drop": self.drop,
            "rate_increase": self.rate_increase,
            "widths": self.widths,
            "cost": self.resources,
            "cost_uniform16": self.uniform16,
        }

    def report(self) -> str:
        lines = [
            f"lic-assign-precision: hybrid, budget {self.budget:g} dB and {self.rate_budget:g} % rate "
            f"on {self.images} images ({self.measurements} integer-codec measurements, {self.seconds:.0f} s)",
        ]
        lines += [f"  {label:<24} {bits:2d} bits" for label, bits in self.widths.items()]
        lines.append(
            f"  measured PSNR drop {self.drop:.4f} dB (budget {self.budget:g} dB), rate "
            f"{self.rate_increase:+.3f} % (budget {self.rate_budget:g} %); cost "
            f"{self.resources['cost']:.3f} vs {self.uniform16['cost']:.3f} at uniform 16 bits "
            f"(DSP {self.resources['dsp']:.0f} vs {self.uniform16['dsp']:.0f}, "
            f"LUT {self.resources['lut']:.0f} vs {self.uniform16['lut']:.0f})"
        )
        return "\n".join(lines)


def _mean_psnr(runs) -> float:
    values = codec_psnr(runs)
    if values is None:
        raise LiccError(
            "lic-assign-precision: hybrid mode measures the codec's PSNR through @encoder and @decoder; "
            "import both (licc --part encoder,decoder) or use mode=uniform"
        )
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

    def __call__(self, widths: dict[Knob, int]) -> Quality:
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
        latents = self._latents[key]
        decoded = [interpreter.call_op("decoder", (q,))[0] for q in latents]
        psnr = _mean_psnr({"encoder": (pixels, []), "decoder": ([], decoded)})
        return Quality(psnr, latent_bits(latents, _pixels(self.images)))


def _pixels(images: Sequence[np.ndarray]) -> int:
    return sum(x.shape[2] * x.shape[3] for x in images)


def hybrid_search(
    module: ModuleOp,
    all_knobs: list[Knob],
    images: Sequence[np.ndarray],
    budget: float,
    rate_budget: float,
    device: str,
    uniform: dict[Knob, int] | None = None,
) -> HybridResult:
    """Choose every knob's width of `module` (see the module docstring) and apply it.

    `uniform` gives every knob's width in the uniform assignment of step 5.
    """
    start = time.perf_counter()
    measured, fitted = measurement_copy(module, images)
    measure = _Measurer(measured, dict(zip(all_knobs, knobs(measured))), fitted)
    costs = CostModel.of(module, device)
    runs = drive(measured, fitted)
    reference = Quality(
        _mean_psnr(runs), latent_bits([np.round(y) for y in runs["encoder"][1]], _pixels(fitted))
    )

    def losses(q: Quality) -> tuple[float, float]:
        """(PSNR drop in dB, rate increase in percent) against the float codec."""
        return reference.psnr - q.psnr, rate_increase(q.bits, reference.bits)

    def fits(drop: float, rate: float) -> bool:
        return drop <= budget and rate <= rate_budget

    top = {k: WIDTHS[k.kind][0] for k in all_knobs}
    base = measure(top)
    if not fits(*losses(base)):
        drop, rate = losses(base)
        raise LiccError(
            f"lic-assign-precision: even 16 bits everywhere lose {drop:.3f} dB and add {rate:.2f} % "
            f"rate, more than max-psnr-drop={budget:g} or max-rate-increase={rate_budget:g}; raise them"
        )
    sensitivity: dict[tuple[Knob, int], tuple[float, float]] = {(k, top[k]): (0.0, 0.0) for k in all_knobs}

    def sens(knob: Knob, bits: int) -> tuple[float, float]:
        if (knob, bits) not in sensitivity:
            q = measure({**top, knob: bits})
            sensitivity[(knob, bits)] = (
                max(0.0, base.psnr - q.psnr), max(0.0, rate_increase(q.bits, base.bits))
            )
        return sensitivity[(knob, bits)]

    def weight(knob: Knob, bits: int) -> float:
        """A sensitivity as the fraction of the budgets it spends."""
        drop, rate = sens(knob, bits)
        return drop / budget + rate / rate_budget

    def cost_of(widths: dict[Knob, int]) -> float:
        for knob, bits in widths.items():
            knob.apply(bits)
        return costs.resources()["cost"]

    current = dict(top)
    estimate = losses(base)
    while True:
        here = cost_of(current)
        best: tuple[float, Knob, int, tuple[float, float]] | None = None
        for knob in all_knobs:
            widths = WIDTHS[knob.kind]
            step = widths.index(current[knob]) + 1
            if step == len(widths):
                continue
            lower = widths[step]
            extra = tuple(max(0.0, a - b) for a, b in zip(sens(knob, lower), sens(knob, current[knob])))
            if not fits(estimate[0] + extra[0], estimate[1] + extra[1]):
                continue
            saving = here - cost_of({**current, knob: lower})
            if saving <= 0:
                continue
            score = saving / max(extra[0] / budget + extra[1] / rate_budget, _MIN_SENSITIVITY)
            if best is None or score > best[0]:
                best = (score, knob, lower, extra)  # type: ignore[assignment]
        if best is None:
            break
        _, knob, lower, extra = best
        current[knob] = lower
        estimate = (estimate[0] + extra[0], estimate[1] + extra[1])
    chosen = measure(current)
    while not fits(*losses(chosen)):
        raisable = [k for k in all_knobs if current[k] != WIDTHS[k.kind][0]]
        knob = max(raisable, key=lambda k: weight(k, current[k]))
        widths = WIDTHS[knob.kind]
        current[knob] = widths[widths.index(current[knob]) - 1]
        chosen = measure(current)
    if uniform is not None:
        if cost_of(uniform) < cost_of(current) and fits(*losses(q := measure(uniform))):
            current, chosen = dict(uniform), q
    cost_of(top)
    uniform16 = costs.resources()
    cost_of(current)
    return HybridResult(
        budget=budget,
        rate_budget=rate_budget,
        images=len(images),
        reference=reference,
        chosen=chosen,
        widths={k.label: current[k] for k in all_knobs},
        resources=costs.resources(),
        uniform16=uniform16,
        measurements=measure.count,
        seconds=time.perf_counter() - start,
    )
