"""Quantization-aware training: the fake-quantised model is the integer codec licc builds, bit for bit."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from lic_compiler.calibration import load_images
from lic_compiler.eval.integer import IntegerCodec, compile_integer
from lic_compiler.models import build, load_checkpoint, save_checkpoint
from lic_compiler.models.checkpoint import copy_model
from lic_compiler.models.losses import rate_distortion
from lic_compiler.models.qat import QatCodec, precision_summary
from lic_compiler.models.recipe import ZOO

COUNT = 4  # calibration images, on both sides
NARROW = "lic-assign-precision{weights=6 activations=6 gdn=12}"
# A hybrid precision file as models/zoo/precision-hybrid-w4.json: 4-bit weights inside, 8 at the ends.
HYBRID = {"@encoder weight 2": 4, "@encoder weight 3": 4, "@decoder weight 1": 4, "@decoder weight 2": 4,
          "@decoder weight 3": 4}


def _batch() -> torch.Tensor:
    """Two 64×64 crops of the shipped calibration images."""
    return torch.from_numpy(np.concatenate(load_images(None, 2)))[:, :, :64, :64].float()


def _finetune(model: torch.nn.Module, widths: dict | None, x: torch.Tensor, steps: int = 2,
              hold: str | None = None) -> QatCodec:
    qat = QatCodec(model.train(), widths, count=COUNT, hold=hold).train()
    opt = torch.optim.Adam(qat.parameters(), lr=1e-2)  # large: the integer weights must move
    for _ in range(steps):
        opt.zero_grad()
        rate_distortion(qat(x), x, 0.01)["loss"].backward()
        opt.step()
        qat.hold_steps()  # as the training loop does
    return qat


def _assert_matches_built_codec(qat: QatCodec, path: Path, precision: str, x: torch.Tensor) -> None:
    model, _ = load_checkpoint(path)
    codec = IntegerCodec(model, compile_integer(path, precision, count=COUNT), "built")
    qat.eval().calibrate()
    with torch.no_grad():
        out = qat(x)
    for i in range(len(x)):
        q, _ = codec.latent(x[i : i + 1])
        np.testing.assert_array_equal(q, out["latent"][i : i + 1].numpy().astype(np.int64))
        assert torch.equal(codec.reference(x[i : i + 1]), out["x_hat"][i : i + 1])


@pytest.mark.parametrize("precision", ["lic-assign-precision", NARROW, "file"])
def test_finetuned_fake_quant_model_is_the_integer_codec_built_from_its_checkpoint(precision: str, tmp_path: Path) -> None:
    if precision == "file":  # the build reads the file QAT trained through
        (tmp_path / "hybrid.json").write_text(json.dumps({"widths": HYBRID}))
        precision = f'lic-assign-precision{{file="{tmp_path / "hybrid.json"}"}}'
    torch.manual_seed(0)
    x = _batch()
    model = build("bmshj2018-factorized", 8, 12)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    widths = precision_summary(model, precision, COUNT)["widths"]
    assert "file=" not in precision or {k: widths[k] for k in HYBRID} == HYBRID
    qat = _finetune(model, widths, x)
    assert not torch.equal(before["g_a.0.weight"], model.g_a[0].weight)
    path = tmp_path / "qat.pt"
    save_checkpoint(path, model, "bmshj2018-factorized", {"lmbda": 0.01})
    _assert_matches_built_codec(qat, path, precision, x)  # the fine-tuned model itself
    fresh = QatCodec(load_checkpoint(path)[0], widths, count=COUNT)
    _assert_matches_built_codec(fresh, path, precision, x)  # and one rebuilt from the checkpoint


def test_straight_through_gradients_reach_every_weight() -> None:
    # A trained model: an untrained one's latent rounds to zero, which rightly stops the decoder's first gradients.
    model, _ = load_checkpoint(ZOO / "student-kd-factorized-64-96-q4.pt")
    qat = QatCodec(model.train(), count=COUNT).train()
    x = _batch()
    rate_distortion(qat(x), x, 0.01)["loss"].backward()
    for name, p in qat.codec.named_parameters():
        if name.startswith(("g_a.", "g_s.")):
            assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_cli_precision_file_and_qat_finetune_resume(cli, images: Path, tmp_path: Path) -> None:
    start = tmp_path / "start.pt"
    save_checkpoint(start, build("bmshj2018-factorized", 4, 6), "bmshj2018-factorized", {"lmbda": 0.01})
    precision = tmp_path / "w6.json"
    code, out = cli("precision", str(start), "-o", str(precision), "--precision", "weights=6")
    assert code == 0, out
    widths = json.loads(precision.read_text())["widths"]
    assert widths["@encoder weight 1"] == 6 and widths["@encoder gdn 1"] == 16
    common = ["finetune", str(start), "--qat", str(precision), "--data", str(images), "--batch", "2",
              "--crop", "16", "--save-every", "1", "--threads", "1", "--out", str(tmp_path / "run")]
    assert cli(*common, "--steps", "1")[0] == 0
    (tmp_path / "run" / "model.pt").unlink()  # as if stopped after step 1
    code, out = cli(*common, "--steps", "2")
    assert code == 0 and "resuming run at step 1" in out, out
    _, meta = load_checkpoint(tmp_path / "run" / "model.pt")
    assert meta["config"]["qat"] == str(precision) and meta["config"]["steps"] == 2


def test_cli_bad_precision_files_are_one_line_errors(cli, images: Path, tmp_path: Path) -> None:
    start = tmp_path / "start.pt"
    save_checkpoint(start, build("bmshj2018-factorized", 4, 6), "bmshj2018-factorized", {"lmbda": 0.01})
    (tmp_path / "junk.json").write_text("[1, 2]")
    (tmp_path / "other.json").write_text(json.dumps({"widths": {"@encoder weight 9": 8}}))
    (tmp_path / "wide.json").write_text(json.dumps({"widths": {"@encoder weight 1": 40}}))
    cases = {
        "wide.json": "@encoder weight 1 has 40 bits; widths are 2…16 bits",
        "junk.json": 'has no "widths" object of knob label → bits; write one with `licc-train precision`',
        "other.json": "sets @encoder weight 9, which this model does not have",
    }
    (tmp_path / "fine.json").write_text(json.dumps({"widths": {"@encoder weight 1": 8}}))
    cases["fine.json --precision bf16"] = "--qat trains through the integer codec (float64 in torch); drop --precision bf16"
    for name, message in cases.items():
        file, *extra = name.split()
        code, out = cli("finetune", str(start), "--qat", str(tmp_path / file), "--data", str(images), *extra,
                        "--steps", "1", "--crop", "16", "--threads", "1", "--out", str(tmp_path / file[:-5]))
        assert code == 2 and out.startswith("licc-train: error: ") and message in out and out.count("\n") == 1, out


def _narrow_grid(qat: QatCodec) -> dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]:
    """Per 4-bit convolution of the current build: its weight steps and integer weights."""
    from lic_compiler.ir import to_numpy

    _, record = qat.integer_ir()
    return {(name, index): (np.asarray(s_w), to_numpy(op.weight.owner.value))
            for op, (name, index, _, s_w) in record.items() if op.weight.type.get_element_type().width.data == 4}


@pytest.mark.parametrize("hold", [None, "steps", "weights"])
def test_hold_keeps_the_narrow_weight_steps_or_weights_and_still_builds_bit_for_bit(hold: str | None, tmp_path: Path) -> None:
    (tmp_path / "hybrid.json").write_text(json.dumps({"widths": HYBRID}))
    precision = f'lic-assign-precision{{file="{tmp_path / "hybrid.json"}"}}'
    torch.manual_seed(0)
    x = _batch()
    model = build("bmshj2018-factorized", 8, 12)
    with torch.no_grad():
        model.g_a[-1].weight.mul_(3)  # a latent that does not round to zero: the decoder trains too
    widths = precision_summary(model, precision, COUNT)["widths"]
    before = _narrow_grid(QatCodec(copy_model(model), widths, count=COUNT))
    qat = _finetune(model, widths, x, steps=3, hold=hold)
    assert set(qat.held) == (set(before) if hold == "steps" else set())
    after = _narrow_grid(qat)  # the scales of the start's calibration, as between two saves
    steps_kept = [np.array_equal(before[k][0], after[k][0]) for k in before]
    levels_kept = [np.array_equal(before[k][1], after[k][1]) for k in before]
    assert all(steps_kept) if hold else not any(steps_kept)
    assert all(levels_kept) if hold == "weights" else not all(levels_kept)
    path = tmp_path / "qat.pt"
    save_checkpoint(path, model, "bmshj2018-factorized", {"lmbda": 0.01})
    _assert_matches_built_codec(qat, path, precision, x)


def test_cli_hold_needs_qat_and_narrow_weights(cli, images: Path, tmp_path: Path) -> None:
    start = tmp_path / "start.pt"
    save_checkpoint(start, build("bmshj2018-factorized", 4, 6), "bmshj2018-factorized", {"lmbda": 0.01})
    (tmp_path / "w8.json").write_text(json.dumps({"widths": {"@encoder weight 1": 8}}))
    cases = {(): "--hold acts on the integer codec --qat trains through; add --qat PRECISION_FILE",
             ("--qat", str(tmp_path / "w8.json")): "gives none; drop --hold or narrow a weight width"}
    for extra, message in cases.items():
        code, out = cli("finetune", str(start), "--hold", "steps", *extra, "--data", str(images), "--steps", "1",
                        "--crop", "16", "--threads", "1", "--out", str(tmp_path / "run"))
        assert code == 2 and out.startswith("licc-train: error: ") and message in out and out.count("\n") == 1, out
