"""`lic-rewrite-gdn`: numerics of the decomposition, the L1 form, measurement and options."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32
from xdsl.ir import Block, Region

from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.frontend import import_model
from lic_compiler.gdn_approx import Approx
from lic_compiler.interpreter import run
from lic_compiler.ir import from_numpy, make_context, parse_module, print_module
from lic_compiler.models import build
from lic_compiler.passes.rewrite_gdn import DEFAULT_MODE, MODE_DEFAULTS, gdn_report
from lic_compiler.registry import parse_pipeline

C = 4
FORMS = [("standard", False), ("standard", True), ("l1", False), ("l1", True)]
APPROX_MODES = [
    "mode=table table-bits=6",
    "mode=table table-bits=12",
    "mode=pwl segments=8",
    "mode=pwl",
    "mode=newton",
    "mode=newton table-bits=3 newton-steps=2",
]


def _apply(module: ModuleOp, options: str = "") -> ModuleOp:
    parse_pipeline(f"lic-rewrite-gdn{{{options}}}").apply(make_context(), module)
    return module


def _gdn_module(beta, gamma, form="standard", inverse=False, name="f", channels=C) -> ModuleOp:
    """@name(x: 1×C×3×5) = gdn(x) with constant β and γ."""
    ttype = TensorType(f32, [1, channels, 3, 5])
    block = Block(arg_types=[ttype])
    b = lic.ConstantOp(from_numpy(np.asarray(beta, np.float32), f32, "beta"))
    g = lic.ConstantOp(from_numpy(np.asarray(gamma, np.float32), f32, "gamma"))
    gdn = lic.GdnOp(block.args[0], b.result, g.result, inverse=inverse, form=form)
    block.add_ops([b, g, gdn, func.ReturnOp(gdn.output)])
    module = ModuleOp([func.FuncOp(name, ([ttype], [ttype]), Region(block))])
    return parse_module(print_module(module))


def _params(seed: int, beta_scale: float = 1.0):
    rng = np.random.default_rng(seed)
    beta = rng.uniform(0.1, 2.0, C) * beta_scale
    gamma = rng.uniform(0.0, 0.5, (C, C)) * (rng.uniform(size=(C, C)) < 0.7)
    return beta, gamma


def _ops(module: ModuleOp) -> list[str]:
    return [op.name for op in module.walk() if op.name.startswith("lic.")]


@pytest.mark.parametrize("form,inverse", FORMS)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), log_scale=st.floats(-6, 6))
def test_exact_decomposition_equals_gdn(form, inverse, seed, log_scale):
    beta, gamma = _params(seed)
    module = _gdn_module(beta, gamma, form, inverse)
    x = (np.random.default_rng(seed).standard_normal((1, C, 3, 5)) * 10.0**log_scale).astype(np.float32)
    want = run(module, "f", x)[0]
    got = run(_apply(module, "mode=exact measure=false"), "f", x)[0]
    np.testing.assert_allclose(got, want, rtol=2e-7, atol=0)
    assert "lic.gdn" not in _ops(module)


@pytest.mark.parametrize("options", APPROX_MODES)
@pytest.mark.parametrize("form,inverse", FORMS)
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), log_x=st.floats(-12, 12), log_beta=st.floats(-10, 2))
def test_approximate_modes_stay_within_their_bound(options, form, inverse, seed, log_x, log_beta):
    # Norms from ~1e-10 (tiny β, tiny x) to ~1e24 (large x): the bound holds at every scale.
    beta, gamma = _params(seed, 10.0**log_beta)
    module = _gdn_module(beta, gamma, form, inverse)
    x = (np.random.default_rng(seed).standard_normal((1, C, 3, 5)) * 10.0**log_x).astype(np.float32)
    want = run(module, "f", x)[0].astype(np.float64)
    report = _report(_apply(module, options + " measure=false"))
    got = run(module, "f", x)[0].astype(np.float64)
    bound = report["gdns"][0].get("error_bound", 0.0)
    # Two float32 roundings (the product and the reference's) come on top.
    assert np.all(np.abs(got - want) <= (bound + 2.0**-22) * np.abs(want))


def _report(module: ModuleOp) -> dict:
    report = gdn_report(module)
    assert report is not None
    return report


@pytest.mark.parametrize(
    "form,inverse,ops",
    [
        ("standard", False, ["lic.constant", "lic.mul", "lic.constant", "lic.conv2d", "lic.rsqrt", "lic.mul"]),
        ("standard", True, ["lic.constant", "lic.mul", "lic.constant", "lic.conv2d", "lic.sqrt", "lic.mul"]),
        ("l1", False, ["lic.constant", "lic.abs", "lic.constant", "lic.conv2d", "lic.reciprocal", "lic.mul"]),
        ("l1", True, ["lic.constant", "lic.abs", "lic.constant", "lic.conv2d", "lic.mul"]),
    ],
)
def test_decomposition_ops_and_weights(form, inverse, ops):
    beta, gamma = _params(3)
    module = _apply(_gdn_module(beta, gamma, form, inverse), "measure=false")
    assert _ops(module) == ops  # the old γ constant is gone
    conv = next(op for op in module.walk() if isinstance(op, lic.Conv2dOp))
    weight = conv.weight.owner.value  # type: ignore[union-attr]
    from lic_compiler.ir import to_numpy

    np.testing.assert_array_equal(to_numpy(weight), np.float32(gamma).reshape(C, C, 1, 1))
    assert conv.bias is not None and conv.strides() == (1, 1) and conv.paddings() == (0, 0)


def test_default_mode_and_parameters():
    module = _apply(_gdn_module(*_params(0)), "measure=false")
    root = next(op for op in module.walk() if isinstance(op, lic.RsqrtOp))
    assert root.approx_params() == {"mode": DEFAULT_MODE, **MODE_DEFAULTS[DEFAULT_MODE]}
    report = _report(module)
    assert report["mode"] == DEFAULT_MODE and "images" not in report


# --- measurement on calibration images ------------------------------------------


def _image_gdn_module(beta, gamma, inverse=False) -> ModuleOp:
    """@encoder(image 1×3×8×8) = gdn(image); the images drive it."""
    module = _gdn_module(beta[:3], gamma[:3, :3], inverse=inverse, name="encoder", channels=3)
    text = print_module(module).replace("1x3x3x5", "1x3x8x8")
    return parse_module(text)


def test_measured_error_is_reported_and_within_bound():
    module = _image_gdn_module(*_params(1))
    report = _report(_apply(module, "mode=table table-bits=6 count=3"))
    (entry,) = report["gdns"]
    assert report["images"] == 3 and "psnr_change" not in report  # no @decoder
    assert entry["gdn"] == "@encoder GDN 1" and entry["approx"] == "rsqrt table(table_bits=6)"
    assert 0 < entry["rms_rel_error"] <= entry["max_rel_error"] <= entry["error_bound"]


def test_exact_mode_measures_no_error():
    report = _report(_apply(_image_gdn_module(*_params(1)), "mode=exact count=2"))
    assert report["gdns"][0]["max_rel_error"] == 0.0


def test_calibration_folder_option(tmp_path):
    from PIL import Image

    for i in range(2):
        pixels = np.random.default_rng(i).integers(0, 256, (20, 30, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(tmp_path / f"{i}.png")
    report = _report(_apply(_image_gdn_module(*_params(1)), f'images="{tmp_path}"'))
    assert report["images"] == 2
    with pytest.raises(LiccError, match="does not exist"):
        _apply(_image_gdn_module(*_params(1)), f'images="{tmp_path / "missing"}"')


@pytest.fixture(scope="module")
def codec() -> ModuleOp:
    """A tiny factorized-prior codec with non-trivial GDN parameters, as lic IR (64×64)."""
    torch.manual_seed(0)
    model = build("bmshj2018-factorized", 8, 12)
    with torch.no_grad():
        for layer in model.modules():
            if hasattr(layer, "beta_reparam"):
                layer.beta.add_(torch.rand_like(layer.beta))
                layer.gamma.add_(0.1 * torch.rand_like(layer.gamma))
    module = import_model(model, parts=["encoder", "decoder"], frame=(64, 64)).module
    parse_pipeline("convert-torch-to-lic").apply(make_context(), module)
    return module


def test_codec_psnr_change_is_measured(codec):
    report = _report(_apply(codec.clone(), "mode=table table-bits=4 count=4"))
    assert len(report["gdns"]) == 6 and report["images"] == 4
    assert [e["gdn"] for e in report["gdns"][2:4]] == ["@encoder GDN 3", "@decoder IGDN 1"]
    assert all(e["max_rel_error"] <= e["error_bound"] for e in report["gdns"])
    assert report["psnr_change"] != 0.0 and abs(report["psnr_change"]) < 1.0
    exact = _report(_apply(codec.clone(), "mode=exact count=4"))
    assert exact["psnr_change"] == 0.0 and exact["psnr_before"] == report["psnr_before"]


# --- the L1 form on a standard-GDN model ----------------------------------------


def test_l1_on_standard_gdn_is_refused_with_its_cost(codec):
    module = codec.clone()
    before = print_module(module)
    with pytest.raises(LiccError) as e:
        _apply(module, "form=l1 count=2")
    message = str(e.value)
    assert "@encoder GDN 1, @encoder GDN 2" in message and "are standard GDNs" in message
    assert "on 2 calibration images it changes the codec's PSNR by" in message
    assert "force-l1=true" in message
    assert print_module(module) == before  # nothing rewritten


def test_forced_l1_lowers_without_roots(codec):
    module = _apply(codec.clone(), "form=l1 force-l1=true measure=false")
    ops = _ops(module)
    assert "lic.rsqrt" not in ops and "lic.sqrt" not in ops and ops.count("lic.reciprocal") == 3
    assert {e["lowered_form"] for e in _report(module)["gdns"]} == {"l1"}


def test_l1_without_measurable_psnr_still_says_so():
    with pytest.raises(LiccError, match="cannot be measured here .* relative error reaches"):
        _apply(_image_gdn_module(*_params(2)), "form=l1 count=1")


def test_l1_model_keeps_its_form_without_force():
    module = _apply(_gdn_module(*_params(2), form="l1"), "form=l1 measure=false")
    assert "lic.reciprocal" in _ops(module)


# --- options and diagnostics ---------------------------------------------------


@pytest.mark.parametrize(
    "options,message",
    [
        ("mode=cordic", "mode must be one of exact, table, pwl, newton, got 'cordic'"),
        ("mode=pwl table-bits=8", "mode pwl takes segments, not table_bits"),
        ("mode=table table-bits=20", "table_bits must be in \\[1, 16\\], got 20"),
        ("form=l2", "form must be one of native, l1, got 'l2'"),
        ("force-l1=true", "force-l1=true only applies with form=l1"),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(LiccError, match=f"lic-rewrite-gdn: {message}"):
        _apply(_gdn_module(*_params(0)), options)


def test_gamma_must_be_a_constant():
    ttype = TensorType(f32, [1, C, 3, 5])
    gtype, btype = TensorType(f32, [C, C]), TensorType(f32, [C])
    block = Block(arg_types=[ttype, btype, gtype])
    gdn = lic.GdnOp(block.args[0], block.args[1], block.args[2])
    block.add_ops([gdn, func.ReturnOp(gdn.output)])
    module = ModuleOp([func.FuncOp("f", ([ttype, btype, gtype], [ttype]), Region(block))])
    with pytest.raises(LiccError, match="@f GDN 1 has a γ that is not a lic.constant"):
        _apply(module, "measure=false")


def test_report_round_trips_through_text():
    module = _apply(_image_gdn_module(*_params(1)), "count=1")
    assert gdn_report(parse_module(print_module(module))) == gdn_report(module)


def test_bounds_in_report_are_the_definitions():
    module = _apply(_gdn_module(*_params(0), inverse=True), "mode=pwl segments=16 measure=false")
    entry = _report(module)["gdns"][0]
    assert entry["error_bound"] == Approx("sqrt", "pwl", segments=16).max_relative_error()
