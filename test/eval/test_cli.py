"""licc-eval end to end on generated images, and its one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lic_compiler.cli.eval import main
from lic_compiler.models import build

from .conftest import write_images


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: object) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["licc-eval", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("licc-eval: error: "), err
    for fragment in fragments:
        assert fragment in lines[0]


def test_rd_jpeg_bd_plot(monkeypatch, capsys, tmp_path: Path, rd_images: Path, tiny_checkpoints: list[Path]) -> None:
    rd_json = tmp_path / "tiny.json"
    code, out, _ = run(monkeypatch, capsys, "rd", *tiny_checkpoints, "--images", rd_images, "--name", "tiny", "-o", rd_json)
    assert code == 0 and f"wrote {rd_json}" in out
    assert len(json.loads(rd_json.read_text())["results"]["bpp"]) == 4

    low, high = tmp_path / "jpeg-low.json", tmp_path / "jpeg.json"
    assert run(monkeypatch, capsys, "jpeg", "--images", rd_images, "-o", high)[0] == 0
    args = ["--quality", "15", "--quality", "30", "--quality", "50", "--quality", "80"]
    assert run(monkeypatch, capsys, "jpeg", "--images", rd_images, *args, "--name", "JPEG-4", "-o", low)[0] == 0

    code, out, _ = run(monkeypatch, capsys, "bd", high, high)
    assert code == 0
    assert "psnr-rgb (" in out and "psnr-rgb-from-mean-mse (" in out
    assert out.count("+0.00 %") == 4 and out.count("+0.000 dB") == 4

    png = tmp_path / "rd.png"
    code, out, _ = run(monkeypatch, capsys, "plot", high, low, rd_json, "-o", png)
    assert code == 0 and png.stat().st_size > 10_000


def test_compare_writes_one_folder(monkeypatch, capsys, tmp_path: Path, rd_images: Path, tiny_checkpoints: list[Path]) -> None:
    out_dir = tmp_path / "cmp"
    pattern = str(tiny_checkpoints[0].parent / "tiny-*.pt")
    qualities = ["--quality", "10", "--quality", "30", "--quality", "60", "--quality", "90"]
    code, out, _ = run(monkeypatch, capsys, "compare", "--images", rd_images, "--family", "tiny", pattern, *qualities, "-o", out_dir)
    assert code == 0
    assert {p.name for p in out_dir.iterdir()} == {"JPEG.json", "tiny.json", "bd.json", "summary.md", "rd.png"}
    summary = (out_dir / "summary.md").read_text()
    assert "licc-eval compare --images" in summary and "| tiny | JPEG |" in summary
    # An untrained model's PSNR is far below JPEG's: the BD cell says why there is no number.
    rows = json.loads((out_dir / "bd.json").read_text())["bd"]["psnr-rgb"]
    assert rows[0]["anchor"] == "JPEG" and "do not overlap" in rows[0]["error"]

    # The saved JPEG curve can anchor a later comparison without re-evaluating it.
    code, out, _ = run(
        monkeypatch, capsys, "compare", "--images", rd_images, "--no-jpeg", "--with", out_dir / "JPEG.json",
        "--family", "tiny2", ",".join(map(str, tiny_checkpoints[:2])), "-o", tmp_path / "cmp2",
    )
    assert code == 0 and "| tiny2 | JPEG |" in (tmp_path / "cmp2" / "summary.md").read_text()


def test_missing_image_folder(monkeypatch, capsys, tmp_path: Path) -> None:
    code, _, err = run(monkeypatch, capsys, "jpeg", "--images", tmp_path / "nope", "-o", tmp_path / "j.json")
    one_line_error(code, err, "nope", "does not exist")


def test_empty_image_folder(monkeypatch, capsys, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = run(monkeypatch, capsys, "jpeg", "--images", tmp_path / "empty", "-o", tmp_path / "j.json")
    one_line_error(code, err, "holds no images")


def test_non_image_file(monkeypatch, capsys, tmp_path: Path) -> None:
    folder = write_images(tmp_path / "imgs", 1, 168, 168)
    (folder / "broken.jpg").write_bytes(b"\x00" * 100)
    code, _, err = run(monkeypatch, capsys, "jpeg", "--images", folder, "-o", tmp_path / "j.json")
    one_line_error(code, err, "broken.jpg", "not a readable image")


def test_corrupt_checkpoint(monkeypatch, capsys, tmp_path: Path, rd_images: Path, tiny_checkpoints: list[Path]) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(tiny_checkpoints[0].read_bytes()[:500])
    code, _, err = run(monkeypatch, capsys, "rd", bad, "--images", rd_images, "--name", "x", "-o", tmp_path / "x.json")
    one_line_error(code, err, "bad.pt")


def test_malformed_results(monkeypatch, capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "a", "results": {"bpp": [1, 2], "psnr-rgb": [30]}}')
    for args in (("bd", bad, bad), ("plot", bad, "-o", tmp_path / "p.png")):
        code, _, err = run(monkeypatch, capsys, *args)
        one_line_error(code, err, "bad.json", "malformed")


def test_bd_with_too_few_points(monkeypatch, capsys, tmp_path: Path) -> None:
    short = tmp_path / "short.json"
    short.write_text(json.dumps({"name": "s", "results": {"bpp": [0.1, 0.2, 0.4], "psnr-rgb": [28, 30, 32]}}))
    code, _, err = run(monkeypatch, capsys, "bd", short, short)
    one_line_error(code, err, "3 points")


def test_compare_unmatched_glob(monkeypatch, capsys, tmp_path: Path, rd_images: Path) -> None:
    code, _, err = run(monkeypatch, capsys, "compare", "--images", rd_images, "--family", "t", str(tmp_path / "none-*.pt"), "-o", tmp_path / "o")
    one_line_error(code, err, "no checkpoint matches")


def test_console_script_error(tmp_path: Path) -> None:
    """The installed entry point: one line on stderr, exit code 2."""
    script = Path(sys.executable).parent / "licc-eval"
    proc = subprocess.run([script, "bd", tmp_path / "a.json", tmp_path / "b.json"], capture_output=True, text=True)
    one_line_error(proc.returncode, proc.stderr, "a.json does not exist")


def test_pickled_module_needs_allow_pickle(monkeypatch, capsys, tmp_path: Path, rd_images: Path) -> None:
    model = build("bmshj2018-factorized", 8, 12)
    model.update(force=True)
    pickled = tmp_path / "pickled.pt"
    torch.save(model, pickled)
    args = ["rd", pickled, "--images", rd_images, "--name", "p", "-o", tmp_path / "p.json"]
    code, _, err = run(monkeypatch, capsys, *args)
    one_line_error(code, err, "pickled.pt", "--allow-pickle")
    assert run(monkeypatch, capsys, *args, "--allow-pickle")[0] == 0
