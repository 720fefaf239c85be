"""Numeric helpers of the lowering, and the three passes on small codecs."""

from pathlib import Path

import numpy as np
import pytest
import torch

from lic_compiler.calibration import load_images
from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.frontend import import_model
from lic_compiler.interpreter import run
from lic_compiler.ir import make_context, parse_module
from lic_compiler.models import build
from lic_compiler.passes.quantize import BIAS_HEADROOM_BITS, quantize
from lic_compiler.quant import attrs
from lic_compiler.quant.drive import codec_psnr, drive, functions, reconstruction_pixels
from lic_compiler.quant.fixed import multiplier_shift, quantize_weights
from lic_compiler.quant.frame import at_frame
from lic_compiler.quant.plan import knobs, roles
from lic_compiler.quant.ranges import TensorStats, levels, mse_clip
from lic_compiler.registry import parse_pipeline

CODEC = Path(__file__).parents[1] / "lit" / "passes" / "Inputs" / "codec.mlir"


def apply(module, pipeline: str):
    parse_pipeline(pipeline).apply(make_context(), module)
    return module


def tiny_codec():
    return parse_module(CODEC.read_text())


# --- helpers -------------------------------------------------------------------------


@pytest.mark.parametrize("bits", [3, 4, 6, 8])
def test_mse_clip_is_the_brute_force_optimum_on_a_laplacian(bits):
    x = np.random.default_rng(bits).laplace(size=200_000)
    magnitudes = np.sort(np.abs(x))
    peak = magnitudes[-1]
    chosen = mse_clip(magnitudes, peak, bits, signed=True)

    def error(t: float) -> float:
        step = t / levels(bits, True)
        q = np.clip(np.round(x / step), -levels(bits, True), levels(bits, True)) * step
        return float(np.mean((q - x) ** 2))

    best = min(error(t) for t in np.linspace(peak / 50, peak, 400))
    assert error(chosen) <= 1.02 * best
    assert chosen < peak  # clipping pays on a heavy tail


def test_tensor_stats_are_exact_at_the_extremes():
    stats = TensorStats()
    for seed in range(3):
        stats.add(np.random.default_rng(seed).normal(size=(1, 4, 300, 300)) * (seed + 1))
    summary = stats.summary()
    assert summary["min"] < -10 and summary["max"] > 10
    assert 0 < summary["p9999"] <= max(-summary["min"], summary["max"])
    assert set(summary["mse_clip"]) == {f"b{b}" for b in range(2, 17)}


@pytest.mark.parametrize("real", [1e-9, 3.7e-5, 0.5, 0.999999, 1.0, 123.456, 40000.0])
def test_multiplier_shift_is_accurate_and_within_rescales_limits(real):
    m, s = multiplier_shift(real)
    assert 0 <= m < 2**31 and 0 <= s <= 62
    assert abs(m / 2**s - real) <= real * 2**-14
    if real < 2**14:
        assert 2**14 <= m < 2**15


def test_per_channel_weight_quantization():
    w = np.random.default_rng(0).normal(size=(5, 3, 2, 2))
    w[2] = 0.0
    q, scale = quantize_weights(w, 6, axis=0)
    assert np.abs(q).max() == 31 and q[2].max() == 0 and scale[2] == 1.0
    assert np.all(np.abs(q[[0, 1, 3, 4]]).reshape(4, -1).max(axis=1) == 31)
    assert np.allclose(q * scale.reshape(-1, 1, 1, 1), w, atol=scale.max() / 2)
    qt, st = quantize_weights(w.transpose(1, 0, 2, 3), 6, axis=1)  # transposed conv layout
    assert np.array_equal(qt, q.transpose(1, 0, 2, 3)) and np.array_equal(st, scale)


# --- roles, frames -----------------------------------------------------------------------


def test_roles_and_knobs_of_a_decomposed_codec():
    module = tiny_codec()
    encoder = functions(module)["encoder"]
    assert list(roles(encoder).values()) == ["conv", "square", "norm", "root", "gdn_out", "latent"]
    assert [k.label for k in knobs(module)] == [
        "@encoder weight 1", "@encoder act 1", "@encoder gdn 1", "@encoder act 2", "@encoder weight 2",
        "@decoder weight 1", "@decoder act 1", "@decoder gdn 1", "@decoder act 2", "@decoder weight 2",
    ]


def test_at_frame_gives_the_same_values_on_a_crop_inside_the_receptive_field():
    module = tiny_codec()
    big = at_frame(module, (64, 32))
    assert lic.tensor_shape(functions(big)["decoder"].body.block.args[0]) == (1, 2, 8, 16)
    image = load_images(count=1, size=(64, 32))[0]
    small_out = run(module, "encoder", np.ascontiguousarray(image[:, :, :16, :16]))[0]
    big_out = run(big, "encoder", image)[0]
    # 1×1 and 2×2 stride-2 kernels: the first 4×4 latent pixels see only the first 16×16 pixels.
    np.testing.assert_allclose(big_out[:, :, :4, :4], small_out, rtol=1e-6)


