"""Pruned IR → checkpoint → IR again: the same IR, the same numbers, a working entropy coder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from lic_compiler.cli.prune import main as prune_main
from lic_compiler.cli.train import cli as train_cli
from lic_compiler.errors import LiccError
from lic_compiler.frontend.parts import part_modules
from lic_compiler.interpreter import run
from lic_compiler.models import load_checkpoint, save_checkpoint
from lic_compiler.models.arch import conv_widths
from lic_compiler.pruning import export_checkpoint, latent_channels, prune_checkpoint, pruning_record

from .conftest import DEAD, functions_text, image, lic_module, lively, prune

OPTIONS = "ratio=0.25 keep-latent=false criterion=gdn multiple-of=2 count=2"


@pytest.fixture(scope="session")
def pruned(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """(exported checkpoint, pruned IR) of `source`."""
    module = prune(lic_module(source), OPTIONS)
    out = tmp_path_factory.mktemp("pruned") / source.name
    export_checkpoint(module, source, out)
    return out, module


def test_reimported_checkpoint_is_the_pruned_ir(pruned) -> None:
    out, module = pruned
    assert functions_text(lic_module(out)) == functions_text(module)


def test_checkpoint_records_widths_and_latent_channels(source: Path, pruned) -> None:
    out, module = pruned
    model, meta = load_checkpoint(out)
    original, _ = load_checkpoint(source)
    kept = latent_channels(module)
    assert meta["config"]["latent_channels"] == kept and not set(DEAD) & set(kept)
    assert meta["config"]["widths"] == conv_widths(model) and meta["config"]["M"] == len(kept) == model.M
    assert all(w % 2 == 0 for widths in conv_widths(model).values() for w in widths[:-1])
    assert sum(p.numel() for p in model.parameters()) < sum(p.numel() for p in original.parameters())


def test_pruned_ir_runs_as_the_exported_model(pruned) -> None:
    out, module = pruned
    model, meta = load_checkpoint(out)
    parts = part_modules(model, meta["arch"])
    with torch.no_grad():
        x = torch.from_numpy(image())
        y = parts["encoder"](x)
        inputs = {"encoder": x, "decoder": torch.round(y)}
        if "hyper_encoder" in parts:
            inputs |= {"hyper_encoder": y, "hyper_decoder": torch.round(parts["hyper_encoder"](y))}
        for part, value in inputs.items():
            want = parts[part](value).numpy()
            (got,) = run(module, part, value.numpy())
            assert got.shape == want.shape
            assert np.abs(got - want).max() <= 1e-4 * float(want.max() - want.min())


def test_entropy_bottleneck_codes_kept_channels_as_before(source: Path, pruned) -> None:
    out, module = pruned
    original, meta = load_checkpoint(source)
    model, _ = load_checkpoint(out)
    coded = "hyper_latent" if hasattr(model, "h_a") else "latent"
    kept = torch.tensor(pruning_record(module)["kept"][coded])
    y = torch.randn(1, original.entropy_bottleneck.quantiles.shape[0], 4, 4) * 3
    with torch.no_grad():
        _, before = original.entropy_bottleneck(y)
        _, after = model.entropy_bottleneck(y[:, kept])
        assert torch.equal(before[:, kept], after)
        x = torch.from_numpy(image())
        coded_image = model.compress(x)
        decoded = model.decompress(coded_image["strings"], coded_image["shape"])["x_hat"]
        assert torch.allclose(decoded, model(x)["x_hat"].clamp(0, 1), atol=1e-4)  # decompress clamps


def test_dead_latent_channels_go_for_free(tmp_path: Path) -> None:
    module = prune(lic_module(lively("bmshj2018-factorized")), "criterion=latent count=2")
    record = pruning_record(module)
    assert record["kept"] == {"latent": [c for c in range(12) if c not in DEAD]}
    assert record["psnr_after"] == record["psnr_before"]
    assert record["bpp_after"] == pytest.approx(record["bpp_before"])
    assert record["macs_after"] < record["macs_before"]


def test_pruning_twice_is_relative_to_the_imported_model(tmp_path: Path) -> None:
    path = tmp_path / "src.pt"
    save_checkpoint(path, lively("bmshj2018-factorized"), "bmshj2018-factorized", {})
    module = prune(prune(lic_module(path), "ratio=0.25 measure=false"), "ratio=0.5 measure=false")
    record = pruning_record(module)
    assert record["layers"][0] == {"layer": "encoder.conv1", "before": 8, "after": 3}
    assert len(record["kept"]["encoder.conv1"]) == 3 and max(record["kept"]["encoder.conv1"]) < 8
    export_checkpoint(module, path, tmp_path / "out.pt")
    assert functions_text(lic_module(tmp_path / "out.pt")) == functions_text(module)


def test_export_refuses_what_it_cannot_slice(tmp_path: Path) -> None:
    path, other = tmp_path / "src.pt", tmp_path / "other.pt"
    arch = "bmshj2018-factorized"
    save_checkpoint(path, lively(arch), arch, {})
    save_checkpoint(other, lively(arch, seed=1), arch, {})
    with pytest.raises(LiccError, match="no lic.pruning record; run lic-prune-channels"):
        export_checkpoint(lic_module(path), path, tmp_path / "x.pt")
    module = prune(lic_module(path), "ratio=0.5 measure=false")
    with pytest.raises(LiccError, match="other.pt's g_a differs from @encoder of the IR"):
        export_checkpoint(module, other, tmp_path / "x.pt")
    encoder_only = prune(lic_module(path, parts=["encoder"]), "ratio=0.5 measure=false")
    with pytest.raises(LiccError, match="@decoder is missing; import the checkpoint with all its parts"):
        export_checkpoint(encoder_only, path, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_finetune_and_compile_a_pruned_checkpoint(images: Path, tmp_path: Path) -> None:
    path = tmp_path / "src.pt"
    save_checkpoint(path, lively("bmshj2018-factorized"), "bmshj2018-factorized", {"lmbda": 0.01})
    report = prune_checkpoint(path, tmp_path / "pruned.pt", "ratio=0.5 keep-latent=false measure=false")
    args = ["finetune", str(tmp_path / "pruned.pt"), "--data", str(images), "--steps", "2", "--batch", "2",
            "--crop", "16", "--threads", "1", "--out", str(tmp_path / "ft")]
    result = CliRunner().invoke(train_cli, args)
    assert result.exit_code == 0, result.output
    _, pruned_meta = load_checkpoint(tmp_path / "pruned.pt")
    model, meta = load_checkpoint(tmp_path / "ft" / "model.pt")
    assert meta["config"]["widths"] == pruned_meta["config"]["widths"] == conv_widths(model)
    assert meta["config"]["latent_channels"] == report["kept"]["latent"]
    assert "func.func @decoder" in functions_text(lic_module(tmp_path / "ft" / "model.pt"))


def test_licc_prune_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "src.pt"
    save_checkpoint(path, lively("bmshj2018-factorized"), "bmshj2018-factorized", {})

    def licc_prune(*args: str) -> int:
        monkeypatch.setattr(sys, "argv", ["licc-prune", str(path), *args])
        with pytest.raises(SystemExit) as exit_info:
            prune_main()
        return exit_info.value.code

    assert licc_prune("-o", str(tmp_path / "out.pt"), "-p", "ratio=0.5 measure=false", "--report", str(tmp_path / "r.json")) == 0
    assert json.loads((tmp_path / "r.json").read_text())["layers"][0] == {"layer": "encoder.conv1", "before": 8, "after": 4}
    assert load_checkpoint(tmp_path / "out.pt")[1]["config"]["widths"]["g_a"] == [4, 4, 4, 12]
    capsys.readouterr()
    assert licc_prune("-o", str(tmp_path / "x.pt"), "-p", "ratio=1") == 2
    assert capsys.readouterr().err.strip() == (
        "licc-prune: error: lic-prune-channels: ratio must be in [0, 1), the fraction of channels to remove, got 1"
    )
