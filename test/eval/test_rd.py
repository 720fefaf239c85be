"""RD evaluation: metrics, the round-trip check, the results format, JPEG."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from lic_compiler.errors import LiccError
from lic_compiler.eval.codec import ModelCodec, codec_from_checkpoint
from lic_compiler.eval.images import tensor_to_uint8, uint8_to_tensor
from lic_compiler.eval.jpeg import JpegCodec, jpeg_codecs
from lic_compiler.eval.rd import evaluate_curve, load_test_images
from lic_compiler.eval.results import CONVENTIONS, load_results, save_results
from lic_compiler.models import build

from .conftest import synthetic_image, write_images


class FourBitCodec:
    """Keeps the top 4 bits of every value, one byte each: a codec with known numbers."""

    label = "4bit"
    config: dict[str, Any] = {"codec": "4bit"}

    def encode(self, x: torch.Tensor) -> bytes:
        h, w = x.shape[-2:]
        return h.to_bytes(2, "big") + w.to_bytes(2, "big") + (tensor_to_uint8(x) >> 4).tobytes()

    def decode(self, data: bytes) -> torch.Tensor:
        h, w = int.from_bytes(data[:2], "big"), int.from_bytes(data[2:4], "big")
        top = np.frombuffer(data[4:], dtype=np.uint8).reshape(h, w, 3)
        return uint8_to_tensor((top << 4) + 8)

    def reference(self, x: torch.Tensor) -> None:
        return None


def test_metrics_of_a_known_codec(rd_images: Path) -> None:
    images = load_test_images(rd_images)
    doc = evaluate_curve([FourBitCodec()], images, name="4bit")
    point = doc["points"][0]
    assert point["round-trip-checked"] is False
    for record, image in zip(point["images"], images):
        h, w = image.pixels.shape[:2]
        assert record["bytes"] == 4 + 3 * h * w
        assert record["bpp"] == pytest.approx(8 * (4 + 3 * h * w) / (h * w))
        err = image.pixels.astype(np.float64) - ((image.pixels >> 4) * 16 + 8)
        assert record["mse-rgb"] == pytest.approx(np.mean(err**2))
        assert record["psnr-rgb"] == pytest.approx(10 * math.log10(255**2 / np.mean(err**2)))
        assert 0.9 < record["ms-ssim-rgb"] < 1.0
    mses = [r["mse-rgb"] for r in point["images"]]
    res = doc["results"]
    assert res["psnr-rgb"][0] == pytest.approx(np.mean([r["psnr-rgb"] for r in point["images"]]))
    assert res["psnr-rgb-from-mean-mse"][0] == pytest.approx(10 * math.log10(255**2 / np.mean(mses)))


def test_model_curve(rd_images: Path, tiny_checkpoints: list[Path]) -> None:
    images = load_test_images(rd_images)
    codecs = [codec_from_checkpoint(p) for p in tiny_checkpoints]
    doc = evaluate_curve(codecs, images, name="tiny", description="untrained")
    res = doc["results"]
    assert set(res) == set(CONVENTIONS)
    assert all(len(v) == 4 for v in res.values())
    assert res["bpp"] == sorted(res["bpp"]) and all(b > 0 for b in res["bpp"])
    # Per-image detail in the same order as the summary lists.
    for bpp, point in zip(res["bpp"], doc["points"]):
        assert point["round-trip-checked"] is True
        assert [r["image"] for r in point["images"]] == ["img00.png", "img01.png"]
        assert bpp == pytest.approx(np.mean([r["bpp"] for r in point["images"]]))
        assert point["config"]["arch"] == "bmshj2018-factorized"
        for r in point["images"]:
            assert r["bpp"] == pytest.approx(8 * r["bytes"] / (168 * 200))


class CorruptingModel:
    """CompressAI's model contract, with a decoder that is off by one level."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.model = model

    def compress(self, x: torch.Tensor) -> dict:
        return self.model.compress(x)

    def decompress(self, strings: list, shape: tuple) -> dict:
        out = self.model.decompress(strings, shape)
        return {"x_hat": (out["x_hat"] + 1 / 255).clamp(0, 1)}

    def __call__(self, x: torch.Tensor) -> dict:
        return self.model(x)


