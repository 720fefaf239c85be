"""Image folders for evaluation: which files count as images, and loading them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from lic_compiler.errors import LiccError

# Files are recognised by extension so that a data set's companions
# (checksums, READMEs) can sit beside the images; a file that claims an image
# extension but does not decode is an error.
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm", ".tif", ".tiff", ".webp"}
)


def list_images(folder: str | Path) -> list[Path]:
    """The image files directly inside ``folder``, sorted by name."""
    root = Path(folder)
    if not root.exists():
        raise LiccError(f"image folder {root} does not exist; pass a folder of images (png, jpg, ...)")
    if not root.is_dir():
        raise LiccError(f"image folder {root} is not a directory; pass a folder of images (png, jpg, ...)")
    images = sorted(
        p for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not images:
        raise LiccError(
            f"image folder {root} holds no images "
            f"(looked for {', '.join(sorted(IMAGE_SUFFIXES))})"
        )
    return images


def load_image(path: str | Path) -> torch.Tensor:
    """An 8-bit image as a (1, 3, H, W) float tensor in [0, 1] (grey becomes RGB)."""
    try:
        with Image.open(path) as img:
            rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise LiccError(f"{path} is not a readable image ({e})") from e
    return uint8_to_tensor(rgb)


def uint8_to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 → (1, 3, H, W) float32 in [0, 1]."""
    return torch.from_numpy(rgb.copy()).permute(2, 0, 1).unsqueeze(0).float() / 255.0


def tensor_to_uint8(x: torch.Tensor) -> np.ndarray:
    """(1, 3, H, W) float in [0, 1] → (H, W, 3) uint8, rounding to nearest and clipping."""
    q = (x.detach()[0] * 255.0).clamp(0, 255).round().to(torch.uint8)
    return q.permute(1, 2, 0).contiguous().numpy()
