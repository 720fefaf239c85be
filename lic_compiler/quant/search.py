"""The hybrid-precision search of `lic-assign-precision`: widths the emitted design pays for.

Quality is measured with the real integer codec (`lic-quantize`, then the
interpreter) on images at their size, encoder → integer latent → decoder,
against the float codec (encoder → rounded latent → decoder), by two numbers:
the PSNR drop, within ``max-psnr-drop`` dB, and the rate increase, within
``max-rate-increase`` percent. PSNR alone would reward an encoder that leaks
rounding noise into its latent: its decoder then gets more detail, paid for
in bits. The rate is the latent's empirical entropy (per channel, over the
images), which the entropy coder's learned CDFs track.

The search fits its choices on the *fit* images and checks the result on
*held-out* images it never fitted, so that its budget is one that holds on
images it did not see: whole photographs (`lic-assign-precision`'s
``held-out-images``, by default `HELD_OUT_DIR`'s), or a share of the search
images (`split`). Crops make a poor held-out set: a searched assignment that
lost 0.066 dB on 16 crops of 128×128 lost 0.127 dB on the 24 Kodak images,
and 0.131 dB on the shipped photographs (docs/quantization.md). The held-out check
is a one-sided confidence bound, not the sample's mean: the mean PSNR drop
over the held-out images plus Student's t quantile (``confidence``, 0.95 by
default) times the standard error of the per-image drops (`Check.bound`).
A handful of images say little about the mean drop of images like them, and
the search, which spends up to the budget, otherwise accepts whatever
happens to lose little on those few.

Hardware is the emitted design's (`lic_compiler.quant.score`): ``max-fps``
ranks assignments by the solved design's frame rate, ``min-resources`` by
the resources of the cheapest design meeting the uniform assignment's frame
rate (or ``target-fps``).

1. Sensitivity of a knob at a choice: the PSNR lost and the rate added on the
   fit images when only that knob takes it, the others at their widest
   (`CHOICES`' first); signed, a choice may lose less than the widest; decoder
   knobs reuse the encoder's latents and add no rate.
2. Start with every knob at its widest choice, but each weight at the choice
   losing the least PSNR whose rate increase fits the rate budget (every
   choice measured; ties go to the wider). A wider weight grid does not hold
   a narrower one (scale max|w|/(2^(b−1)−1)), so weights rounded or
   fine-tuned to 4 bits (`licc-train round`, `finetune --qat`) lose more at
   8 bits than at 4; activation and GDN scales are calibrated at build time,
   not fitted into a checkpoint, so their widest choice stands. If that start
   misses a budget, the widest choices are the start; if they miss it too,
   the budget is refused.
3. Greedy descent: of the moves that take one knob one choice further and
   keep both estimates (the start's losses plus the changes of the knobs'
   sensitivities, which may be gains) within their budgets, take the one
   saving most hardware per unit of budget spent (gains not counted), saving
   as the `Estimator` prices it (the compute stages' least resources at the
   uniform design's frame period, weighted towards the resources that bind
   for max-fps). A move's saving is re-priced only when
   the last move changed one of its stages.
4. Verification: measure the assignment on the fit images, then on the
   held-out ones; while either exceeds a budget (on the held-out images the
   drop's confidence bound), step one knob the descent moved back to the
   nearest wider choice that loses less (its start at the latest): the one
   giving up least of the descent's savings per unit of budget its
   sensitivities recover, and measure again.
5. The uniform assignment (``weights``, ``activations``, ``gdn``,
   ``gdn-inputs``) is a candidate too when it meets both budgets on both
   splits: both are solved exactly and the better design for the objective
   is the answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import t as student_t
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.errors import LiccError
from lic_compiler.quant.drive import codec_psnr, drive, to_pixels
from lic_compiler.quant.frame import measurement_copy
from lic_compiler.quant.plan import Knob, knobs
from lic_compiler.quant.score import Estimator, Score, Target, lower, solve_score, weights_for


@dataclass(frozen=True)
class Choice:
    """One option of a knob: an integer width. Another arithmetic (power-of-two weights,
    say) is one more subclass with its own `apply` and `record`, and one more entry in
    `CHOICES`."""

    bits: int

    def apply(self, knob: Knob) -> None:
        knob.apply(self.bits)

    @property
    def record(self) -> int | str:
        """How `lic.precision` records it."""
        return self.bits


def _widths(*bits: int) -> tuple[Choice, ...]:
    return tuple(Choice(b) for b in bits)


# Each knob kind's choices, most precise first: the descent moves one choice at a time.
CHOICES: dict[str, tuple[Choice, ...]] = {
    "weight": _widths(8, 6, 4, 3, 2),
    "act": _widths(16, 12, 10, 8, 6, 4),
    "gdn": _widths(16, 12, 10, 8, 6, 4),
}
# Knob kinds a checkpoint can be fitted to: each starts at its least lossy choice.
FITTED = ("weight",)
# A move spending less of the budgets counts as spending this much (moves are ranked per unit).
_MIN_SENSITIVITY = 1e-3
# Rates are compared relative to at least this many bits per pixel.
RATE_FLOOR = 0.01
# The share of the images held out of the search by default.
HELD_OUT = 0.5
# The held-out check's one-sided confidence level, by default.
CONFIDENCE = 0.95

Widths = dict[Knob, Choice]
Savings = dict[Knob, dict[Choice, float]]  # what the descent's move into a choice saved
Sensitivity = Callable[[Knob, Choice], tuple[float, float]]  # (dB, percent) lost at a choice


@dataclass(frozen=True)
class Quality:
    psnrs: tuple[float, ...]  # dB, per image
    bits: float  # the latent's empirical entropy, bits per image pixel

    @property
    def psnr(self) -> float:
        """The mean over the images."""
        return float(np.mean(self.psnrs))


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


def split(images: Sequence[np.ndarray], held_out: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(fit, held-out): every image whose running share of `held_out` ticks over is held out,
    so both halves sample the whole set; each keeps at least one image."""
    if len(images) < 2:
        raise LiccError(
            f"lic-assign-precision: hybrid mode fits on some images and checks on others, and got "
            f"{len(images)}; give it at least 2 (count=N, or a folder with more images)"
        )
    out = [int((i + 1) * held_out) > int(i * held_out) for i in range(len(images))]
    if all(out) or not any(out):
        out = [i % 2 == 1 for i in range(len(images))]
    return [x for x, o in zip(images, out) if not o], [x for x, o in zip(images, out) if o]


