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
- ``mode=hybrid``: the cheapest assignment whose codec PSNR on the
  calibration images (encoder → integer latent → decoder, the real integer
  codec) is at most ``max-psnr-drop`` dB below the float codec's, and whose
  latent costs at most ``max-rate-increase`` percent more bits, searched
  as `lic_compiler.quant.search` describes, costed by the hardware model
  (`lic_compiler.quant.cost`) on ``device``. The hyper-transforms' widths
  change the rate, not this PSNR: they keep the uniform widths.

The module attribute ``lic.precision`` records the mode, the widths per
knob, and, when measured, the PSNR drop and the hardware cost.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from lic_compiler.calibration import CALIBRATION_COUNT, load_images
from lic_compiler.errors import LiccError
from lic_compiler.quant import attrs
from lic_compiler.quant.plan import fix_interfaces, knobs, uniform_widths

MODES = ("uniform", "hybrid")
GDN_INPUTS = ("act", "gdn")
# The functions whose widths change the PSNR the hybrid budget measures; the
# hyper-transforms' change the rate only, and keep the uniform widths.
SEARCHED = ("encoder", "decoder")
WIDTH_RANGE = (2, 16)


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
    device: str = "zcu102"

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

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.check()
        fix_interfaces(op)
        all_knobs = knobs(op)
        widths = {"weight": self.weights, "act": self.activations, "gdn": self.gdn}
        uniform = uniform_widths(all_knobs, widths, self.gdn_inputs == "gdn")
        for knob, bits in uniform.items():
            knob.apply(bits)
        if self.mode == "uniform":
            summary = {"mode": "uniform", "widths": {k.label: bits for k, bits in uniform.items()}}
        else:
            from lic_compiler.quant.search import hybrid_search

            images = load_images(self.images or None, self.count)
            searched = [k for k in all_knobs if k.function in SEARCHED]
            result = hybrid_search(
                op, searched, images, float(self.max_psnr_drop), float(self.max_rate_increase), self.device,
                {k: uniform[k] for k in searched},
            )
            summary = result.summary()
            print(result.report(), file=sys.stderr)
        attrs.put(op, attrs.PRECISION, summary)
