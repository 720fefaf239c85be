"""`lic-assign-precision`: a bit width for every tensor of the codec.

Writes ``lic.weight_bits`` and ``lic.bits`` on the float ops (see
`lic_compiler.quant.plan` for the knobs: each conv's weights, each
activation, each GDN path) and the widths nobody chooses: the decoder's
8-bit pixels and each integer latent's width (from its calibrated range).
Accumulators are not chosen: `lic-quantize` gives each the narrowest width
the verifier proves.

- ``mode=uniform``: ``weights``, ``activations`` and ``gdn`` bits everywhere
  (default W8A8 with a 16-bit GDN path). With ``gdn-inputs=gdn`` (the
  default) each GDN's input x is part of its path and gets ``gdn`` bits: x
  feeds only x² and x·f inside the GDN unit, so its width costs no conv any
  MACs, and it is where 8 bits lose most (docs/quantization.md);
  ``gdn-inputs=act`` gives it ``activations``.
- ``mode=hybrid``: per knob, the choice (`lic_compiler.quant.search.CHOICES`)
  that gives the best design for ``objective`` — ``max-fps``: the fastest;
  ``min-resources``: the cheapest at the uniform assignment's frame rate (or
  ``target-fps``) — solved as `lic-set-parallelism` solves the emitted
  design (``device``, ``clock-mhz``, ``util-cap``, ``scope``, at ``frame``,
  default the module's), among those whose codec PSNR (encoder → integer
  latent → decoder, the real integer codec) is at most ``max-psnr-drop`` dB
  below the float codec's and whose latent costs at most
  ``max-rate-increase`` percent more bits, on the images it fits (``images``,
  ``count``: the calibration crops) and on held-out images it never fits
  (there: the mean drop plus a one-sided ``confidence`` margin from the
  per-image spread): ``held-out-images=photos`` (the default) the 16 shipped
  whole photographs (`HELD_OUT_DIR`), a folder every image of, or ``split``
  a ``held-out`` share of the search images. See
  `lic_compiler.quant.search`. The hyper-transforms' widths change the rate,
  not this PSNR: they keep the uniform widths.
- ``file=PATH``: the uniform widths, then each knob a precision file
  (`lic_compiler.quant.precision_file`, e.g. what `licc-train finetune --qat`
  trained through) names at its width; ``mode`` must stay uniform.

The module attribute ``lic.precision`` records the mode, the widths per
knob, and for hybrid the drops and rates measured on both splits and the
solved design (FPS, resources) of the answer and of the uniform assignment.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from lic_compiler.calibration import CALIBRATION_COUNT, HELD_OUT_DIR, load_images
from lic_compiler.errors import LiccError
from lic_compiler.quant import attrs
from lic_compiler.quant.plan import fix_interfaces, knobs, uniform_widths
from lic_compiler.quant.precision_file import WIDTH_RANGE, knobs_of, read_precision
from lic_compiler.quant.score import Target
from lic_compiler.quant.search import CONFIDENCE, HELD_OUT, hybrid_search

MODES = ("uniform", "hybrid")
GDN_INPUTS = ("act", "gdn")
# The functions whose widths change the PSNR the hybrid budget measures; the
# hyper-transforms' change the rate only, and keep the uniform widths.
SEARCHED = ("encoder", "decoder")


@dataclass(frozen=True)
class AssignPrecisionPass(ModulePass):
    """Choose the bit width of every weight, activation and GDN path: uniform, or hybrid under a PSNR budget."""

    name = "lic-assign-precision"

    mode: str = "uniform"
    weights: int = 8
    activations: int = 8
    gdn: int = 16
    gdn_inputs: str = "gdn"
    # `int | float`: xDSL does not widen an integer literal to float.
    max_psnr_drop: int | float = 0.05
    max_rate_increase: int | float = 0.5  # percent
    images: str = ""
    count: int = CALIBRATION_COUNT
    held_out: int | float = HELD_OUT  # the share of `images` held out with held-out-images=split
    held_out_images: str = "photos"  # photos (the shipped ones), split, or a folder
    confidence: int | float = CONFIDENCE  # of the held-out drop's bound; 0: the mean drop
    objective: str = "max-fps"
    # The design's target, as lic-set-parallelism's options (licc passes its own).
    device: str = "zcu102"
    clock_mhz: int | float | None = None
    util_cap: int | float | None = None
    scope: str = "joint"
    target_fps: int | float | None = None
    frame: str = ""  # WxH the design is built for; default the module's
    file: str = ""  # a precision file: its widths over the uniform ones

    def check(self) -> None:
        if self.mode not in MODES:
            raise LiccError(f"lic-assign-precision: mode must be one of {', '.join(MODES)}, got '{self.mode}'")
        lo, hi = WIDTH_RANGE
        for name in ("weights", "activations", "gdn"):
            if not lo <= getattr(self, name) <= hi:
                raise LiccError(
                    f"lic-assign-precision: {name}={getattr(self, name)} is outside [{lo}, {hi}] bits"
                )
        if self.gdn_inputs not in GDN_INPUTS:
            raise LiccError(
                f"lic-assign-precision: gdn-inputs must be one of {', '.join(GDN_INPUTS)}, got '{self.gdn_inputs}'"
            )
        for name in ("max_psnr_drop", "max_rate_increase"):
            if getattr(self, name) <= 0:
                raise LiccError(
                    f"lic-assign-precision: {name.replace('_', '-')} must be positive, got {getattr(self, name)}"
                )
        if not 0 <= self.confidence < 1:
            raise LiccError(
                f"lic-assign-precision: confidence is the held-out check's one-sided level, in [0, 1) "
                f"(0: the mean drop), got {self.confidence}"
            )
        if self.file and self.mode != "uniform":
            raise LiccError(
                f"lic-assign-precision: file= gives the widths, mode={self.mode} would choose them; drop one of the two"
            )
        if not 0 < self.held_out < 1:
            raise LiccError(
                f"lic-assign-precision: held-out is the share of the images kept from the search, in (0, 1), "
                f"got {self.held_out}"
            )
        if self.held_out_images not in ("photos", "split") and not Path(self.held_out_images).is_dir():
            raise LiccError(
                f"lic-assign-precision: held-out-images={self.held_out_images} is not a folder; give photos (the "
                "shipped whole photographs), split (a held-out share of the search images) or a folder of images"
            )
        self.target().check()

    def _held_out_folder(self) -> str:
        return str(HELD_OUT_DIR) if self.held_out_images == "photos" else self.held_out_images

    def target(self) -> Target:
        frame = None
        if self.frame:
            from lic_compiler.frontend import parse_frame

            frame = parse_frame(self.frame)
        return Target(
            self.device, _opt(self.clock_mhz), _opt(self.util_cap), self.scope, self.objective,
            _opt(self.target_fps), frame,
        )

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.check()
        from_file = read_precision(self.file) if self.file else None
        fix_interfaces(op)
        all_knobs = knobs(op)
        widths = {"weight": self.weights, "act": self.activations, "gdn": self.gdn}
        uniform = uniform_widths(all_knobs, widths, self.gdn_inputs == "gdn")
        for knob, bits in uniform.items():
            knob.apply(bits)
        if from_file is not None:
            chosen = knobs_of(op, from_file)
            for knob, bits in chosen.items():
                knob.apply(bits)
            labelled = {k.label: bits for k, bits in [*uniform.items(), *chosen.items()]}
            summary = {"mode": "file", "file": self.file, "widths": labelled}
        elif self.mode == "uniform":
            summary = {"mode": "uniform", "widths": {k.label: bits for k, bits in uniform.items()}}
        else:
            images = load_images(self.images or None, self.count)
            held = None if self.held_out_images == "split" else load_images(self._held_out_folder(), None)
            searched = [k for k in all_knobs if k.function in SEARCHED]
            result = hybrid_search(
                op, searched, images, float(self.max_psnr_drop), float(self.max_rate_increase), self.target(),
                {k: uniform[k] for k in searched}, float(self.held_out), float(self.confidence), held,
            )
            summary = result.summary()
            print(result.report(), file=sys.stderr)
        attrs.put(op, attrs.PRECISION, summary)


def _opt(value: int | float | None) -> float | None:
    return None if value is None else float(value)