@dataclass(frozen=True)
class Check:
    """One assignment measured on one split against the float codec there."""

    images: int
    drop: float  # dB, mean over the images
    rate: float  # percent
    margin: float = 0.0  # dB: the confidence margin over the mean drop (0 on the fit images)

    @property
    def bound(self) -> float:
        """The drop the budget is held to: the mean plus the confidence margin."""
        return self.drop + self.margin

    def summary(self) -> dict:
        return {"images": self.images, "psnr_drop": self.drop, "rate_increase": self.rate} | (
            {"margin": self.margin, "psnr_drop_bound": self.bound} if self.margin else {}
        )


def confidence_margin(drops: Sequence[float], confidence: float) -> float:
    """One-sided Student-t margin on the mean of per-image drops: t(confidence, n−1)·s/√n
    (0 with fewer than two images or confidence 0, where no spread can be measured)."""
    n = len(drops)
    if n < 2 or confidence <= 0:
        return 0.0
    return float(student_t.ppf(confidence, n - 1) * np.std(drops, ddof=1) / np.sqrt(n))


@dataclass
class HybridResult:
    objective: str
    budget: float
    rate_budget: float  # percent
    fit: Check
    held_out: Check
    widths: dict[str, int | str]
    design: Score
    uniform: Score | None  # the uniform assignment's design, when it met the budgets
    chosen: str  # "search" or "uniform"
    measurements: int
    seconds: float
    # Where the descent started, when not at the widest choices: the knobs that differ, measured.
    start: dict[str, int | str] = field(default_factory=dict)
    start_checks: tuple[Check, Check] | None = None

    def summary(self) -> dict:
        return {
            "mode": "hybrid",
            "objective": self.objective,
            "max_psnr_drop": self.budget,
            "max_rate_increase": self.rate_budget,
            "psnr_drop": self.fit.drop,
            "rate_increase": self.fit.rate,
            "fit": self.fit.summary(),
            "held_out": self.held_out.summary(),
            "widths": self.widths,
            "design": self.design.summary(),
            "chosen": self.chosen,
        } | ({} if self.uniform is None else {"uniform_design": self.uniform.summary()}) | self._start_summary()

    def _start_summary(self) -> dict:
        if self.start_checks is None:
            return {}
        fit, held = self.start_checks
        return {"start": {"widths": self.start, "fit": fit.summary(), "held_out": held.summary()}}

    def report(self) -> str:
        lines = [
            f"lic-assign-precision: hybrid ({self.objective}), budget {self.budget:g} dB and {self.rate_budget:g} % "
            f"rate, fitted on {self.fit.images} images, checked on {self.held_out.images} held out "
            f"({self.measurements} integer-codec measurements, {self.seconds:.0f} s)",
        ]
        if self.start_checks is not None:
            fit, held = self.start_checks
            lines.append(
                f"  started at the widest choices but {', '.join(f'{k} {b}' for k, b in self.start.items())} bits "
                f"(their least lossy widths): fit drop {fit.drop:.4f} dB, held-out bound {held.bound:.4f} dB"
            )
        lines += [f"  {label:<24} {bits} bits" for label, bits in self.widths.items()]
        for name, c in (("fit", self.fit), ("held-out", self.held_out)):
            bound = f" (bound {c.bound:.4f} dB: + {c.margin:.4f} confidence margin)" if c.margin else ""
            lines.append(f"  {name} images: PSNR drop {c.drop:.4f} dB{bound}, rate {c.rate:+.3f} %")
        d = self.design
        line = f"  design: {d.fps:.2f} FPS, cost {d.cost:.3f} (DSP {d.used['dsp']}, LUT {d.used['lut']})"
        if self.uniform is not None:
            u = self.uniform
            line += f"; uniform: {u.fps:.2f} FPS, cost {u.cost:.3f} (DSP {u.used['dsp']}, LUT {u.used['lut']})"
        lines.append(line + ("; the uniform assignment is the answer" if self.chosen == "uniform" else ""))
        return "\n".join(lines)


