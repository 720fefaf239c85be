"""`licc` end to end: the build folder, and one-line errors for bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from torch import nn

from lic_compiler.cli.licc import main
from lic_compiler.models import build, save_checkpoint

BIN = Path(sys.executable).parent


def licc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "licc"), *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    save_checkpoint(path, build("bmshj2018-factorized", 8, 12), "bmshj2018-factorized",
                    {"N": 8, "M": 12, "gdn": "standard"})
    return path


def test_error_from_a_real_process(tmp_path):
    out = licc(tmp_path / "nope.pt", "-o", tmp_path / "build")
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        f"licc: error: checkpoint {tmp_path / 'nope.pt'} does not exist; check the path"]
    assert not (tmp_path / "build").exists()


def test_build_folder(checkpoint, tmp_path):
    out = licc(checkpoint, "-o", tmp_path / "build", "--frame", "64x48", "--dump-ir")
    assert out.returncode == 0, out.stderr
    build_dir = tmp_path / "build"
    assert sorted(p.name for p in (build_dir / "ir").iterdir()) == [
        "00-import.mlir", "01-convert-torch-to-lic.mlir", "02-lic-rewrite-gdn.mlir",
        "03-lic-calibrate.mlir", "04-lic-assign-precision.mlir", "05-lic-quantize.mlir",
        "06-convert-lic-to-hls.mlir", "07-lic-set-parallelism.mlir",
        "final.mlir"]
    assert (build_dir / "hls" / "encoder" / "encoder.cpp").is_file()
    report = json.loads((build_dir / "report.json").read_text())
    assert set(report["functions"]) == {"encoder", "decoder"}
    assert report["model"]["frame"] == [64, 48]
    # 5x5 convs: 3·8·25 MACs per pixel of the 32x24 output of the first layer, and so on.
    assert report["layers"][0]["macs"] == 8 * 3 * 25 * 32 * 24
    assert "| encoder | 0 | `lic.conv2d` | 1×3×48×64 | 1×8×24×32 |" in (build_dir / "report.md").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no scratch left


def test_a_build_writes_its_widths_as_a_precision_file_that_rebuilds_it(checkpoint, tmp_path):
    assert licc(checkpoint, "-o", tmp_path / "a", "--frame", "32x32", "--weights", "6").returncode == 0
    widths = json.loads((tmp_path / "a" / "precision.json").read_text())["widths"]
    assert {widths[label] for label in widths if " weight " in label} == {6}
    out = licc(checkpoint, "-o", tmp_path / "b", "--frame", "32x32", "--precision-file", tmp_path / "a" / "precision.json")
    assert out.returncode == 0, out.stderr
    sources = [sorted((tmp_path / n / "hls").rglob("*.[ch]*")) for n in "ab"]
    assert len(sources[0]) > 2 and [p.name for p in sources[0]] == [p.name for p in sources[1]]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(*sources))  # the same design


def test_build_is_deterministic(checkpoint, tmp_path):
    for name in ("a", "b"):
        assert licc(checkpoint, "-o", tmp_path / name, "--frame", "32x32").returncode == 0
    for f in ("ir/00-import.mlir", "ir/final.mlir", "report.json", "report.md", "precision.json"):
        a, b = (tmp_path / n / f for n in ("a", "b"))
        assert a.read_bytes() == b.read_bytes().replace(b"/b", b"/a"), f


class WithUpsample(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.up(self.conv(x))


class WithAttention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seq = x.flatten(2).transpose(1, 2)
        return self.attn(seq, seq, seq)[0]


def _bad_inputs(tmp: Path, checkpoint: Path) -> dict[str, tuple[list, str]]:
    truncated = tmp / "truncated.pt"
    truncated.write_bytes(checkpoint.read_bytes()[:2000])
    random = tmp / "random.pt"
    random.write_bytes(bytes(range(256)) * 40)
    unknown = tmp / "unknown.pt"
    torch.save({"features.0.weight": torch.zeros(4, 3, 3, 3)}, unknown)
    upsample = tmp / "upsample.pt2"
    torch.export.save(torch.export.export(WithUpsample(), (torch.zeros(1, 3, 8, 8),)), upsample)
    attention = tmp / "attention.pt2"
    torch.export.save(torch.export.export(WithAttention(), (torch.zeros(1, 8, 4, 4),)), attention)
    pickled = tmp / "pickled.pt"  # built from torch.nn classes, so it unpickles anywhere
    torch.save(nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Upsample(scale_factor=2)), pickled)
    widths = tmp / "widths.json"
    widths.write_text('{"widths": {"@encoder weight 1": 40}}')
    return {
        "missing": ([tmp / "nope.pt"], "nope.pt"),
        "truncated": ([truncated], "truncated.pt"),
        "random": ([random], "random.pt"),
        "unknown-arch": ([unknown], "architecture"),
        "upsample": ([upsample], "torch.aten.upsample"),
        "attention": ([attention], "unsupported op"),
        "pickled": ([pickled], "--allow-pickle"),
        "pickled-allowed-unsupported": ([pickled, "--allow-pickle", "--frame", "16x16"],
                                        "torch.aten.upsample"),
        "frame": ([checkpoint, "--frame", "8x700"],
                  "frame 8x700 is smaller than the total stride 16 of bmshj2018-factorized; use at least 16x16"),
        "part": ([checkpoint, "--part", "hyper_decoder"], "hyper_decoder"),
        "hybrid-one-part": ([checkpoint, "--part", "encoder", "--precision", "hybrid"],
                            "compile both (--part encoder,decoder) or use --precision uniform"),
        "csim-decoder-alone": ([checkpoint, "--part", "decoder", "--csim"],
                               "compile @encoder too (--part encoder,decoder) or drop --csim"),
        "precision-file": ([checkpoint, "--frame", "32x32", "--precision-file", widths],
                           "@encoder weight 1 has 40 bits; widths are 2…16 bits"),
    }


@pytest.mark.parametrize("case", ["missing", "truncated", "random", "unknown-arch", "upsample",
                                  "attention", "pickled", "pickled-allowed-unsupported", "frame",
                                  "part", "hybrid-one-part", "csim-decoder-alone", "precision-file"])
def test_bad_input_is_one_line_exit_2_no_build(case, checkpoint, tmp_path):
    args, needle = _bad_inputs(tmp_path, checkpoint)[case]
    out_dir = tmp_path / "build"
    # In-process (the same click entry point as the console script), to keep it fast.
    out = CliRunner().invoke(main, [*map(str, args), "-o", str(out_dir)])
    assert out.exit_code == 2, out.output
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("licc: error:"), out.stderr
    assert needle in lines[0]
    assert not out_dir.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build")]


def test_an_empty_pipeline_writes_the_imported_ir(checkpoint, tmp_path):
    out = CliRunner().invoke(main, [str(checkpoint), "-o", str(tmp_path / "b"), "--frame", "32x32", "-p", ""])
    assert out.exit_code == 0, out.output
    assert "torch.aten.convolution" in (tmp_path / "b" / "ir" / "final.mlir").read_text()
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["functions"] == {} and report["layers"] == []  # no lic layers yet


def test_prune_option_records_pruning_and_latent_channels(checkpoint, tmp_path):
    out = CliRunner().invoke(main, [str(checkpoint), "-o", str(tmp_path / "b"), "--frame", "64x64",
                                    "-p", "convert-torch-to-lic",
                                    "--prune", "ratio=0.25 keep-latent=false"])
    assert out.exit_code == 0, out.output
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    kept = json.loads((tmp_path / "b" / "latent_channels.json").read_text())
    assert kept == report["pruning"]["kept"]["latent"]
    # An untrained latent rounds to zero almost everywhere: at least a quarter goes.
    assert 1 <= len(kept) <= 9
    final = (tmp_path / "b" / "ir" / "final.mlir").read_text()
    assert f"tensor<1x{len(kept)}x4x4xf32>" in final
