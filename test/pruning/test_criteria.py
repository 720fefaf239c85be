"""Channel groups, importance criteria and how many channels are kept."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lic_compiler.errors import LiccError
from lic_compiler.ir import parse_module, to_numpy
from lic_compiler.pruning import pruning_record
from lic_compiler.pruning.channels import FIXED, HIDDEN, HYPER_LATENT, LATENT, TIED, channel_groups
from lic_compiler.pruning.criteria import LatentStats, keep_count, latent_keep, latent_stats

from .conftest import lic_module, lively, prune

# Channel 0 has the larger filter, but GDN's β of 10⁴ divides it by ~100;
# channel 1's small filter passes GDN almost unchanged.
NORMALISED_AWAY = """
func.func @encoder(%x: tensor<1x3x8x8xf32>) -> tensor<1x1x8x8xf32> {
  %w = lic.constant dense<[[[[5.0]], [[5.0]], [[5.0]]], [[[1.0]], [[0.0]], [[0.0]]]]> : tensor<2x3x1x1xf32>
  %conv = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x8x8xf32>
  %beta = lic.constant dense<[10000.0, 1.0]> : tensor<2xf32>
  %gamma = lic.constant dense<0.01> : tensor<2x2xf32>
  %gdn = lic.gdn %conv, %beta, %gamma : (tensor<1x2x8x8xf32>, tensor<2xf32>, tensor<2x2xf32>) -> tensor<1x2x8x8xf32>
  %w_1 = lic.constant dense<1.0> : tensor<1x2x1x1xf32>
  %conv_1 = lic.conv2d %gdn, %w_1 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x2x8x8xf32>, tensor<1x2x1x1xf32>) -> tensor<1x1x8x8xf32>
  func.return %conv_1 : tensor<1x1x8x8xf32>
}
"""


@pytest.mark.parametrize(("criterion", "kept"), [("l1", [0]), ("l2", [0]), ("gdn", [1])])
def test_gdn_criterion_sees_the_normalisation(criterion: str, kept: list[int]) -> None:
    module = prune(parse_module(NORMALISED_AWAY), f"ratio=0.5 criterion={criterion} count=2 measure=false")
    assert pruning_record(module)["kept"] == {"encoder.conv1": kept}


# Latent channel 1 is 0.3 everywhere: it rounds to zero (free), but the real
# decoder reads it dequantised (≈ 0.3, its median), so 0.3 × its weights go
# into the decoder's bias.
CONSTANT_LATENT = """
func.func @encoder(%x: tensor<1x3x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %w = lic.constant dense<[[[[20.0]], [[0.0]], [[0.0]]], [[[0.0]], [[0.0]], [[0.0]]]]> : tensor<2x3x1x1xf32>
  %b = lic.constant dense<[0.0, 0.3]> : tensor<2xf32>
  %conv = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>, tensor<2x3x1x1xf32>, tensor<2xf32>) -> tensor<1x2x8x8xf32>
  func.return %conv : tensor<1x2x8x8xf32>
}
func.func @decoder(%y: tensor<1x2x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %w = lic.constant dense<[[[[0.1]], [[0.1]], [[0.1]]], [[[1.0]], [[2.0]], [[3.0]]]]> : tensor<2x3x1x1xf32>
  %b = lic.constant dense<0.5> : tensor<3xf32>
  %deconv = lic.conv_transpose2d %y, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x2x8x8xf32>, tensor<2x3x1x1xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  func.return %deconv : tensor<1x3x8x8xf32>
}
"""


def test_decoder_bias_takes_the_dequantised_mean_of_a_dropped_latent_channel() -> None:
    module = prune(parse_module(CONSTANT_LATENT), "criterion=latent count=2 measure=false")
    record = pruning_record(module)
    assert record["kept"] == {"latent": [0]} and record["compensated"] == ["decoder.conv1"]
    (deconv,) = [op for op in module.walk() if op.name == "lic.conv_transpose2d"]
    assert np.allclose(to_numpy(deconv.bias.owner.value), [0.8, 1.1, 1.4])


def test_gdn_criterion_needs_calibration_activity() -> None:
    decoder_only = NORMALISED_AWAY.replace("@encoder", "@decoder")
    with pytest.raises(LiccError, match="criterion=gdn needs the activity that decoder.conv2 reads"):
        prune(parse_module(decoder_only), "ratio=0.5 criterion=gdn count=2 measure=false")


def test_groups_follow_the_hyperprior_links() -> None:
    channels = channel_groups(lic_module(lively("mbt2018-mean"), parts=None))
    kinds = {g.name: (g.kind, g.size) for g in channels.groups if g.kind != FIXED}
    assert kinds == {
        **{f"encoder.conv{k}": (HIDDEN, 8) for k in (1, 2, 3)},
        "latent": (LATENT, 12),
        **{f"decoder.conv{k}": (HIDDEN, 8) for k in (1, 2, 3)},
        **{f"hyper_encoder.conv{k}": (HIDDEN, 8) for k in (1, 2)},
        "hyper_latent": (HYPER_LATENT, 8),
        "hyper_decoder.conv1": (HIDDEN, 12),
        "hyper_decoder.conv2": (HIDDEN, 18),
        "hyper_decoder.conv3": (TIED, 24),
    }
    latent = channels.named("latent")
    assert latent is not None
    assert [op.name for op in latent.producers] == ["lic.conv2d"]
    assert [op.name for op in latent.consumers] == ["lic.conv_transpose2d", "lic.conv2d"]


def test_latent_stats_are_entropy_and_energy() -> None:
    y = np.zeros((1, 3, 2, 2), np.float32)
    y[0, 0] = [[0.2, 1.4], [0.9, -0.3]]  # rounds to 0, 1, 1, 0: one bit
    y[0, 1] = 2.2  # the constant 2: no bits, energy 4
    stats = latent_stats([y, y])  # two images
    assert stats.bits.tolist() == [1.0, 0.0, 0.0]
    assert stats.energy.tolist() == [0.5, 4.0, 0.0]
    assert stats.free.tolist() == [False, False, True]


def test_latent_keep_drops_free_channels_then_the_cheapest() -> None:
    stats = LatentStats(np.array([2.0, 0.0, 0.5, 0.0, 1.0, 0.0]), np.array([9.0, 0.0, 1.0, 4.0, 2.0, 0.0]))
    assert latent_keep(stats, 0.0, 1).tolist() == [0, 2, 3, 4]  # 1 and 5 are free
    assert latent_keep(stats, 0.5, 1).tolist() == [0, 2, 4]  # then the constant 3 (no bits)
    assert latent_keep(stats, 0.0, 4).tolist() == [0, 2, 3, 4]
    assert latent_keep(stats, 0.9, 4).tolist() == [0, 2, 3, 4]  # one rounded up to four


@given(st.integers(1, 512), st.floats(0, 0.999), st.integers(1, 64))
def test_keep_count_divides_and_prunes_no_more_than_asked(size: int, ratio: float, multiple: int) -> None:
    keep = keep_count(size, ratio, multiple)
    if size < multiple:
        return  # the pass refuses this before asking
    assert keep % multiple == 0 and multiple <= keep <= size
    asked = max(1, size - int(ratio * size + 0.5))
    assert keep >= min(asked, size // multiple * multiple)