# --- the passes on a codec ------------------------------------------------------------------


def test_uniform_w8a8_integer_codec_stays_close_to_float():
    images = load_images(count=4)
    module = apply(tiny_codec(), "lic-calibrate{count=4},lic-assign-precision")
    float_psnr = np.mean(codec_psnr(drive(tiny_codec(), images)))
    quantize(module)
    integer_psnr = np.mean(codec_psnr(drive(module, images)))
    assert abs(float_psnr - integer_psnr) < 0.2
    module.verify()


def test_quantized_ir_is_deterministic_and_narrow_widths_move_it_from_float():
    images = load_images(count=2)
    a = apply(tiny_codec(), "lic-calibrate{count=2},lic-assign-precision,lic-quantize")
    b = apply(tiny_codec(), "lic-calibrate{count=2},lic-assign-precision,lic-quantize")
    from lic_compiler.ir import print_module

    assert print_module(a) == print_module(b)
    narrow = apply(tiny_codec(), "lic-calibrate{count=2},lic-assign-precision{weights=3 activations=3 gdn=6},lic-quantize")
    # The untrained codec's PSNR against the image means nothing; its distance to the float codec's output does.
    reference = drive(tiny_codec(), images)["decoder"][1]

    def error(module) -> float:
        outputs = drive(module, images)["decoder"][1]
        pairs = zip(outputs, reference)
        return sum(float(np.mean((reconstruction_pixels(y).astype(float) - reconstruction_pixels(r)) ** 2)) for y, r in pairs)

    assert error(a) < 1.0 < error(narrow)  # pixel MSE: W8A8 within one level², 3 bits far off


def test_hyperprior_parts_lower_to_integers():
    torch.manual_seed(0)
    model = build("bmshj2018-hyperprior", 8, 12)
    module = import_model(model, frame=(128, 128)).module
    apply(module, "convert-torch-to-lic,lic-rewrite-gdn{measure=false},lic-calibrate{count=2},lic-assign-precision,lic-quantize")
    images = load_images(count=2)
    runs = drive(module, images)
    assert set(runs) == {"encoder", "decoder", "hyper_encoder", "hyper_decoder"}
    for name, (inputs, outputs) in runs.items():
        assert inputs[0].dtype.kind in "iu" and outputs[0].dtype.kind in "iu", name
    scales = runs["hyper_decoder"][1]
    again = drive(module, images)["hyper_decoder"][1]
    assert all(np.array_equal(a, b) for a, b in zip(scales, again))
    f = functions(module)
    assert attrs.get(f["hyper_decoder"], attrs.RESULT_SCALES)[0] > 0
    assert f["hyper_encoder"].function_type.inputs.data[0] == f["encoder"].function_type.outputs.data[0]


def test_quantize_without_calibration_says_what_to_run():
    with pytest.raises(LiccError, match="run lic-calibrate first"):
        apply(tiny_codec(), "lic-assign-precision")


def test_licc_precision_options_reach_the_passes():
    from lic_compiler.driver import DEFAULT_PIPELINE, with_options

    pipeline = with_options(DEFAULT_PIPELINE, "lic-assign-precision", "mode=hybrid max-psnr-drop=0.1")
    assert "lic-assign-precision{mode=hybrid max-psnr-drop=0.1}" in pipeline
    assert with_options(pipeline, "lic-assign-precision", "weights=4") == pipeline  # already has options
    assert with_options(DEFAULT_PIPELINE, "lic-calibrate", "") == DEFAULT_PIPELINE
    passes = parse_pipeline(pipeline).passes
    assign = next(p for p in passes if p.name == "lic-assign-precision")
    assert assign.mode == "hybrid" and assign.max_psnr_drop == 0.1


def _norm_bits(module) -> int:
    acc = next(op for op in module.walk() if op.results and op.results[0].name_hint == "igdn_norm_acc")
    return acc.results[0].type.element_type.width.data


def test_a_channel_whose_weights_vanish_next_to_its_bias_outputs_the_bias():
    # Trained GDNs end up with γ rows near 1e-12 (the bundled student's last
    # IGDN): their weight scale must not make β alone need 59 bits.
    rows = ",".join("[" + ",".join(["[[1.0e-12]]" if r == 0 else "[[0.05]]"] * 4) + "]" for r in range(4))
    text = CODEC.read_text().replace(
        "%igdn_gamma = lic.constant dense<0.05>", f"%igdn_gamma = lic.constant dense<[{rows}]>"
    )
    assert text != CODEC.read_text()
    images = load_images(count=2)
    module = apply(parse_module(text), "lic-calibrate{count=2},lic-assign-precision,lic-quantize")
    module.verify()
    gamma = next(op for op in module.walk() if isinstance(op, lic.ConstantOp) and op.results[0].name_hint == "igdn_gamma")
    from lic_compiler.ir import to_numpy

    q = to_numpy(gamma.value)
    assert not q[0].any() and q[1:].all()
    healthy = apply(tiny_codec(), "lic-calibrate{count=2},lic-assign-precision,lic-quantize")
    assert _norm_bits(module) <= _norm_bits(healthy) + BIAS_HEADROOM_BITS
    float_psnr = np.mean(codec_psnr(drive(parse_module(text), images)))
    assert abs(np.mean(codec_psnr(drive(module, images))) - float_psnr) < 0.2


