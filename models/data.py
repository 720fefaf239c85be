"""Image folders for training (random crops) and validation (center crops or whole images)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from lic_compiler.errors import LiccError

MODES = ("random", "center", "full")


def image_files(root: str | os.PathLike) -> list[Path]:
    """The images in `root`, sorted; anything else in it is an error naming the file."""
    root = Path(root)
    if not root.is_dir():
        raise LiccError(f"image folder {root} does not exist; pass a folder of images")
    files = sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise LiccError(f"image folder {root} is empty; put PNG or JPEG images in it")
    for path in files:
        try:
            with Image.open(path) as img:
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as e:
            raise LiccError(f"{path} is not a readable image ({e.__class__.__name__}); remove it from {root}") from None
    return files


def read_image(path: Path, scale: float = 1.0) -> torch.Tensor:
    """An RGB image as a uint8 CHW tensor, resized by `scale` (Lanczos) unless it is 1."""
    try:
        with Image.open(path) as img:
            rgb = img.convert("RGB")
            if scale != 1.0:
                rgb = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.LANCZOS)
            array = np.asarray(rgb)
    except (OSError, SyntaxError) as e:
        raise LiccError(f"{path} could not be decoded ({e}); replace or remove it") from None
    return torch.from_numpy(array.copy()).permute(2, 0, 1)


class ImageFolder(Dataset):
    """Float RGB images in [0, 1] from one or more folders.

    mode "random": a random crop (and horizontal flip) per access, drawn from
    torch's global RNG so that seeding and saving that RNG makes training
    reproducible and resumable; "center": the central crop; "full": the
    whole image. `cache` keeps decoded images in memory (BSDS500's 400
    training images take 185 MB), which on a 2-core machine beats decoding
    JPEGs again for every crop. `scale` resizes every image first: JPEG
    sources (BSDS500) at half size lose most of their blocking and ringing
    (Ballé et al. downsample their training images for the same reason).
    """

    def __init__(
        self,
        roots: str | os.PathLike | Sequence[str | os.PathLike],
        mode: str = "full",
        crop: int | None = None,
        cache: bool = False,
        scale: float = 1.0,
    ) -> None:
        if mode not in MODES:
            raise LiccError(f"unknown image mode {mode!r}; choose one of {', '.join(MODES)}")
        if mode != "full" and not crop:
            raise LiccError(f"mode {mode!r} needs a crop size")
        roots = [roots] if isinstance(roots, (str, os.PathLike)) else list(roots)
        self.files = [f for r in roots for f in image_files(r)]
        if not 0 < scale <= 1:
            raise LiccError(f"image scale {scale:g} must be in (0, 1]: images are only ever made smaller")
        self.mode, self.crop, self.scale = mode, crop, scale
        self._cache: dict[int, torch.Tensor] | None = {} if cache else None
        if cache:
            for i in range(len(self.files)):
                self._image(i)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor:
        img = self._image(index)
        if self.mode == "random":
            img = self._random_crop(img)
        elif self.mode == "center":
            img = self._center_crop(img)
        return img.float() / 255.0

    def _image(self, index: int) -> torch.Tensor:
        if self._cache is not None and index in self._cache:
            return self._cache[index]
        img = read_image(self.files[index], self.scale)
        if self.crop and min(img.shape[1:]) < self.crop:
            h, w = img.shape[1:]
            raise LiccError(f"{self.files[index]} is {w}×{h}, smaller than the {self.crop}-pixel crop; use a smaller crop")
        if self._cache is not None:
            self._cache[index] = img
        return img

    def _random_crop(self, img: torch.Tensor) -> torch.Tensor:
        h, w = img.shape[1:]
        top = int(torch.randint(h - self.crop + 1, ()))
        left = int(torch.randint(w - self.crop + 1, ()))
        img = img[:, top : top + self.crop, left : left + self.crop]
        return img.flip(2) if bool(torch.randint(2, ())) else img

    def _center_crop(self, img: torch.Tensor) -> torch.Tensor:
        h, w = img.shape[1:]
        top, left = (h - self.crop) // 2, (w - self.crop) // 2
        return img[:, top : top + self.crop, left : left + self.crop]