def _psnrs(runs) -> tuple[float, ...]:
    values = codec_psnr(runs)
    if values is None:
        raise LiccError(
            "lic-assign-precision: hybrid mode measures the codec's PSNR through @encoder and @decoder; "
            "import both (licc --part encoder,decoder) or use mode=uniform"
        )
    return tuple(float(v) for v in values)


def _pixels(images: Sequence[np.ndarray]) -> int:
    return sum(x.shape[2] * x.shape[3] for x in images)


@dataclass
class _Measurer:
    """The integer codec's quality on some images for width assignments of a float module.

    The encoder's latents are kept per assignment of the encoder's knobs, so a
    decoder knob's measurement runs only the decoder.
    """

    module: ModuleOp  # at the images' size
    copies: dict[Knob, Knob]  # search knob → the same knob of `module`
    images: Sequence[np.ndarray]
    reference: Quality  # the float codec's
    confidence: float  # of the checks' margins (0: the mean drop)
    count: int = 0
    _latents: dict[tuple, list[np.ndarray]] = field(default_factory=dict)

    @classmethod
    def on(
        cls, module: ModuleOp, all_knobs: list[Knob], images: Sequence[np.ndarray], confidence: float = 0.0
    ) -> _Measurer:
        measured, fitted = measurement_copy(module, images)
        runs = drive(measured, fitted)
        reference = Quality(
            _psnrs(runs), latent_bits([np.round(y) for y in runs["encoder"][1]], _pixels(fitted))
        )
        return cls(measured, dict(zip(all_knobs, knobs(measured))), fitted, reference, confidence)

    def __call__(self, widths: Widths) -> Quality:
        from lic_compiler.interpreter import make_interpreter
        from lic_compiler.passes.quantize import quantize

        self.count += 1
        for knob, choice in widths.items():
            choice.apply(self.copies[knob])
        lowered = self.module.clone()
        quantize(lowered)
        interpreter = make_interpreter(lowered)
        pixels = [to_pixels(x) for x in self.images]
        key = tuple(c.record for knob, c in widths.items() if knob.function == "encoder")
        if key not in self._latents:
            self._latents[key] = [interpreter.call_op("encoder", (x,))[0] for x in pixels]
        latents = self._latents[key]
        decoded = [interpreter.call_op("decoder", (q,))[0] for q in latents]
        psnrs = _psnrs({"encoder": (pixels, []), "decoder": ([], decoded)})
        return Quality(psnrs, latent_bits(latents, _pixels(self.images)))

    def check(self, widths: Widths) -> Check:
        return self.against(self(widths))

    def against(self, q: Quality) -> Check:
        """A measured quality against the float codec's on these images."""
        drops = np.subtract(self.reference.psnrs, q.psnrs)
        return Check(
            len(self.images), float(np.mean(drops)), rate_increase(q.bits, self.reference.bits),
            confidence_margin(drops, self.confidence),
        )


