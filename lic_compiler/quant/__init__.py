"""Numeric helpers of the integer lowering (`lic-calibrate`, `lic-assign-precision`, `lic-quantize`).

- `ranges`: value statistics of a tensor over calibration images (min, max,
  a high percentile, MSE-optimal clipping thresholds per bit width);
- `fixed`: scales, per-channel weight quantization, rescale multipliers and shifts;
- `attrs`: the IR attributes the passes write and read;
- `drive`: running a codec's functions on images, float or integer;
- `score`: a width assignment's emitted design, solved on the device (and
  the search's per-stage estimate);
- `search`: the hybrid-precision search;
- `stages`: float ops as hardware stages (small problems for the solver's tests).

See docs/quantization.md.
"""
