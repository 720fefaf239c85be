"""Bitstreams: the container, and the entropy-coding round trip of tiny models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from lic_compiler.errors import LiccError
from lic_compiler.eval.codec import ModelCodec, codec_from_checkpoint, pack, unpack
from lic_compiler.eval.images import tensor_to_uint8, uint8_to_tensor
from lic_compiler.models import ARCHITECTURES, build

from .conftest import synthetic_image


def test_container_round_trip() -> None:
    strings = [b"\x00\x01abc", b"", bytes(range(256))]
    data = pack(512, 768, (8, 12), strings)
    assert unpack(data) == (512, 768, (8, 12), strings)
    # Header: 4 (size) + 1 + 2·2 (shape) + 1 + 3·4 (lengths).
    assert len(data) == 22 + sum(len(s) for s in strings)


def _updated(arch: str) -> torch.nn.Module:
    torch.manual_seed(0)
    model = build(arch, 8, 12)
    model.update(force=True)
    return model


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_decoded_equals_forward(arch: str) -> None:
    codec = ModelCodec(_updated(arch), label=arch)
    for seed, (h, w) in enumerate([(64, 64), (64, 64), (40, 72)]):
        x = uint8_to_tensor(synthetic_image(h, w, seed))
        data = codec.encode(x)
        decoded = codec.decode(data)
        assert decoded.shape == x.shape
        assert torch.equal(decoded, codec.reference(x))


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_byte_count_is_header_plus_strings(arch: str) -> None:
    model = _updated(arch)
    codec = ModelCodec(model, label=arch)
    x = uint8_to_tensor(synthetic_image(64, 64, 3))
    data = codec.encode(x)
    with torch.no_grad():
        strings = [s[0] for s in model.compress(x)["strings"]]
    header = 6 + 2 * 2 + 4 * len(strings)  # size, latent shape, string lengths
    assert len(data) == header + sum(len(s) for s in strings)
    assert all(len(s) > 0 for s in strings)


def test_bytes_grow_with_image_size() -> None:
    codec = ModelCodec(_updated("bmshj2018-factorized"), label="f")
    small = len(codec.encode(uint8_to_tensor(synthetic_image(64, 64, 0))))
    large = len(codec.encode(uint8_to_tensor(synthetic_image(128, 128, 0))))
    assert 2.5 * small < large < 6 * small


def test_codec_puts_model_in_eval_mode() -> None:
    model = _updated("bmshj2018-factorized").train()
    codec = ModelCodec(model, label="f")
    assert not model.training
    x = uint8_to_tensor(synthetic_image(64, 64, 1))
    assert torch.equal(codec.decode(codec.encode(x)), codec.reference(x))


def test_codec_from_checkpoint(tiny_checkpoints: list[Path]) -> None:
    codec = codec_from_checkpoint(tiny_checkpoints[0])
    assert codec.label == "tiny-0"
    assert codec.config["arch"] == "bmshj2018-factorized"
    assert (codec.config["N"], codec.config["M"], codec.config["lmbda"]) == (8, 12, 0.001)
    x = uint8_to_tensor(synthetic_image(64, 64, 2))
    assert torch.equal(codec.decode(codec.encode(x)), codec.reference(x))


def test_corrupt_checkpoint(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(LiccError, match="bad.pt"):
        codec_from_checkpoint(bad)


def test_uint8_conversion_round_trip() -> None:
    img = synthetic_image(17, 23, 5)
    assert np.array_equal(tensor_to_uint8(uint8_to_tensor(img)), img)
