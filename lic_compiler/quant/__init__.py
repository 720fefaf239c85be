"""Numeric helpers of the integer lowering (`lic-calibrate`, `lic-assign-precision`, `lic-quantize`).

- `ranges`: value statistics of a tensor over calibration images (min, max,
  a high percentile, MSE-optimal clipping thresholds per bit width);
- `fixed`: scales, per-channel weight quantization, rescale multipliers and shifts;
- `attrs`: the IR attributes the passes write and read;
- `drive`: running a codec's functions on images, float or integer;
- `simulate`: the float codec with chosen tensors quantised (sensitivity);
- `cost`: the hardware cost of a width assignment ([F]'s cost model);
- `search`: the hybrid-precision search.

See docs/quantization.md.
"""
