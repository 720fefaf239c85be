"""Rate-distortion evaluation: real bitstreams of any `Codec` on an image set."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from lic_compiler.errors import LiccError
from lic_compiler.eval.codec import Codec
from lic_compiler.eval.images import list_images, load_image, tensor_to_uint8, uint8_to_tensor
from lic_compiler.eval.metrics import MS_SSIM_MIN_SIDE, ms_ssim_rgb, mse, psnr_from_mse
from lic_compiler.eval.results import make_results


@dataclass(frozen=True)
class TestImage:
    name: str
    pixels: np.ndarray  # (H, W, 3) uint8


def load_test_images(folder: str | Path) -> list[TestImage]:
    """All images of a folder, decoded once and checked to be large enough for MS-SSIM."""
    images = []
    for path in list_images(folder):
        pixels = tensor_to_uint8(load_image(path))
        height, width = pixels.shape[:2]
        if min(height, width) < MS_SSIM_MIN_SIDE:
            raise LiccError(
                f"{path} is {width}x{height} pixels; MS-SSIM needs both sides "
                f"at least {MS_SSIM_MIN_SIDE}"
            )
        images.append(TestImage(path.name, pixels))
    return images


def evaluate_image(codec: Codec, image: TestImage) -> tuple[dict[str, Any], bool]:
    """Per-image numbers, and whether the decoder was checked against a reference.

    Raises LiccError when the decoded image is not the reference reconstruction.
    """
    x = uint8_to_tensor(image.pixels)
    t0 = time.perf_counter()
    data = codec.encode(x)
    t1 = time.perf_counter()
    decoded = tensor_to_uint8(codec.decode(data))
    t2 = time.perf_counter()
    reference = codec.reference(x)
    if reference is not None:
        _check_round_trip(codec, image, decoded, tensor_to_uint8(reference))
    height, width = image.pixels.shape[:2]
    m = mse(image.pixels, decoded)
    record = {
        "image": image.name,
        "height": height,
        "width": width,
        "bytes": len(data),
        "bpp": 8.0 * len(data) / (height * width),
        "mse-rgb": m,
        "psnr-rgb": psnr_from_mse(m),
        "ms-ssim-rgb": ms_ssim_rgb(image.pixels, decoded),
        "encoding_time": t1 - t0,
        "decoding_time": t2 - t1,
    }
    return record, reference is not None


def _check_round_trip(
    codec: Codec, image: TestImage, decoded: np.ndarray, reference: np.ndarray
) -> None:
    if decoded.shape != reference.shape:
        raise LiccError(
            f"{codec.label}: {image.name}: decoded image is {decoded.shape}, "
            f"the forward pass gives {reference.shape}"
        )
    diff = np.abs(decoded.astype(np.int16) - reference.astype(np.int16))
    if diff.any():
        raise LiccError(
            f"{codec.label}: {image.name}: the image decoded from the bitstream differs "
            f"from the forward pass's reconstruction in {int(np.count_nonzero(diff))} of "
            f"{diff.size} values (max {int(diff.max())}/255); the decoder does not "
            f"reproduce the encoder's reconstruction, so its bpp would be meaningless"
        )


def evaluate_point(
    codec: Codec, images: Sequence[TestImage], *, progress: bool = False
) -> dict[str, Any]:
    """One rate point: per-image records and their summary (see results.CONVENTIONS)."""
    records, checked = [], []
    for image in tqdm(images, desc=codec.label, unit="img", disable=not progress, leave=False):
        record, was_checked = evaluate_image(codec, image)
        records.append(record)
        checked.append(was_checked)

    def mean(key: str) -> float:
        return float(np.mean([r[key] for r in records]))

    return {
        "label": codec.label,
        "config": codec.config,
        "round-trip-checked": all(checked),
        "summary": {
            "bpp": mean("bpp"),
            "psnr-rgb": mean("psnr-rgb"),
            "psnr-rgb-from-mean-mse": psnr_from_mse(mean("mse-rgb")),
            "mse-rgb": mean("mse-rgb"),
            "ms-ssim-rgb": mean("ms-ssim-rgb"),
            "encoding_time": mean("encoding_time"),
            "decoding_time": mean("decoding_time"),
        },
        "images": records,
    }


def evaluate_curve(
    codecs: Iterable[Codec],
    images: Sequence[TestImage],
    *,
    name: str,
    description: str = "",
    progress: bool = False,
) -> dict[str, Any]:
    """A results document (CompressAI's format plus per-image detail) for a set of rate points."""
    points = [evaluate_point(c, images, progress=progress) for c in codecs]
    if not points:
        raise LiccError(f"curve {name!r} has no rate points")
    return make_results(name, description, points)
