import json
import os
import signal
from pathlib import Path

import pytest
import torch

import lic_compiler.models.train as train_module
from lic_compiler.errors import LiccError
from lic_compiler.models import build, load_checkpoint, save_checkpoint
from lic_compiler.models.train import TrainConfig, train

TINY = dict(arch="bmshj2018-factorized", N=4, M=6, lmbda=0.01, batch=2, crop=16, val_crop=32, save_every=3)


def _run(images: Path, out: Path, **overrides: object) -> Path:
    cfg = TrainConfig(**(TINY | {"steps": 8} | overrides))
    return train(cfg, [images], None, out, threads=1)


def _states_equal(a: Path, b: Path) -> bool:
    sa = torch.load(a, weights_only=True)["state_dict"]
    sb = torch.load(b, weights_only=True)["state_dict"]
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_train_writes_a_loadable_checkpoint_and_logs(images: Path, val_images: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(**(TINY | {"steps": 4, "val_every": 2}))
    path = train(cfg, [images], val_images, tmp_path / "run", threads=1)
    model, meta = load_checkpoint(path)
    assert meta["config"]["lmbda"] == 0.01 and meta["config"]["steps"] == 4 and meta["config"]["N"] == 4
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if "val" in r] == [2, 4]
    assert set(records[-1]["val"]) == {"loss", "bpp", "mse", "psnr"}
    assert torch.load(tmp_path / "run" / "state.pt", weights_only=True)["step"] == 4


def test_interrupted_run_resumes_to_the_same_model(images: Path, tmp_path: Path, monkeypatch) -> None:
    reference = _run(images, tmp_path / "straight")
    step = train_module._step
    calls = []

    def interrupt_at_fifth(*args: object) -> dict:
        calls.append(1)
        if len(calls) == 5:
            os.kill(os.getpid(), signal.SIGTERM)  # as `kill` or a stopping recipe runner would
        return step(*args)

    monkeypatch.setattr(train_module, "_step", interrupt_at_fifth)
    with pytest.raises(LiccError, match=r"stopped at step 5; state saved in .*resumed, rerun the same command"):
        _run(images, tmp_path / "resumed")
    assert not (tmp_path / "resumed" / "model.pt").exists()
    assert torch.load(tmp_path / "resumed" / "state.pt", weights_only=True)["step"] == 5
    monkeypatch.setattr(train_module, "_step", step)
    resumed = _run(images, tmp_path / "resumed")
    assert len(calls) == 5
    assert _states_equal(reference, resumed)


def test_resume_refuses_other_settings(images: Path, tmp_path: Path) -> None:
    _run(images, tmp_path / "run", steps=3)
    (tmp_path / "run" / "model.pt").unlink()
    with pytest.raises(LiccError, match=r"holds a run with different settings \(lmbda\); use another --out"):
        _run(images, tmp_path / "run", lmbda=0.05, steps=6)
    _run(images, tmp_path / "run", steps=6)  # more steps is a resumable change
    assert torch.load(tmp_path / "run" / "state.pt", weights_only=True)["step"] == 6


def test_a_run_written_before_a_setting_existed_resumes_with_its_default(images: Path, tmp_path: Path) -> None:
    _run(images, tmp_path / "run", steps=3)
    (tmp_path / "run" / "model.pt").unlink()
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    del config["scale"], config["kd"]["mix"]  # as an older licc-train wrote it
    (tmp_path / "run" / "config.json").write_text(json.dumps(config))
    _run(images, tmp_path / "run", steps=4)
    (tmp_path / "run" / "model.pt").unlink()
    with pytest.raises(LiccError, match=r"different settings \(scale\)"):
        _run(images, tmp_path / "run", steps=5, scale=0.5)


def test_warm_start_needs_same_widths(images: Path, tmp_path: Path) -> None:
    other = tmp_path / "wide.pt"
    save_checkpoint(other, build("bmshj2018-factorized", 8, 6), "bmshj2018-factorized", {"lmbda": 0.01})
    with pytest.raises(LiccError, match="--init .*wide.pt has N=8, M=6, not N=4, M=6"):
        _run(images, tmp_path / "run", init=str(other))


def test_warm_start_from_a_wider_model_pruned_to_the_widths(images: Path, tmp_path: Path) -> None:
    """A teacher cut to the student's widths records them per layer; its widths are what count."""
    pruned = build("bmshj2018-factorized", 8, 6, widths={"g_a": [4, 4, 4, 6], "g_s": [4, 4, 4, 3]})
    save_checkpoint(tmp_path / "cut.pt", pruned, "bmshj2018-factorized",
                    {"lmbda": 0.01, "widths": {"g_a": [4, 4, 4, 6], "g_s": [4, 4, 4, 3]}})
    model, _ = load_checkpoint(_run(images, tmp_path / "run", init=str(tmp_path / "cut.pt"), steps=1))
    assert model.N == 4


