"""AdaRound: rounded weights sit on the build's grid, rebuild exactly, and cut each layer's error."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from lic_compiler.calibration import load_images
from lic_compiler.errors import LiccError
from lic_compiler.eval.integer import compile_integer
from lic_compiler.ir import to_numpy
from lic_compiler.models import build, load_checkpoint, save_checkpoint
from lic_compiler.models.adaround import RoundConfig, round_model, verify
from lic_compiler.models.checkpoint import copy_model
from lic_compiler.models.qat import QatCodec, _convs, _Evaluator, coded_layers

COUNT = 4  # calibration images
# 4-bit weights inside, 8 at the ends, as models/zoo/precision-hybrid-w4.json.
HYBRID = {"@encoder weight 2": 4, "@encoder weight 3": 4, "@decoder weight 1": 4, "@decoder weight 2": 4,
          "@decoder weight 3": 4}
ONE = {"@encoder weight 2": 4}  # one narrow layer: quick
CFG = RoundConfig(iters=40, count=COUNT)


def _model() -> torch.nn.Module:
    """A small untrained factorized prior whose latent does not round to zero (the decoder sees data)."""
    torch.manual_seed(0)
    model = build("bmshj2018-factorized", 8, 12).eval()
    with torch.no_grad():
        model.g_a[-1].weight.mul_(30)
    return model


def _precision(tmp_path: Path, widths: dict[str, int]) -> tuple[Path, str]:
    path = tmp_path / "precision.json"
    path.write_text(json.dumps({"widths": widths}))
    return path, f'lic-assign-precision{{file="{path}"}}'


def _built_weights(source: object, precision: str) -> dict[tuple[str, int], np.ndarray]:
    convs = _convs(compile_integer(source, precision, count=COUNT))
    return {(name, i): to_numpy(op.weight.owner.value) for name, ops in convs.items() for i, op in enumerate(ops)}


def _layer_error(model: torch.nn.Module, reference: torch.nn.Module, key: tuple[str, int]) -> float:
    """The encoder layer's squared accumulator error (real units) against the float reference's output,
    the integer codec run on the calibration images."""
    from lic_compiler.quant.drive import functions

    qat = QatCodec(model, ONE, count=COUNT)
    module, record = qat.integer_ir()
    op, s_w = next((op, r[3]) for op, r in record.items() if r[:2] == key)
    images = [torch.from_numpy(x) for x in load_images(None, COUNT)]
    outputs: list[torch.Tensor] = []
    hook = coded_layers(reference)[key[0]][key[1]].register_forward_hook(lambda m, i, o: outputs.append(o))
    error = 0.0
    with torch.no_grad():
        for x in images:
            run = _Evaluator({})
            run.run(functions(module)["encoder"], torch.round(x.double() * 255))
            reference.g_a(x)
            acc = run.values[op.results[0]] * torch.from_numpy(np.asarray(s_w, np.float64)).reshape(1, -1, 1, 1)
            error += float((acc - outputs[-1].double()).pow(2).sum())
    hook.remove()
    return error


def test_rounded_weights_rebuild_exactly_keep_the_peaks_and_change_levels(tmp_path: Path) -> None:
    path, precision = _precision(tmp_path, HYBRID)
    model = _model()
    nearest = _built_weights(model, precision)
    chosen, reports = round_model(model, HYBRID, CFG)
    assert sorted(chosen) == [("decoder", 0), ("decoder", 2), ("decoder", 4), ("encoder", 2), ("encoder", 4)]
    save_checkpoint(tmp_path / "rounded.pt", model, "bmshj2018-factorized", {"lmbda": 0.01})
    assert verify(tmp_path / "rounded.pt", precision, chosen, count=COUNT) == 0
    rebuilt = _built_weights(tmp_path / "rounded.pt", precision)
    for key, q in chosen.items():
        np.testing.assert_array_equal(rebuilt[key], q)
        assert np.abs(q).max() <= 7
        out_axis = 1 if key[0] == "decoder" else 0  # transposed convolutions hold (in, out, k, k)
        peaks = np.moveaxis(np.abs(nearest[key]), out_axis, 0).reshape(q.shape[out_axis], -1).max(axis=1)
        assert np.array_equal(np.moveaxis(np.abs(q), out_axis, 0).reshape(len(peaks), -1).max(axis=1), peaks)
    changed = [float((chosen[key] != nearest[key]).mean()) for key in chosen]
    assert all(c > 0 for c in changed), changed
    assert all(r.rounded <= r.nearest for r in reports) and any(r.rounded < r.nearest for r in reports)
    assert sum(r.finer for r in reports) > 0  # finer grids were chosen, and rebuild exactly too
    np.testing.assert_array_equal(rebuilt[("encoder", 0)], nearest[("encoder", 0)])  # before any rounded layer


def test_the_first_narrow_layer_error_is_at_most_nearest_roundings_in_the_built_codec() -> None:
    original = _model()
    reference = copy_model(original)
    rounded = copy_model(original)
    round_model(rounded, ONE, RoundConfig(iters=40, count=COUNT))
    # Encoder conv 2 is the first 4-bit layer: its input is the same integer tensor in both codecs.
    assert _layer_error(rounded, reference, ("encoder", 2)) < _layer_error(original, reference, ("encoder", 2))


def test_same_seed_same_rounding() -> None:
    cfg = RoundConfig(iters=10, count=COUNT)
    first, _ = round_model(_model(), ONE, cfg)
    second, _ = round_model(_model(), ONE, cfg)
    assert all(np.array_equal(first[k], second[k]) for k in first)


def test_cli_rounds_a_checkpoint(cli, tmp_path: Path) -> None:
    start = tmp_path / "start.pt"
    save_checkpoint(start, _model(), "bmshj2018-factorized", {"lmbda": 0.01})
    path, _ = _precision(tmp_path, ONE)
    out = tmp_path / "rounded.pt"
    code, err = cli("round", str(start), "--precision", str(path), "-o", str(out), "--iters", "3", "--max-bits", "4")
    assert code == 0, err
    assert "@encoder conv 2 (4-bit): error" in err
    _, meta = load_checkpoint(out)
    assert meta["config"]["round"]["precision"] == str(path) and meta["config"]["round"]["iters"] == 3
    assert meta["config"]["round"]["objective"] == "layer" and "output error" not in err


def test_cli_rounds_against_the_output(cli, tmp_path: Path) -> None:
    start = tmp_path / "start.pt"
    save_checkpoint(start, _model(), "bmshj2018-factorized", {"lmbda": 0.01})
    path, _ = _precision(tmp_path, LAST)
    out = tmp_path / "rounded.pt"
    code, err = cli("round", str(start), "--precision", str(path), "-o", str(out), "--iters", "3",
                    "--objective", "output")
    assert code == 0, err
    assert "@decoder conv 4 (4-bit): error" in err and "; output error " in err
    assert load_checkpoint(out)[1]["config"]["round"]["objective"] == "output"


@pytest.mark.parametrize("case", ["no narrow", "bad file", "missing checkpoint", "hyperprior"])
def test_cli_bad_input_is_a_one_line_error_and_writes_nothing(cli, tmp_path: Path, case: str) -> None:
    start = tmp_path / "start.pt"
    save_checkpoint(start, _model(), "bmshj2018-factorized", {"lmbda": 0.01})
    path, _ = _precision(tmp_path, ONE if case != "no narrow" else {"@encoder weight 2": 8})
    expected = {
        "no narrow": "gives no convolution 7 or fewer weight bits; nothing to round",
        "bad file": 'has no "widths" object',
        "missing checkpoint": "does not exist; check the path",
        "hyperprior": "is not one",
    }[case]
    if case == "bad file":
        path.write_text("[1]")
    if case == "missing checkpoint":
        start = tmp_path / "nope.pt"
    if case == "hyperprior":
        torch.manual_seed(0)
        save_checkpoint(start, build("bmshj2018-hyperprior", 8, 12), "bmshj2018-hyperprior", {"lmbda": 0.01})
    out = tmp_path / "out.pt"
    code, err = cli("round", str(start), "--precision", str(path), "-o", str(out), "--iters", "2")
    assert code == 2 and err.startswith("licc-train: error: ") and expected in err and err.count("\n") == 1, err
    assert not out.exists() and not list(tmp_path.glob(".out.pt*"))


def test_a_finer_step_stops_at_the_bias_floor(tmp_path: Path) -> None:
    """A channel whose bias sets lic-quantize's floor just under its step: a finer grid must stop there,
    or the build raises the step back and rebuilds other integers."""
    from lic_compiler.models.adaround import _layers
    from lic_compiler.passes.quantize import _bias_floor

    _, precision = _precision(tmp_path, ONE)
    model = _model()
    layer = _layers(QatCodec(model, ONE, count=COUNT))[1][("encoder", 2)]
    channels = len(layer.s_w)
    per_unit = _bias_floor(np.ones(channels), layer.op.input, layer.nearest.size // channels, layer.bits)
    with torch.no_grad():
        model.g_a[2].bias[0] = float(0.9 * layer.s_w[0] / per_unit[0])  # floor = 0.9 × the step
    chosen, reports = round_model(model, ONE, RoundConfig(iters=40, count=COUNT, grids=(1.0, 0.6)))
    assert reports[0].finer > 0
    assert verify(model, precision, chosen, count=COUNT) == 0


LAST = {"@decoder weight 3": 4}  # the decoder's last 4-bit layer of the hybrid: an 8-bit layer after it


def _image_error(source: object, reference: torch.nn.Module, precision: str) -> float:
    """The squared pixel error of the integer codec built from `source` against the float reference's decoded
    image (from its own rounded latent), on the calibration images."""
    from lic_compiler.quant.drive import functions

    f = functions(compile_integer(source, precision, count=COUNT))
    error = 0.0
    with torch.no_grad():
        for x in (torch.from_numpy(x) for x in load_images(None, COUNT)):
            latent, _ = _Evaluator({}).run(f["encoder"], torch.round(x.double() * 255))
            image, _ = _Evaluator({}).run(f["decoder"], latent)
            error += float((image - (reference.g_s(torch.round(reference.g_a(x))) * 255).clamp(0, 255)).pow(2).sum())
    return error


def test_the_output_objective_lowers_the_built_codecs_image_error_and_rebuilds_exactly(tmp_path: Path) -> None:
    path, precision = _precision(tmp_path, LAST)
    reference = _model()
    by_layer, by_output = _model(), _model()
    round_model(by_layer, LAST, CFG)
    chosen, reports = round_model(by_output, LAST, replace(CFG, objective="output"))
    (report,) = reports
    assert report.output is not None and report.output[1] < report.output[0]
    save_checkpoint(tmp_path / "rounded.pt", by_output, "bmshj2018-factorized", {"lmbda": 0.01})
    assert verify(tmp_path / "rounded.pt", precision, chosen, count=COUNT) == 0
    # What the build decodes, measured independently of the rounding's own evaluation.
    assert _image_error(tmp_path / "rounded.pt", reference, precision) < _image_error(by_layer, reference, precision)


def test_the_layer_objective_reports_no_output_error_and_a_bad_objective_is_an_error() -> None:
    _, reports = round_model(_model(), ONE, replace(CFG, iters=2))
    assert reports[0].output is None
    with pytest.raises(LiccError, match="unknown rounding objective 'image'; choose one of layer, output"):
        round_model(_model(), ONE, replace(CFG, objective="image"))


def _folder(tmp_path: Path, count: int) -> Path:
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(count):  # smooth images larger than a crop, of different sizes
        small = rng.integers(0, 256, (8, 9 + i, 3), dtype=np.uint8)
        Image.fromarray(small).resize((150 + 10 * i, 140), Image.BILINEAR).save(folder / f"{i}.png")
    return folder


def test_data_rounds_on_that_folders_center_crops_and_rebuilds_exactly(tmp_path: Path) -> None:
    from lic_compiler.models.adaround import _images

    folder = _folder(tmp_path, 3)
    cfg = replace(CFG, data=(str(folder),), crops=2)
    images = _images(cfg)
    assert [tuple(x.shape) for x in images] == [(1, 3, 128, 128)] * 2
    both = _images(replace(cfg, data=(str(folder), str(folder)), crops=5))  # the second folder adds its first two
    assert len(both) == 5 and torch.equal(both[3], images[0]) and torch.equal(both[4], images[1])
    assert not torch.equal(images[0], torch.from_numpy(load_images(None, 1)[0]))
    _, precision = _precision(tmp_path, ONE)
    model = _model()
    chosen, _ = round_model(model, ONE, cfg)
    assert verify(model, precision, chosen, count=COUNT) == 0  # the build's scales stay the calibration crops'
    default, _ = round_model(_model(), ONE, CFG)
    assert not np.array_equal(chosen[("encoder", 2)], default[("encoder", 2)])


def test_cli_data_is_recorded_and_an_empty_folder_is_an_error(cli, tmp_path: Path) -> None:
    start = tmp_path / "start.pt"
    save_checkpoint(start, _model(), "bmshj2018-factorized", {"lmbda": 0.01})
    path, _ = _precision(tmp_path, ONE)
    folder, out = _folder(tmp_path, 2), tmp_path / "rounded.pt"
    code, err = cli("round", str(start), "--precision", str(path), "-o", str(out), "--iters", "2",
                    "--data", str(folder), "--crops", "2")
    assert code == 0, err
    recorded = load_checkpoint(out)[1]["config"]["round"]
    assert (list(recorded["data"]), recorded["crops"]) == ([str(folder)], 2)
    (tmp_path / "empty").mkdir()
    code, err = cli("round", str(start), "--precision", str(path), "-o", str(tmp_path / "no.pt"), "--iters", "2",
                    "--data", str(tmp_path / "empty"))
    assert code == 2 and "holds no images" in err and err.count("\n") == 1, err
    assert not (tmp_path / "no.pt").exists()
