from pathlib import Path

import pytest
import torch

from lic_compiler.errors import LiccError
from lic_compiler.models.data import ImageFolder, image_files

from .conftest import write_images


def test_random_crops_are_seeded(images: Path) -> None:
    data = ImageFolder(images, "random", crop=16, cache=True)
    torch.manual_seed(3)
    first = [data[i] for i in range(len(data))]
    torch.manual_seed(3)
    again = [data[i] for i in range(len(data))]
    assert all(a.shape == (3, 16, 16) and torch.equal(a, b) for a, b in zip(first, again))
    assert all(0 <= float(a.min()) and float(a.max()) <= 1 for a in first)


def test_center_and_full_images(images: Path) -> None:
    full = ImageFolder(images, "full")[0]
    center = ImageFolder(images, "center", crop=16)[0]
    assert full.shape == (3, 40, 48)
    assert torch.equal(center, full[:, 12:28, 16:32])


def test_scale_resizes_before_cropping(images: Path) -> None:
    half = ImageFolder(images, "full", scale=0.5)[0]
    assert half.shape == (3, 20, 24)
    # Lanczos of a 2×2 block average's neighbourhood: close to the block mean, not a pixel pick
    full = ImageFolder(images, "full")[0]
    blocks = full.unfold(1, 2, 2).unfold(2, 2, 2).mean(dim=(-1, -2))
    assert float((half - blocks).abs().mean()) < float((full[:, ::2, ::2] - blocks).abs().mean())
    with pytest.raises(LiccError, match="image scale 1.5 must be in \\(0, 1\\]"):
        ImageFolder(images, "full", scale=1.5)


def test_several_folders_join(images: Path, val_images: Path) -> None:
    assert len(ImageFolder([images, val_images], "center", crop=16)) == 6


def test_missing_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(LiccError, match=r"image folder .*nowhere does not exist; pass a folder of images"):
        image_files(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden").write_text("ignored")
    with pytest.raises(LiccError, match=r"image folder .*empty is empty; put PNG or JPEG images in it"):
        image_files(tmp_path / "empty")


def test_non_image_file_is_named(images: Path) -> None:
    (images / "notes.txt").write_text("not a picture")
    with pytest.raises(LiccError, match=r"notes\.txt is not a readable image .*; remove it from"):
        ImageFolder(images, "random", crop=16)


def test_image_smaller_than_crop(tmp_path: Path) -> None:
    folder = write_images(tmp_path / "small", 1, size=(20, 12))
    with pytest.raises(LiccError, match=r"img0\.png is 20×12, smaller than the 16-pixel crop"):
        ImageFolder(folder, "random", crop=16, cache=True)


def test_unknown_mode(images: Path) -> None:
    with pytest.raises(LiccError, match="unknown image mode 'tiles'"):
        ImageFolder(images, "tiles", crop=16)