def test_cli_train_distill_finetune(cli, images: Path, val_images: Path, tmp_path: Path) -> None:
    common = ["--data", str(images), "--val", str(val_images), "--steps", "2", "--batch", "2",
              "--crop", "16", "--val-crop", "32", "--threads", "1"]
    code, out = cli("train", "--N", "8", "--M", "12", "--lmbda", "0.01", "--out", str(tmp_path / "t"), *common)
    assert code == 0, out
    code, out = cli("distill", "--teacher", str(tmp_path / "t" / "model.pt"), "--N", "4", "--M", "6",
                     "--kd", "entropy=1", "--align-steps", "1", "--out", str(tmp_path / "s"), *common)
    assert code == 0, out
    _, meta = load_checkpoint(tmp_path / "s" / "model.pt")
    assert meta["config"]["lmbda"] == 0.01  # the teacher's
    assert meta["config"]["kd"]["entropy"] == 1.0 and meta["config"]["teacher"].endswith("model.pt")
    code, out = cli("finetune", str(tmp_path / "s" / "model.pt"), "--gdn", "simplified", "--out", str(tmp_path / "f"), *common)
    assert code == 0, out
    _, meta = load_checkpoint(tmp_path / "f" / "model.pt")
    assert (meta["config"]["gdn"], meta["config"]["N"], meta["arch"]) == ("simplified", 4, "bmshj2018-factorized")


def test_cli_errors_are_one_line(cli, images: Path, tmp_path: Path) -> None:
    hyper = tmp_path / "hyper.pt"
    save_checkpoint(hyper, build("bmshj2018-hyperprior", 8, 12), "bmshj2018-hyperprior", {"lmbda": 0.01})
    (tmp_path / "empty").mkdir()
    cases = {
        "another architecture": (["distill", "--teacher", str(hyper), "--arch", "bmshj2018-factorized", "--N", "4",
                                  "--M", "6", "--data", str(images), "--steps", "1", "--out", str(tmp_path / "x")],
                                 "hyper.pt holds a bmshj2018-hyperprior model; a bmshj2018-factorized checkpoint is needed here"),
        "missing folder": (["train", "--N", "4", "--M", "6", "--lmbda", "0.01", "--data", str(tmp_path / "nowhere"),
                            "--steps", "1", "--out", str(tmp_path / "z")], "nowhere does not exist; pass a folder of images"),
        "missing teacher": (["distill", "--teacher", str(tmp_path / "gone.pt"), "--N", "4", "--M", "6",
                             "--data", str(images), "--steps", "1", "--out", str(tmp_path / "w")], "gone.pt does not exist"),
        "empty folder": (["train", "--N", "4", "--M", "6", "--lmbda", "0.01", "--data", str(tmp_path / "empty"),
                          "--steps", "1", "--out", str(tmp_path / "y")], "is empty; put PNG or JPEG images in it"),
    }
    for args, message in cases.values():
        code, out = cli(*args)
        assert code == 2
        assert out.startswith("licc-train: error: ") and message in out and out.count("\n") == 1, out


def test_entropy_model_learning_rate_and_decay() -> None:
    cfg = TrainConfig(**(TINY | {"steps": 10, "lr": 1e-4, "entropy_lr": 1e-3, "lr_decay_at": 0.5}))
    objective = train_module._objective(cfg)
    opt, aux_opt, sched = train_module._optimizers(cfg, objective)
    bottleneck = objective.model.entropy_bottleneck
    density = {id(p) for n, p in bottleneck.named_parameters() if n != "quantiles"}
    assert {id(p) for p in opt.param_groups[1]["params"]} == density
    assert not density & {id(p) for p in opt.param_groups[0]["params"]}
    assert [id(p) for p in aux_opt.param_groups[0]["params"]] == [id(bottleneck.quantiles)]
    for _ in range(5):
        opt.step()
        sched.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1e-5, 1e-4])


def test_bf16_autocast_trains_the_transforms_and_validates_in_float32(images: Path, tmp_path: Path) -> None:
    from lic_compiler.models.train import autocast_transforms

    model = build("bmshj2018-factorized", 4, 6)
    autocast_transforms(model, torch.bfloat16)
    x = torch.rand(1, 3, 32, 32)
    model.train()
    out = model(x)
    assert out["x_hat"].dtype == torch.float32 and out["likelihoods"]["y"].dtype == torch.float32
    reference = build("bmshj2018-factorized", 4, 6)
    reference.load_state_dict(model.state_dict())
    model.eval(), reference.eval()
    with torch.no_grad():  # eval mode is plain float32: the same numbers as an unwrapped model
        assert torch.equal(model(x)["x_hat"], reference(x)["x_hat"])
    finished, _ = load_checkpoint(_run(images, tmp_path / "run", precision="bf16", steps=2))
    assert all(p.dtype == torch.float32 for p in finished.parameters())