@dataclass
class _Move:
    """A knob's next choice, priced: the compute stages it changes and what it saves."""

    start: Choice  # the knob's choice it was priced from
    costs: dict[tuple[str, str], tuple[tuple, float]]  # changed stage → (signature, cost)
    saving: float


class _Hardware:
    """Scores of assignments of `module`'s knobs on the target: exact, and the descent's estimate."""

    def __init__(self, module: ModuleOp, all_knobs: list[Knob], target: Target, uniform: Widths):
        self.module, self.knobs, self.target = module, all_knobs, target
        self.uniform = self.exact(uniform, "max-fps")
        cycles = self.uniform.cycles
        if target.objective == "min-resources" and target.target_fps is not None:
            cycles = int(self.uniform.fps * self.uniform.cycles // target.target_fps)
        self.estimator = Estimator(target, cycles, weights_for(self.uniform, target, target.objective))

    def _lowered(self, widths: Widths) -> ModuleOp:
        for knob, choice in widths.items():
            choice.apply(knob)
        return lower(self.module, self.target.frame)

    def exact(self, widths: Widths, objective: str | None = None) -> Score:
        hls_module = self._lowered(widths)
        if (objective or self.target.objective) == "max-fps":
            return solve_score(hls_module, self.target, "max-fps")
        # Just below the uniform design's rate: its own cycle count, whatever the float rounding.
        rate = self.target.target_fps or self.uniform.fps * (1 - 1e-9)
        try:
            return solve_score(hls_module.clone(), self.target, "min-resources", rate)
        except LiccError:
            # The least-cost search re-solves with the converters' and FIFOs' share reserved
            # and can miss a rate the fastest design meets: that design then stands.
            fastest = solve_score(hls_module, self.target, "max-fps")
            if fastest.fps < rate:
                raise
            return fastest

    def stages(self, widths: Widths) -> dict[tuple[str, str], tuple[tuple, float]]:
        return self.estimator.stage_costs(self._lowered(widths))


def _check_reachable(checks: Sequence[Check], budget: float, rate_budget: float) -> None:
    """Refuse a budget the starts miss, naming the best reachable drop (or rate)."""
    drop, rate = max(c.bound for c in checks), max(c.rate for c in checks)
    widest = ", ".join(f"{kind} {choices[0].record}" for kind, choices in CHOICES.items() if kind not in FITTED)
    fitted = " and ".join(f"each {kind}" for kind in FITTED)
    for name, given, best, unit in (("max-psnr-drop", budget, drop, " dB"), ("max-rate-increase", rate_budget, rate, " %")):
        if best > given:
            what = "drop" if unit == " dB" else "rate increase"
            raise LiccError(
                f"lic-assign-precision: {name}={given:g} is out of reach: the best reachable {what} is "
                f"{best:.4f}{unit} (the search's start: {widest} bits, {fitted} at its widest or its least "
                f"lossy width, on the fit images and, with its confidence margin, on the held-out ones); "
                f"raise {name} to at least {best:.4f}"
            )


def hybrid_search(
    module: ModuleOp,
    all_knobs: list[Knob],
    images: Sequence[np.ndarray],
    budget: float,
    rate_budget: float,
    target: Target,
    uniform: dict[Knob, int],
    held_out: float = HELD_OUT,
    confidence: float = CONFIDENCE,
    held_images: Sequence[np.ndarray] | None = None,
) -> HybridResult:
    """Choose every knob's width of `module` (see the module docstring) and apply it: fitted
    on `images` and checked on `held_images`, or without them on a `held_out` share of `images`."""
    began = time.perf_counter()
    fit_images, held_images = split(images, held_out) if held_images is None else (list(images), held_images)
    fit = _Measurer.on(module, all_knobs, fit_images)
    held = _Measurer.on(module, all_knobs, held_images, confidence)

    def fits(c: Check) -> bool:
        return c.bound <= budget and c.rate <= rate_budget

    top: Widths = {k: CHOICES[k.kind][0] for k in all_knobs}
    base, sens = sensitivities(fit, top)
    tried: list[tuple[Widths, tuple[Check, Check]]] = []
    fitted = _start(all_knobs, sens, rate_budget)
    for widths in [fitted, top] if fitted != top else [top]:
        tried.append((widths, (fit.against(base) if widths == top else fit.check(widths), held.check(widths))))
        if all(fits(c) for c in tried[-1][1]):
            break
    else:  # neither start fits: the error names the nearer
        nearer = min((checks for _, checks in tried), key=lambda cs: max(c.bound for c in cs))
        _check_reachable(nearer, budget, rate_budget)
    start, (first, _) = tried[-1]
    hardware = _Hardware(module, all_knobs, target, {k: Choice(b) for k, b in uniform.items()})
    current, savings = _descend(hardware, dict(start), sens, (first.drop, first.rate), budget, rate_budget)
    on_fit = fit.check(current)
    while not fits(on_fit):
        _raise_one(current, start, savings, sens, budget, rate_budget)
        on_fit = fit.check(current)
    checked = (on_fit, held.check(current))
    while not (fits(checked[0]) and fits(checked[1])):
        _raise_one(current, start, savings, sens, budget, rate_budget)
        checked = (fit.check(current), held.check(current))
    design = hardware.exact(current)
    chosen, uniform_score = "search", None
    uniform_widths = {k: Choice(b) for k, b in uniform.items()}
    u_checked = (fit.check(uniform_widths), held.check(uniform_widths))
    if all(fits(c) for c in u_checked):
        uniform_score = hardware.exact(uniform_widths)
        if _better(uniform_score, design, target.objective):
            current, design, chosen, checked = uniform_widths, uniform_score, "uniform", u_checked
    for knob, choice in current.items():
        choice.apply(knob)
    return HybridResult(
        objective=target.objective,
        budget=budget,
        rate_budget=rate_budget,
        fit=checked[0],
        held_out=checked[1],
        widths={k.label: current[k].record for k in all_knobs},
        design=design,
        uniform=uniform_score,
        chosen=chosen,
        measurements=fit.count + held.count,
        seconds=time.perf_counter() - began,
        start={k.label: start[k].record for k in all_knobs if start[k] != top[k]},
        start_checks=None if start == top else tried[-1][1],
    )


def sensitivities(measure: _Measurer, top: Widths) -> tuple[Quality, Sensitivity]:
    """The quality of `top` on `measure`'s images, and step 1's sensitivity, measured on demand
    and kept: the PSNR lost and the rate added when only one knob leaves `top`."""
    base = measure(top)
    known: dict[tuple[Knob, Choice], tuple[float, float]] = {(k, c): (0.0, 0.0) for k, c in top.items()}

    def sens(knob: Knob, choice: Choice) -> tuple[float, float]:
        if (knob, choice) not in known:
            q = measure({**top, knob: choice})
            known[knob, choice] = (base.psnr - q.psnr, rate_increase(q.bits, base.bits))
        return known[knob, choice]

    return base, sens


def _spent(losses: tuple[float, float], budget: float, rate_budget: float) -> float:
    """Losses (dB, percent) as the fraction of the budgets they spend; a gain spends nothing
    (a rate saved is PSNR lost: it must not pay for PSNR in a ranking)."""
    return max(0.0, losses[0]) / budget + max(0.0, losses[1]) / rate_budget


def _start(all_knobs: list[Knob], sens: Sensitivity, rate_budget: float) -> Widths:
    """Step 2 of the module docstring: the widest choices, each knob of a `FITTED` kind at the
    choice losing the least PSNR whose rate increase fits `rate_budget` (the wider on a tie)."""
    def start_of(k: Knob) -> Choice:
        if k.kind not in FITTED:
            return CHOICES[k.kind][0]
        return min((c for c in CHOICES[k.kind] if sens(k, c)[1] <= rate_budget), key=lambda c: sens(k, c)[0])

    return {k: start_of(k) for k in all_knobs}


def _descend(
    hardware: _Hardware, current: Widths, sens: Sensitivity, estimate: tuple[float, float],
    budget: float, rate_budget: float,
) -> tuple[Widths, Savings]:
    """Step 3 of the module docstring: from `current`, take one knob one choice further at a
    time, the move saving most per unit of budget spent, while the estimate fits; also what
    each move taken saved, by knob and the choice it moved to."""
    here = hardware.stages(current)
    savings: Savings = {}
    moves: dict[Knob, _Move] = {}
    changed: set[tuple[str, str]] = set(here)
    while True:
        best: tuple[float, Knob, Choice, tuple[float, float]] | None = None
        for knob in hardware.knobs:
            choices = CHOICES[knob.kind]
            step = choices.index(current[knob]) + 1
            if step == len(choices):
                continue
            nxt = choices[step]
            extra = (sens(knob, nxt)[0] - sens(knob, current[knob])[0],
                     sens(knob, nxt)[1] - sens(knob, current[knob])[1])
            if estimate[0] + extra[0] > budget or estimate[1] + extra[1] > rate_budget:
                continue
            move = moves.get(knob)
            if move is None or move.start != current[knob] or changed & move.costs.keys():
                after = hardware.stages({**current, knob: nxt})
                diff = {s: v for s, v in after.items() if here.get(s, (None,))[0] != v[0]}
                saving = sum(here[s][1] - v[1] for s, v in diff.items() if s in here)
                move = moves[knob] = _Move(current[knob], diff, saving)
            if move.saving <= 0:
                continue
            score = move.saving / max(_spent(extra, budget, rate_budget), _MIN_SENSITIVITY)
            if best is None or score > best[0]:
                best = (score, knob, nxt, extra)
        if best is None:
            return current, savings
        _, knob, nxt, extra = best
        changed = set(moves[knob].costs)
        here = {**here, **moves[knob].costs}
        current[knob] = nxt
        savings.setdefault(knob, {})[nxt] = moves[knob].saving
        estimate = (estimate[0] + extra[0], estimate[1] + extra[1])


def _raise_one(
    current: Widths, start: Widths, savings: Savings, sens: Sensitivity, budget: float, rate_budget: float,
) -> None:
    """Step 4's step back. Each knob the descent moved may go back to the nearest wider choice
    that loses less (or else its start); take the one giving up least of the descent's
    savings per unit of budget it recovers (by the sensitivities), so that a cheap precision
    goes back before one the frame rate depends on."""
    def spent(knob: Knob, choice: Choice) -> float:
        return _spent(sens(knob, choice), budget, rate_budget)

    best: tuple[tuple[float, float], Knob, Choice] | None = None
    for knob in (k for k in current if current[k] != start[k]):
        choices = CHOICES[knob.kind]
        wider = choices[choices.index(start[knob]):choices.index(current[knob])]
        better = [c for c in reversed(wider) if spent(knob, c) < spent(knob, current[knob])]
        back = better[0] if better else start[knob]
        recovered = spent(knob, current[knob]) - spent(knob, back)
        if recovered <= 0:
            continue
        undone = choices[choices.index(back) + 1:choices.index(current[knob]) + 1]
        cost = sum(savings.get(knob, {}).get(c, 0.0) for c in undone)
        rank = (max(cost, 0.0) / recovered, -recovered)
        if best is None or rank < best[0]:
            best = (rank, knob, back)
    if best is None:  # no step back recovers budget by the sensitivities: the most sensitive goes back
        knob = max((k for k in current if current[k] != start[k]), key=lambda k: spent(k, current[k]))
        current[knob] = start[knob]
    else:
        current[best[1]] = best[2]


def _better(a: Score, b: Score, objective: str) -> bool:
    """Whether design `a` beats `b`: faster (max-fps), cheaper at the same rate (min-resources);
    ties go to the cheaper / faster one."""
    if objective == "max-fps":
        return (a.fps, -a.cost) > (b.fps, -b.cost)
    return (-a.cost, a.fps) > (-b.cost, b.fps)
