import os
from pathlib import Path

import pytest
import torch

from lic_compiler.errors import LiccError
from lic_compiler.models import ARCHITECTURES, build, load_checkpoint, save_checkpoint

X = torch.rand(1, 3, 64, 64)


def _same_outputs(a: torch.nn.Module, b: torch.nn.Module) -> None:
    with torch.no_grad():
        torch.testing.assert_close(a.eval()(X)["x_hat"], b.eval()(X)["x_hat"], rtol=0, atol=0)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_round_trip_keeps_weights_config_and_cdf_tables(tmp_path: Path, arch: str) -> None:
    model = build(arch, 8, 12, "simplified")
    save_checkpoint(tmp_path / "m.pt", model, arch, {"lmbda": 0.0067})
    raw = torch.load(tmp_path / "m.pt", weights_only=True)
    assert raw["format"] == "licc-checkpoint/1" and raw["arch"] == arch
    assert raw["config"] == {"N": 8, "M": 12, "gdn": "simplified", "lmbda": 0.0067}
    assert raw["state_dict"]["entropy_bottleneck._quantized_cdf"].numel() > 0
    # The coding range was solved for: the CDF at the quantiles hits the tail-mass targets.
    bottleneck = model.entropy_bottleneck
    logits = bottleneck._logits_cumulative(bottleneck.quantiles.detach(), stop_gradient=True)
    torch.testing.assert_close(logits, bottleneck.target.expand_as(logits), atol=0.05, rtol=0)
    loaded, meta = load_checkpoint(tmp_path / "m.pt")
    assert meta == {"arch": arch, "config": raw["config"]}
    assert not loaded.training
    _same_outputs(model, loaded)
    # Real bitstreams work straight away: the CDF tables came with the file.
    strings = loaded.compress(X)
    decoded = loaded.decompress(strings["strings"], strings["shape"])["x_hat"]
    assert decoded.shape == X.shape
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("wrap", ["bare", "state_dict key", "ddp prefix"])
def test_compressai_state_dict_is_inferred(tmp_path: Path, arch: str, wrap: str) -> None:
    model = build(arch, 8, 12)
    model.update()
    state = model.state_dict()
    if wrap == "state_dict key":
        state = {"state_dict": state, "epoch": 3}
    elif wrap == "ddp prefix":
        state = {f"module.{k}": v for k, v in state.items()}
    torch.save(state, tmp_path / "sd.pt")
    loaded, meta = load_checkpoint(tmp_path / "sd.pt")
    assert meta == {"arch": arch, "config": {"N": 8, "M": 12, "gdn": "standard"}}
    _same_outputs(model, loaded)


def test_state_dict_saved_before_update_gets_cdf_tables(tmp_path: Path) -> None:
    torch.save(build("bmshj2018-factorized", 8, 12).state_dict(), tmp_path / "sd.pt")
    loaded, _ = load_checkpoint(tmp_path / "sd.pt")
    assert loaded.entropy_bottleneck._quantized_cdf.numel() > 0


def test_pickled_module_needs_opt_in(tmp_path: Path) -> None:
    model = build("bmshj2018-hyperprior", 8, 12)
    torch.save(model, tmp_path / "whole.pt")
    with pytest.raises(LiccError) as err:
        load_checkpoint(tmp_path / "whole.pt")
    assert str(err.value) == (
        "whole.pt is a pickled nn.Module; unpickling it can run arbitrary code. Save a CompressAI "
        "architecture's state_dict (torch.save(model.state_dict(), path)), export an architecture of "
        "your own with torch.export (torch.export.save(torch.export.export(model, (x,)), 'model.pt2')), "
        "or pass --allow-pickle if you trust the file"
    )
    loaded, meta = load_checkpoint(tmp_path / "whole.pt", allow_pickle=True)
    assert meta["arch"] == "bmshj2018-hyperprior"
    _same_outputs(model, loaded)


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.pt"
    save_checkpoint(good, build("bmshj2018-factorized", 8, 12), "bmshj2018-factorized", {})
    data = good.read_bytes()
    files = {
        "truncated": data[: len(data) // 2],
        "random": os.urandom(2000),
        "empty": b"",
        "corrupt": data[:200] + bytes(len(data) - 400) + data[-200:],
    }
    for name, content in files.items():
        (tmp_path / f"{name}.pt").write_bytes(content)
    torch.save({"conv.weight": torch.zeros(3, 3)}, tmp_path / "unknown.pt")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    return {name: tmp_path / f"{name}.pt" for name in [*files, "unknown", "list"]}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", r"checkpoint .*missing\.pt does not exist; check the path"),
        ("truncated", r"truncated\.pt is truncated \(incomplete zip archive\); re-save or re-download"),
        ("random", r"random\.pt is not a PyTorch checkpoint \(unrecognised bytes\)"),
        ("empty", r"empty\.pt is empty; re-save or re-download"),
        ("corrupt", r"corrupt\.pt is (a corrupt PyTorch file|truncated)"),
        ("unknown", r"unknown\.pt is a state_dict of an unknown architecture: expected the keys of one of "
                    r"bmshj2018-factorized, bmshj2018-hyperprior, mbt2018-mean .*, found conv\.weight; "
                    r"for an architecture of your own, export the model with torch\.export .*\.pt2"),
        ("list", r"list\.pt holds a list, not a model"),
    ],
)
def test_bad_checkpoints_give_one_line_errors(tmp_path: Path, case: str, message: str) -> None:
    path = _bad_files(tmp_path).get(case, tmp_path / "missing.pt")
    with pytest.raises(LiccError, match=message) as err:
        load_checkpoint(path)
    assert "\n" not in str(err.value)


def test_checkpoint_of_another_architecture(tmp_path: Path) -> None:
    save_checkpoint(tmp_path / "h.pt", build("mbt2018-mean", 8, 12), "mbt2018-mean", {})
    with pytest.raises(LiccError, match="h.pt holds a mbt2018-mean model; a bmshj2018-factorized checkpoint is needed"):
        load_checkpoint(tmp_path / "h.pt", arch="bmshj2018-factorized")


def test_config_that_does_not_fit_its_weights(tmp_path: Path) -> None:
    save_checkpoint(tmp_path / "m.pt", build("bmshj2018-factorized", 8, 12), "bmshj2018-factorized", {"M": 16})
    with pytest.raises(LiccError, match="m.pt does not fit a bmshj2018-factorized model with N=8, M=16"):
        load_checkpoint(tmp_path / "m.pt")