def test_round_trip_mismatch_fails_loudly(rd_images: Path) -> None:
    model = build("bmshj2018-factorized", 8, 12).eval()
    model.update(force=True)
    codec = ModelCodec(CorruptingModel(model), label="broken")
    with pytest.raises(LiccError, match=r"broken: img00.png: .* differs from the forward pass"):
        evaluate_curve([codec], load_test_images(rd_images), name="broken")


def test_jpeg_monotone_in_quality(rd_images: Path) -> None:
    doc = evaluate_curve(jpeg_codecs((10, 30, 60, 90)), load_test_images(rd_images), name="JPEG")
    res = doc["results"]
    assert [p["label"] for p in doc["points"]] == ["q=10", "q=30", "q=60", "q=90"]
    for key in ("bpp", "psnr-rgb", "psnr-rgb-from-mean-mse", "ms-ssim-rgb"):
        assert all(a < b for a, b in zip(res[key], res[key][1:])), key


def test_jpeg_bitstream_is_a_jfif_file() -> None:
    x = uint8_to_tensor(synthetic_image(64, 80, 0))
    data = JpegCodec(50).encode(x)
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    assert JpegCodec(50).decode(data).shape == x.shape


def test_jpeg_quality_range() -> None:
    with pytest.raises(LiccError, match="between 1 and 100"):
        JpegCodec(0)


def test_results_file_round_trip(tmp_path: Path, rd_images: Path) -> None:
    doc = evaluate_curve(jpeg_codecs((20, 70)), load_test_images(rd_images), name="JPEG", description="d")
    path = save_results(doc, tmp_path / "sub" / "jpeg.json")
    raw = json.loads(path.read_text())
    assert {"name", "description", "results", "conventions", "points"} <= set(raw)
    assert "per-image PSNR" in raw["conventions"]["psnr-rgb"]
    assert load_results(path) == raw


def test_compressai_results_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "compressai.json"
    path.write_text(json.dumps({"name": "x", "description": "", "results": {"psnr-rgb": [30.0], "bpp": [0.5]}}))
    assert load_results(path)["name"] == "x"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not valid JSON"),
        ("\xff\xfe", "not valid JSON"),
        ("[1, 2]", "top level is not an object"),
        ('{"results": {"bpp": [1]}}', 'no "name"'),
        ('{"name": "a", "results": {"psnr-rgb": [1]}}', '"bpp" list'),
        ('{"name": "a", "results": {"bpp": [1, 2], "psnr-rgb": [3]}}', 'psnr-rgb" has 1 entries'),
        ('{"name": "a", "results": {"bpp": [1, "x"]}}', "not a list of numbers"),
    ],
)
def test_malformed_results(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(LiccError, match=match):
        load_results(path)


def test_image_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(LiccError, match="does not exist"):
        load_test_images(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "SHA256SUMS").write_text("checksums are not images\n")
    with pytest.raises(LiccError, match="holds no images"):
        load_test_images(tmp_path / "empty")
    folder = write_images(tmp_path / "mixed", 1, 168, 168)
    (folder / "notes.png").write_text("text posing as an image")
    with pytest.raises(LiccError, match="notes.png is not a readable image"):
        load_test_images(folder)
    small = write_images(tmp_path / "small", 1, 64, 64)
    with pytest.raises(LiccError, match="img00.png is 64x64 pixels; MS-SSIM needs"):
        load_test_images(small)


def test_companion_files_are_skipped(tmp_path: Path) -> None:
    folder = write_images(tmp_path / "set", 2, 168, 168)
    (folder / "SHA256SUMS").write_text("…\n")
    assert [i.name for i in load_test_images(folder)] == ["img00.png", "img01.png"]


def test_results_path_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(LiccError, match="cannot read results file"):
        load_results(tmp_path)