def test_per_channel_activation_scales_resolve_narrow_channels():
    images = load_images(count=2)
    float_psnr = np.mean(codec_psnr(drive(tiny_codec(), images)))
    module = apply(tiny_codec(), "lic-calibrate{count=2},lic-assign-precision,lic-quantize{clip=mse}")
    module.verify()
    per_tensor = apply(tiny_codec(), "lic-calibrate{count=2},lic-assign-precision,lic-quantize{scales=tensor clip=mse}")
    # The first conv's activation: the narrow channel (peak 0.07 of the tensor's 0.41) gets a
    # finer scale, i.e. a larger rescale factor; the widest channel keeps the tensor's.
    finer = _rescale_factors(module, "conv") / _rescale_factors(per_tensor, "conv")
    assert finer.max() > 2 and abs(finer.min() - 1) < 0.01
    assert abs(np.mean(codec_psnr(drive(module, images))) - float_psnr) < 0.2


def _rescale_factors(module, hint: str) -> np.ndarray:
    rescale = next(op for op in module.walk() if isinstance(op, lic.RescaleOp) and op.results[0].name_hint == hint)
    multipliers, shifts, _ = rescale.params()
    return np.array(multipliers, np.float64) / 2.0 ** np.array(shifts)


def test_per_channel_scales_keep_one_scale_on_returned_tensors():
    torch.manual_seed(0)
    module = import_model(build("bmshj2018-hyperprior", 8, 12), frame=(128, 128)).module
    apply(module, "convert-torch-to-lic,lic-rewrite-gdn{measure=false},lic-calibrate{count=2},"
                  "lic-assign-precision,lic-quantize")
    assert attrs.get(functions(module)["hyper_decoder"], attrs.RESULT_SCALES)[0] > 0


def test_unknown_activation_scales_are_refused():
    with pytest.raises(LiccError, match="scales must be one of tensor, channel"):
        apply(tiny_codec(), "lic-calibrate{count=1},lic-assign-precision,lic-quantize{scales=row}")


def test_gdn_inputs_join_the_gdn_path_by_default():
    module = apply(tiny_codec(), "lic-calibrate{count=1},lic-assign-precision")
    fed = [k for k in knobs(module) if k.feeds_gdn]
    assert {k.function for k in fed} == {"encoder", "decoder"} and all(k.kind == "act" for k in fed)
    widths = attrs.get(module, attrs.PRECISION)["widths"]
    assert all(widths[k.label] == 16 for k in fed)
    assert all(widths[k.label] == 8 for k in knobs(module) if k.kind == "act" and not k.feeds_gdn)
    quantize(module)
    square = next(op for op in module.walk() if isinstance(op, lic.MulOp) and op.results[0].name_hint == "gdn_sq_exact")
    assert square.lhs.type.get_element_type().width.data == 16  # x at 16 bits; x² rescaled to the path


def test_gdn_inputs_at_activation_width_on_request():
    module = apply(tiny_codec(), "lic-calibrate{count=1},lic-assign-precision{gdn-inputs=act}")
    widths = attrs.get(module, attrs.PRECISION)["widths"]
    assert all(widths[k.label] == 8 for k in knobs(module) if k.kind == "act")
    quantize(module)
    square = next(op for op in module.walk() if isinstance(op, lic.MulOp) and op.results[0].name_hint == "gdn_sq")
    assert square.lhs.type.get_element_type().width.data == 8  # x² of an 8-bit x is exact in the path


def test_unknown_gdn_inputs_are_refused():
    with pytest.raises(LiccError, match="gdn-inputs must be one of act, gdn"):
        apply(tiny_codec(), "lic-calibrate{count=1},lic-assign-precision{gdn-inputs=all}")


def test_gdn_input_width_is_costed():
    from lic_compiler.quant.score import Target, lower, solve_score

    used = {}
    for gdn_inputs in ("act", "gdn"):
        module = apply(tiny_codec(), f"lic-calibrate{{count=1}},lic-assign-precision{{gdn-inputs={gdn_inputs}}}")
        used[gdn_inputs] = solve_score(lower(module), Target(), "max-fps").used
    # The emitted design charges the 16-bit x: wider registers, and its products no longer pack.
    assert used["gdn"]["ff"] > used["act"]["ff"] and used["gdn"]["dsp"] >= used["act"]["dsp"]
